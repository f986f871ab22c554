using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using Graft.Testing;

namespace Exceptions;

// Outside Failing: reading a field of Failing itself would rethrow its failure.
static class FailingRuns
{
    public static int Count;
}

static class Failing
{
    public static readonly int Value;

    // An explicit static constructor: not beforefieldinit, so it runs exactly at the first access
    // (a field initializer alone lets ILC run it at the start of any method that reads the field).
    static Failing() { Value = Fail(); }

    static int Fail()
    {
        FailingRuns.Count++;
        throw new InvalidOperationException("static constructor failed");
    }
}

sealed class Resource : IDisposable
{
    readonly List<string> log;
    readonly string name;
    public Resource(List<string> log, string name) { this.log = log; this.name = name; }
    public void Dispose() => log.Add("dispose " + name);
}

// The exception as an object: its static-constructor wrapping, using, type, message, trace.
static class ObjectTests
{
    [MethodImpl(MethodImplOptions.NoInlining)]
    static int ReadFailing() => Failing.Value;

    [Test]
    public static void StaticConstructorFailureIsTypeInitializationException()
    {
        var e = Assert.Throws<TypeInitializationException>(() => ReadFailing());
        // NativeAOT does not name the type (TypeName is empty; the JIT's is "Exceptions.Failing").
        Assert.Equal("A type initializer threw an exception. To determine which type, inspect the InnerException's StackTrace property.", e.Message);
        Assert.NotNull(e.InnerException);
        Assert.Equal("static constructor failed", e.InnerException!.Message);
    }

    [Test]
    public static void FailedStaticConstructorRunsOnceAndRethrows()
    {
        Exception? first = null, second = null;
        try { ReadFailing(); } catch (TypeInitializationException e) { first = e; }
        try { ReadFailing(); } catch (TypeInitializationException e) { second = e; }
        Assert.NotNull(first);
        Assert.NotNull(second);
        Assert.Equal(1, FailingRuns.Count);
    }

    [Test]
    public static void UsingDisposesOnException()
    {
        var log = new List<string>();
        try
        {
            using var a = new Resource(log, "a");
            using (new Resource(log, "b"))
            {
                log.Add("body");
                throw new CodedException(1);
            }
        }
        catch (CodedException) { log.Add("catch"); }
        Assert.Equal("body,dispose b,dispose a,catch", string.Join(",", log));
    }

    [Test]
    public static void ExceptionTypeAndMessage()
    {
        Exception e = new CodedException(12);
        Assert.Equal("CodedException", e.GetType().Name);
        Assert.Equal("Exceptions.CodedException", e.GetType().FullName);
        Assert.Equal("coded 12", e.Message);
    }

    [Test]
    public static void DefaultMessages()
    {
        Assert.Equal("Operation is not valid due to the current state of the object.", new InvalidOperationException().Message);
        Assert.Equal("Value cannot be null. (Parameter 'name')", new ArgumentNullException("name").Message);
        Assert.Equal("Specified method is not supported.", new NotSupportedException().Message);
    }

    [Test]
    public static void ToStringStartsWithTypeAndMessage()
    {
        Exception caught = new Exception();
        try { ThrowDeep(3); } catch (CodedException e) { caught = e; }
        Assert.True(caught.ToString().StartsWith("Exceptions.CodedException: coded 3", StringComparison.Ordinal), caught.ToString());
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    static void ThrowDeep(int depth)
    {
        if (depth == 0)
            throw new CodedException(3);
        ThrowDeep(depth - 1);
        GC.KeepAlive(depth); // not a tail call: each level keeps its frame
    }

    [Test]
    public static void StackTraceNamesTheThrowingMethods()
    {
        string trace = "";
        try { ThrowDeep(2); } catch (CodedException e) { trace = e.StackTrace ?? ""; }
        Assert.True(trace.Contains("ObjectTests.ThrowDeep(Int32)", StringComparison.Ordinal), trace);
        Assert.True(trace.Contains("ObjectTests.StackTraceNamesTheThrowingMethods()", StringComparison.Ordinal), trace);
        int frames = trace.Split('\n').Length;
        Assert.True(frames >= 4, $"{frames} frames: {trace}");
    }

    [Test]
    public static void EnvironmentStackTraceNamesTheCaller()
    {
        string trace = Environment.StackTrace;
        Assert.True(trace.Contains("ObjectTests.EnvironmentStackTraceNamesTheCaller()", StringComparison.Ordinal), trace);
    }

    [Test]
    public static void UnthrownExceptionHasNoStackTrace()
    {
        Assert.Null(new CodedException(1).StackTrace);
    }

    [Test]
    public static void ExceptionData()
    {
        var e = new CodedException(1);
        e.Data["key"] = "value";
        Assert.Equal("value", (string?)e.Data["key"]);
    }

    [Test]
    public static void AggregateExceptionFlattens()
    {
        var e = new AggregateException(new CodedException(1), new AggregateException(new CodedException(2)));
        Assert.Equal(2, e.Flatten().InnerExceptions.Count);
    }
}
