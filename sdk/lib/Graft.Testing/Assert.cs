using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;

namespace Graft.Testing;

/// <summary>
/// Assertions for kernel tests. Each takes the caller's file and line (filled in by the
/// compiler) so that a failure names the line of the assertion.
/// </summary>
public static class Assert
{
    /// <summary>Fails unless <paramref name="expected"/> equals <paramref name="actual"/> (EqualityComparer&lt;T&gt;.Default).</summary>
    public static void Equal<T>(T expected, T actual, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        if (!EqualityComparer<T>.Default.Equals(expected, actual))
            throw new AssertionException($"expected {Show(expected)}, actual {Show(actual)}", file, line);
    }

    /// <summary>Fails if <paramref name="notExpected"/> equals <paramref name="actual"/>.</summary>
    public static void NotEqual<T>(T notExpected, T actual, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        if (EqualityComparer<T>.Default.Equals(notExpected, actual))
            throw new AssertionException($"expected anything but {Show(notExpected)}, actual {Show(actual)}", file, line);
    }

    /// <summary>Fails unless <paramref name="condition"/> is true.</summary>
    public static void True(bool condition, string? message = null, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        if (!condition)
            throw new AssertionException(message ?? "expected true, actual false", file, line);
    }

    /// <summary>Fails unless <paramref name="condition"/> is false.</summary>
    public static void False(bool condition, string? message = null, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        if (condition)
            throw new AssertionException(message ?? "expected false, actual true", file, line);
    }

    /// <summary>Fails unless <paramref name="value"/> is null.</summary>
    public static void Null(object? value, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        if (value is not null)
            throw new AssertionException($"expected null, actual {Show(value)}", file, line);
    }

    /// <summary>Fails if <paramref name="value"/> is null.</summary>
    public static void NotNull(object? value, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        if (value is null)
            throw new AssertionException("expected not null, actual null", file, line);
    }

    /// <summary>Fails unless both references are the same object.</summary>
    public static void Same(object? expected, object? actual, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        if (!ReferenceEquals(expected, actual))
            throw new AssertionException($"expected the same object as {Show(expected)}, actual {Show(actual)}", file, line);
    }

    /// <summary>
    /// Fails unless <paramref name="action"/> throws exactly <typeparamref name="TException"/>
    /// (not a subclass, as xUnit's Throws); returns the exception.
    /// </summary>
    public static TException Throws<TException>(Action action, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
        where TException : Exception
    {
        try
        {
            action();
        }
        catch (Exception e) when (e is not AssertionException)
        {
            if (e.GetType() == typeof(TException))
                return (TException)e;
            throw new AssertionException($"expected {typeof(TException).FullName}, actual {e.GetType().FullName}: {e.Message}", file, line);
        }
        throw new AssertionException($"expected {typeof(TException).FullName}, actual no exception", file, line);
    }

    /// <summary>Fails with <paramref name="message"/>.</summary>
    public static void Fail(string message, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
        => throw new AssertionException(message, file, line);

    /// <summary>Ends the test at run time; the runner reports it as skipped with <paramref name="reason"/>.</summary>
    public static void Skip(string reason) => throw new SkipException(reason);

    // Strings quoted (an empty or blank string stays visible), chars quoted, null named.
    static string Show<T>(T value) => value switch
    {
        null => "null",
        string s => "\"" + s + "\"",
        char c => "'" + c.ToString() + "'",
        _ => value.ToString() ?? "null",
    };
}
