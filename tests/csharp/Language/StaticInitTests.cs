using System.Collections.Generic;
using System.Threading;
using Graft.Testing;

namespace Language;

static class InitLog
{
    public static readonly List<string> Entries = new();
}

static class First
{
    public static readonly int Value;
    static First()
    {
        InitLog.Entries.Add("First");
        Value = Second.Value + 1;               // runs Second's constructor from inside this one
    }
}

static class Second
{
    public static readonly int Value;
    static Second()
    {
        InitLog.Entries.Add("Second");
        Value = 10;
    }
}

static class Counted
{
    public static int Runs;
    public static readonly string Name;
    static Counted() { Runs++; Name = "counted"; }
    public static void Touch() { }
}

sealed class WithInstance
{
    public static readonly List<string> Order = new();
    static WithInstance() { Order.Add("static"); }
    public WithInstance() { Order.Add("instance"); }
}

// Outside Lazy: reading a field of Lazy itself would run its constructor.
static class LazyRuns
{
    public static bool Ran;
}

static class Lazy
{
    public static int Value = 1;
    static Lazy() { LazyRuns.Ran = true; }
}

static class Cycle
{
    public static class A
    {
        public static readonly int Value;
        static A() { Value = B.Value + 1; }
    }

    public static class B
    {
        public static readonly int Value;
        static B() { Value = A.Value + 10; }  // A is mid-construction: its Value is still 0
    }
}

static class StaticInitTests
{
    [Test]
    public static void StaticConstructorsRunInDependencyOrder()
    {
        Assert.Equal(11, First.Value);
        Assert.Equal("First,Second", string.Join(",", InitLog.Entries));
    }

    [Test]
    public static void StaticConstructorRunsOnce()
    {
        Counted.Touch();
        _ = Counted.Name;
        _ = Counted.Name;
        Assert.Equal(1, Counted.Runs);
    }

    [Test]
    public static void StaticConstructorRunsBeforeTheFirstInstance()
    {
        _ = new WithInstance();
        _ = new WithInstance();
        Assert.Equal("static,instance,instance", string.Join(",", WithInstance.Order));
    }

    [Test]
    public static void StaticConstructorWaitsForFirstAccess()
    {
        Assert.False(LazyRuns.Ran);
        Assert.Equal(1, Lazy.Value);
        Assert.True(LazyRuns.Ran);
    }

    [Test]
    public static void CyclicStaticConstructorsSeeDefaults()
    {
        Assert.Equal(11, Cycle.A.Value);
        Assert.Equal(10, Cycle.B.Value);
    }

    [Test]
    public static void LazyOfT()
    {
        int made = 0;
        var lazy = new System.Lazy<string>(() => { made++; return "value"; });
        Assert.False(lazy.IsValueCreated);
        Assert.Equal("value", lazy.Value);
        Assert.Equal("value", lazy.Value);
        Assert.Equal(1, made);
    }

    [Test]
    public static void LockAndInterlocked()
    {
        object gate = new();
        int total = 0;
        lock (gate) { total++; lock (gate) total++; }   // re-entrant
        Assert.Equal(2, total);
        Assert.Equal(3, Interlocked.Increment(ref total));
        Assert.Equal(3, Interlocked.CompareExchange(ref total, 10, 3));
        Assert.Equal(10, total);
        Assert.True(Monitor.TryEnter(gate));
        Monitor.Exit(gate);
    }
}
