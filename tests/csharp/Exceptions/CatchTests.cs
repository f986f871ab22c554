using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using Graft.Testing;

namespace Exceptions;

class CodedException : Exception
{
    public int Code { get; }
    public CodedException(int code) : base("coded " + code) { Code = code; }
}

sealed class DerivedCodedException : CodedException
{
    public DerivedCodedException(int code) : base(code) { }
}

static class CatchTests
{
    [MethodImpl(MethodImplOptions.NoInlining)]
    static void Throw(Exception e) => throw e;

    [Test]
    public static void CatchesByExactType()
    {
        string caught = "";
        try { Throw(new InvalidOperationException("boom")); }
        catch (ArgumentException) { caught = "argument"; }
        catch (InvalidOperationException e) { caught = "invalid operation: " + e.Message; }
        Assert.Equal("invalid operation: boom", caught);
    }

    [Test]
    public static void CatchesByBaseType()
    {
        string caught = "";
        try { Throw(new DerivedCodedException(3)); }
        catch (CodedException e) { caught = e.GetType().Name + " " + e.Code; }
        Assert.Equal("DerivedCodedException 3", caught);
    }

    [Test]
    public static void FirstMatchingClauseWins()
    {
        string caught = "";
        try { Throw(new ArgumentNullException("x")); }
        catch (ArgumentException) { caught = "argument"; }
        catch (Exception) { caught = "exception"; }
        Assert.Equal("argument", caught);
    }

    [Test]
    public static void FilterChoosesTheClause()
    {
        string caught = "";
        try { Throw(new CodedException(7)); }
        catch (CodedException e) when (e.Code == 6) { caught = "six"; }
        catch (CodedException e) when (e.Code == 7) { caught = "seven"; }
        Assert.Equal("seven", caught);
    }

    [Test]
    public static void FiltersRunBeforeInnerFinally()
    {
        // Two passes: the outer filter runs (first pass) before the inner finally (second pass).
        var order = new List<string>();
        try
        {
            try { Throw(new CodedException(1)); }
            finally { order.Add("finally"); }
        }
        catch (CodedException) when (Record(order, "filter")) { order.Add("catch"); }
        Assert.Equal("filter,finally,catch", string.Join(",", order));
    }

    static bool Record(List<string> order, string what)
    {
        order.Add(what);
        return true;
    }

    [Test]
    public static void FalseFilterPassesTheException()
    {
        int filterRuns = 0;
        string caught = "";
        try
        {
            try { Throw(new CodedException(2)); }
            catch (CodedException) when (++filterRuns < 0) { caught = "inner"; }
        }
        catch (CodedException e) { caught = "outer " + e.Code; }
        Assert.Equal("outer 2", caught);
        Assert.Equal(1, filterRuns);
    }

    [Test]
    public static void ExceptionInFilterCountsAsFalse()
    {
        string caught = "";
        try
        {
            try { Throw(new CodedException(4)); }
            catch (CodedException) when (ThrowingFilter()) { caught = "inner"; }
        }
        catch (CodedException e) { caught = "outer " + e.Code; }
        Assert.Equal("outer 4", caught);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    static bool ThrowingFilter() => throw new InvalidOperationException("in filter");

    [Test]
    public static void FinallyRunsOnNormalExit()
    {
        var order = new List<string>();
        try { order.Add("try"); }
        finally { order.Add("finally"); }
        order.Add("after");
        Assert.Equal("try,finally,after", string.Join(",", order));
    }

    [Test]
    public static void FinallyRunsInnermostFirst()
    {
        var order = new List<string>();
        try
        {
            try
            {
                try { Throw(new CodedException(5)); }
                finally { order.Add("inner"); }
            }
            finally { order.Add("middle"); }
        }
        catch (CodedException) { order.Add("catch"); }
        Assert.Equal("inner,middle,catch", string.Join(",", order));
    }

    [Test]
    public static void FinallyRunsOnReturn()
    {
        var order = new List<string>();
        Assert.Equal(42, ReturnThroughFinally(order));
        Assert.Equal("try,finally", string.Join(",", order));
    }

    static int ReturnThroughFinally(List<string> order)
    {
        try { order.Add("try"); return 42; }
        finally { order.Add("finally"); }
    }

    [Test]
    public static void RethrowKeepsTheObject()
    {
        var thrown = new CodedException(8);
        Exception? caught = null;
        try
        {
            try { Throw(thrown); }
            catch (CodedException) { throw; }
        }
        catch (Exception e) { caught = e; }
        Assert.Same(thrown, caught);
    }

    [Test]
    public static void ThrowFromCatchRunsFinallyThenOuterCatch()
    {
        var order = new List<string>();
        try
        {
            try { Throw(new CodedException(1)); }
            catch (CodedException) { order.Add("catch 1"); Throw(new CodedException(2)); }
            finally { order.Add("finally"); }
        }
        catch (CodedException e) { order.Add("catch " + e.Code); }
        Assert.Equal("catch 1,finally,catch 2", string.Join(",", order));
    }

    [Test]
    public static void InnerExceptionIsKept()
    {
        Exception? caught = null;
        try
        {
            try { Throw(new CodedException(9)); }
            catch (CodedException e) { throw new InvalidOperationException("wrapped", e); }
        }
        catch (InvalidOperationException e) { caught = e; }
        Assert.NotNull(caught);
        Assert.Equal("coded 9", caught!.InnerException!.Message);
    }

    [Test]
    public static void NestedTryInCatchAndFinally()
    {
        var order = new List<string>();
        try { Throw(new CodedException(1)); }
        catch (CodedException)
        {
            try { Throw(new ArgumentException("in catch")); }
            catch (ArgumentException) { order.Add("catch in catch"); }
        }
        finally
        {
            try { Throw(new ArgumentException("in finally")); }
            catch (ArgumentException) { order.Add("catch in finally"); }
        }
        Assert.Equal("catch in catch,catch in finally", string.Join(",", order));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    static int Recurse(int depth, ref int finallies)
    {
        try
        {
            if (depth == 0)
                throw new CodedException(100);
            return Recurse(depth - 1, ref finallies) + 1;
        }
        finally { finallies++; }
    }

    [Test]
    public static void DeepThrowRunsEveryFinally()
    {
        int finallies = 0;
        int code = 0;
        try { Recurse(200, ref finallies); }
        catch (CodedException e) { code = e.Code; }
        Assert.Equal(100, code);
        Assert.Equal(201, finallies);
    }

    [Test]
    public static void ManyThrowsInALoop()
    {
        int caught = 0;
        for (int i = 0; i < 1000; i++)
        {
            try { Throw(new CodedException(i)); }
            catch (CodedException e) when (e.Code == i) { caught++; }
        }
        Assert.Equal(1000, caught);
    }

    [Test]
    public static void CatchWithoutTypeCatchesEverything()
    {
        bool caught = false;
        try { Throw(new NotSupportedException()); }
        catch { caught = true; }
        Assert.True(caught);
    }
}
