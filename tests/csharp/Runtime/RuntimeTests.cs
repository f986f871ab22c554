using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Threading;
using Graft.Testing;

namespace Runtime;

sealed class Widget
{
    public int Size { get; set; }
    public string Describe() => "widget " + Size;
}

static class AllocationTests
{
    [Test]
    public static void ManySmallObjects()
    {
        var list = new List<string>();
        for (int i = 0; i < 20000; i++)
            list.Add(i.ToString());
        Assert.Equal(20000, list.Count);
        Assert.Equal("19999", list[^1]);
    }

    [Test]
    public static void OneLargeArray()
    {
        var big = new long[1 << 20];                 // 8 MiB
        big[^1] = 7;
        Assert.Equal(1 << 20, big.Length);
        Assert.Equal(7L, big[^1]);
        Assert.Equal(0L, big[12345]);                // zeroed
    }

    [Test]
    public static void ObjectsAreZeroedAndDistinct()
    {
        var a = new Widget();
        var b = new Widget();
        Assert.Equal(0, a.Size);
        Assert.False(ReferenceEquals(a, b));
    }

    [Test]
    public static void CollectReturnsAndObjectsSurvive()
    {
        var kept = new Widget { Size = 3 };
        GC.Collect();
        Assert.Equal("widget 3", kept.Describe());
    }

    [Test]
    public static void WeakReferenceToALiveObject()
    {
        var target = new Widget();
        var weak = new WeakReference<Widget>(target);
        Assert.True(weak.TryGetTarget(out Widget? back));
        Assert.Same(target, back);
        GC.KeepAlive(target);
    }
}

static class TimeTests
{
    [Test]
    public static void StopwatchAdvances()
    {
        long start = Stopwatch.GetTimestamp();
        long spin = 0;
        for (int i = 0; i < 100000; i++) spin += i;
        Assert.True(Stopwatch.GetTimestamp() > start);
        Assert.True(Stopwatch.Frequency > 0);
        Assert.NotEqual(0L, spin);
    }

    [Test]
    public static void SleepWaitsAboutAsLongAsAsked()
    {
        var watch = Stopwatch.StartNew();
        Thread.Sleep(50);
        long slept = watch.ElapsedMilliseconds;
        Assert.True(slept >= 45 && slept < 500, $"slept {slept} ms for 50");
    }

    [Test]
    public static void TickCountAdvances()
    {
        long before = Environment.TickCount64;
        Thread.Sleep(20);
        Assert.True(Environment.TickCount64 >= before + 15, $"{before} -> {Environment.TickCount64}");
    }
}

static class ReflectionTests
{
    [Test]
    public static void TypeNames()
    {
        Assert.Equal("Widget", typeof(Widget).Name);
        Assert.Equal("Runtime.Widget", new Widget().GetType().FullName);
        Assert.Equal("Runtime", typeof(Widget).Namespace);
        Assert.Equal("List`1", typeof(List<Widget>).Name);
    }

    [Test]
    public static void GenericArguments()
    {
        Type t = typeof(Dictionary<string, int>);
        Assert.True(t.IsGenericType);
        Assert.Equal(typeof(int), t.GetGenericArguments()[1]);
    }

    [Test]
    public static void MethodAndPropertyByName()
    {
        MethodInfo? describe = typeof(Widget).GetMethod("Describe");
        PropertyInfo? size = typeof(Widget).GetProperty("Size");
        Assert.NotNull(describe);
        Assert.NotNull(size);
        var widget = new Widget();
        size!.SetValue(widget, 9);
        Assert.Equal("widget 9", (string?)describe!.Invoke(widget, null));
    }

    [Test]
    public static void CurrentMethodName()
    {
        Assert.Equal("CurrentMethodName", Caller());
    }

    static string Caller([CallerMemberName] string name = "") => name;

    [Test]
    public static void EnumAndAttributeReflection()
    {
        Assert.Equal("Friday", DayOfWeek.Friday.ToString());
        Assert.True(typeof(FlagsAttribute).IsSubclassOf(typeof(Attribute)));
        Assert.True(typeof(Widget).IsSealed);
    }
}

static class EnvironmentTests
{
    [Test]
    public static void SixtyFourBitLittleEndian()
    {
        Assert.True(Environment.Is64BitProcess);
        Assert.Equal(8, IntPtr.Size);
        Assert.True(BitConverter.IsLittleEndian);
    }

    [Test]
    public static void NewLineAndProcessorCount()
    {
        Assert.Equal("\n", Environment.NewLine);
        Assert.True(Environment.ProcessorCount >= 1);
    }

    [Test]
    public static void ConsoleWriteLineDoesNotThrow()
    {
        Console.WriteLine("runtime: a line from Console.WriteLine");
        Console.Out.Flush();
    }

    [Test]
    public static void RandomIsSeededDeterministically()
    {
        var a = new Random(42);
        var b = new Random(42);
        Assert.Equal(a.Next(), b.Next());
        int shared = Random.Shared.Next(10);
        Assert.True(shared >= 0 && shared < 10);
    }

    [Test]
    public static void HashCodeCombine()
    {
        Assert.Equal(HashCode.Combine(1, "a"), HashCode.Combine(1, "a"));
        Assert.NotEqual(HashCode.Combine(1, "a"), HashCode.Combine(2, "a"));
    }
}
