using System;

namespace Graft.Testing;

/// <summary>A failed assertion: the message says what was expected and what was found.</summary>
public sealed class AssertionException : Exception
{
    /// <summary>The source file of the failing assertion (the caller's).</summary>
    public string File { get; }

    /// <summary>The line of the failing assertion.</summary>
    public int Line { get; }

    /// <summary>A failed assertion at <paramref name="file"/>:<paramref name="line"/>.</summary>
    public AssertionException(string message, string file, int line) : base(message)
    {
        File = file;
        Line = line;
    }
}

/// <summary>Thrown by <see cref="Assert.Skip"/>: the runner reports the test as skipped.</summary>
public sealed class SkipException : Exception
{
    /// <summary>A run-time skip with its reason.</summary>
    public SkipException(string reason) : base(reason) { }
}
