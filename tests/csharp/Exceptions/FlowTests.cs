using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using Graft.Testing;

namespace Exceptions;

interface IThrower { void Throw(int code); }

sealed class VirtualThrower : IThrower
{
    [MethodImpl(MethodImplOptions.NoInlining)]
    public void Throw(int code) => throw new CodedException(code);
}

static class Generic<T>
{
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static T Fail(T value) => throw new CodedException(value is int i ? i : -1);
}

// How an exception travels: through interface, generic and delegate frames, out of a finally,
// through filters in several frames, and what its stack trace keeps on the way.
static class FlowTests
{
    [MethodImpl(MethodImplOptions.NoInlining)]
    static void Throw(int code) => throw new CodedException(code);

    [Test]
    public static void ThroughInterfaceAndGenericFrames()
    {
        IThrower thrower = new VirtualThrower();
        Assert.Equal(3, Assert.Throws<CodedException>(() => thrower.Throw(3)).Code);
        Assert.Equal(4, Assert.Throws<CodedException>(() => Generic<int>.Fail(4)).Code);
        Assert.Equal(-1, Assert.Throws<CodedException>(() => Generic<string>.Fail("x")).Code);
    }

    [Test]
    public static void ThroughADelegateAndALambda()
    {
        Func<int, int> throwing = code => throw new CodedException(code);
        Action invoke = () => throwing(5);
        Assert.Equal(5, Assert.Throws<CodedException>(invoke).Code);
    }

    [Test]
    public static void ThrowInFinallyReplacesTheException()
    {
        Exception? caught = null;
        try
        {
            try { Throw(1); }
            finally { Throw(2); }
        }
        catch (CodedException e) { caught = e; }
        Assert.Equal(2, ((CodedException)caught!).Code);
    }

    [Test]
    public static void FinallyRunsOnBreakAndContinue()
    {
        var log = new List<int>();
        for (int i = 0; i < 3; i++)
        {
            try
            {
                if (i == 0) continue;
                if (i == 2) break;
            }
            finally { log.Add(i); }
        }
        Assert.Equal("0,1,2", string.Join(",", log));
    }

    static readonly List<string> FilterLog = new();

    static bool Log(string what, bool result)
    {
        FilterLog.Add(what);
        return result;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    static void Inner()
    {
        try { Throw(7); }
        catch (CodedException) when (Log("inner filter", false)) { FilterLog.Add("inner catch"); }
        finally { FilterLog.Add("inner finally"); }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    static void Middle()
    {
        try { Inner(); }
        catch (CodedException) when (Log("middle filter", false)) { FilterLog.Add("middle catch"); }
        finally { FilterLog.Add("middle finally"); }
    }

    [Test]
    public static void FiltersOfEveryFrameRunBeforeAnyFinally()
    {
        FilterLog.Clear();
        try { Middle(); }
        catch (CodedException) when (Log("outer filter", true)) { FilterLog.Add("outer catch"); }
        Assert.Equal("inner filter,middle filter,outer filter,inner finally,middle finally,outer catch", string.Join(",", FilterLog));
    }

    [Test]
    public static void FilterSeesLocalsAndTheException()
    {
        int threshold = 5;
        string caught = "";
        try { Throw(9); }
        catch (CodedException e) when (e.Code > threshold && e.Message.EndsWith("9", StringComparison.Ordinal)) { caught = "over " + threshold; }
        Assert.Equal("over 5", caught);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    static void RethrowPlain()
    {
        try { Throw(1); }
        catch (CodedException) { throw; }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    static void RethrowAsNew()
    {
        try { Throw(1); }
#pragma warning disable CA2200 // on purpose: the trace restarts here
        catch (CodedException e) { throw e; }
#pragma warning restore CA2200
    }

    [Test]
    public static void RethrowKeepsTheThrowingFrameInTheTrace()
    {
        var e = Assert.Throws<CodedException>(RethrowPlain);
        Assert.True(e.StackTrace!.Contains("FlowTests.Throw(Int32)", StringComparison.Ordinal), e.StackTrace);
    }

    [Test]
    public static void ThrowingTheCaughtObjectStartsANewTrace()
    {
        var e = Assert.Throws<CodedException>(RethrowAsNew);
        Assert.False(e.StackTrace!.Contains("FlowTests.Throw(Int32)", StringComparison.Ordinal), e.StackTrace);
        Assert.True(e.StackTrace!.Contains("FlowTests.RethrowAsNew()", StringComparison.Ordinal), e.StackTrace);
    }

    [Test]
    public static void ExceptionDispatchInfoKeepsTheOriginalTrace()
    {
        ExceptionDispatchInfo? captured = null;
        try { Throw(6); }
        catch (CodedException e) { captured = ExceptionDispatchInfo.Capture(e); }
        var again = Assert.Throws<CodedException>(() => captured!.Throw());
        Assert.Equal(6, again.Code);
        Assert.True(again.StackTrace!.Contains("FlowTests.Throw(Int32)", StringComparison.Ordinal), again.StackTrace);
    }

    [Test]
    public static void ExceptionFromAStructMethodAndAProperty()
    {
        Assert.Throws<InvalidOperationException>(() => _ = new Faulty().Value);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Faulty().Set(-1));
    }

    struct Faulty
    {
        public int Value => throw new InvalidOperationException();
        public void Set(int value) => ArgumentOutOfRangeException.ThrowIfNegative(value);
    }

    [Test]
    public static void GuardHelpersThrowWithParameterNames()
    {
        string? missing = null;
        var e = Assert.Throws<ArgumentNullException>(() => ArgumentNullException.ThrowIfNull(missing));
        Assert.Equal("missing", e.ParamName);
        var empty = Assert.Throws<ArgumentException>(() => ArgumentException.ThrowIfNullOrEmpty(""));
        Assert.NotNull(empty.ParamName);
    }

    [Test]
    public static void CatchAndContinueManyTimesInNestedLoops()
    {
        int caught = 0;
        for (int i = 0; i < 20; i++)
            for (int j = 0; j < 20; j++)
            {
                try
                {
                    try { if ((i + j) % 3 == 0) Throw(i); }
                    finally { caught += 0; }
                }
                catch (CodedException e) when (e.Code == i) { caught++; }
            }
        Assert.Equal(133, caught);                          // pairs of 0..19 whose sum is a multiple of 3
    }
}
