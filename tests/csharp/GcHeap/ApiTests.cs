using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using Graft.Testing;

namespace GcHeap;

// System.GC as documented, and memory running out.
static class ApiTests
{
    // Where garbage escapes to: an allocation that does not escape may live on the stack (.NET 10).
    static object? sink;

    [MethodImpl(MethodImplOptions.NoInlining)]
    static void Garbage(int count)
    {
        for (int i = 0; i < count; i++)
            sink = new byte[100];
        sink = null;
    }

    [Test]
    public static void CollectCountsCollections()
    {
        int before = GC.CollectionCount(0);
        GC.Collect();
        GC.Collect(0);
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true);
        Assert.Equal(before + 3, GC.CollectionCount(0));
        // every collection is full: the other generations count the same
        Assert.Equal(GC.CollectionCount(0), GC.CollectionCount(GC.MaxGeneration));
        Assert.Equal(0, GC.MaxGeneration);
        Assert.Equal(0, GC.GetGeneration(new object()));
    }

    [Test]
    public static void GetTotalMemoryFollowsLiveData()
    {
        GC.Collect();
        long empty = GC.GetTotalMemory(forceFullCollection: true);
        long full = HoldAMegabyte();
        Assert.True(full - empty >= 1_000_000, $"{empty} -> {full} with 1 MB more alive");
        long after = GC.GetTotalMemory(forceFullCollection: true);
        Assert.True(full - after >= 1_000_000, $"{full} -> {after} after 1 MB died");
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    static long HoldAMegabyte()
    {
        var keep = new List<byte[]>();
        for (int i = 0; i < 100; i++)
            keep.Add(new byte[10_000]);
        long full = GC.GetTotalMemory(forceFullCollection: true);
        GC.KeepAlive(keep);
        return full;
    }

    [Test]
    public static void KeepAliveKeepsAnObjectThroughACollection()
    {
        var weak = Weak(out object target);
        GC.Collect();
        Assert.True(weak.IsAlive);
        GC.KeepAlive(target);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    static WeakReference Weak(out object target)
    {
        target = new object();
        return new WeakReference(target);
    }

    [Test]
    public static void MemoryInfoDescribesTheLastCollection()
    {
        Garbage(10_000);
        GC.Collect();
        GCMemoryInfo info = GC.GetGCMemoryInfo();
        Assert.Equal((long)GC.CollectionCount(0), info.Index);
        Assert.True(info.HeapSizeBytes > 0, $"heap size {info.HeapSizeBytes}");
        Assert.True(info.TotalAvailableMemoryBytes > 32L << 20 && info.TotalAvailableMemoryBytes <= 64L << 20,
            $"available {info.TotalAvailableMemoryBytes}");
        Assert.True(info.PromotedBytes > 0 && info.PromotedBytes <= info.HeapSizeBytes, $"promoted {info.PromotedBytes}");
        Assert.Equal(0, info.Generation);
        Assert.False(info.Compacted);
        Assert.False(info.Concurrent);
    }

    [Test]
    public static void AllocationPressureCollectsWithoutBeingAsked()
    {
        int before = GC.CollectionCount(0);
        Garbage(200_000); // 25 MB
        Assert.True(GC.CollectionCount(0) > before, "no collection after 25 MB of garbage");
    }

    // Memory is filled in calls of their own, so that no frame still running holds the hoard when
    // the test collects (the stack is scanned conservatively). Typed catches: the dispatcher
    // matches them without allocating.
    [MethodImpl(MethodImplOptions.NoInlining)]
    static int FillWith(Func<object> make, out OutOfMemoryException? caught)
    {
        var hoard = new List<object>();
        caught = null;
        try
        {
            while (true)
                hoard.Add(make());
        }
        catch (OutOfMemoryException e)
        {
            caught = e;
        }
        return hoard.Count;
    }

    [Test]
    public static void OutOfMemoryIsCaughtAndTheKernelGoesOn()
    {
        int held = FillWith(() => new byte[1 << 20], out var caught);
        GC.Collect();
        Assert.NotNull(caught);
        Assert.True(held >= 20 && held < 64, $"{held} MiB held when memory ran out");
        var again = new byte[8 << 20];
        again[^1] = 1;
        Assert.Equal(1, again[^1]);

        // small objects run out too
        held = FillWith(() => new object[1000], out caught);
        GC.Collect();
        Assert.NotNull(caught);
        Assert.True(held > 2000, $"{held} arrays of 8 KB held when memory ran out");
        Assert.Equal("still here", string.Concat("still ", "here"));
    }

    [Test]
    public static void HeapFiguresAreReported()
    {
        GC.Collect();
        var figures = Graft.Kernel.Heap.Figures;
        Assert.Equal((ulong)GC.CollectionCount(0), figures.Collections);
        Assert.True(figures.LiveBytes > 0 && figures.LiveBytes <= figures.HeapBytes, $"live {figures.LiveBytes} of {figures.HeapBytes}");
        Assert.True(figures.LongestPauseNanoseconds >= figures.LastPauseNanoseconds && figures.LastPauseNanoseconds > 0);
        Assert.True(figures.TotalPauseNanoseconds >= figures.LongestPauseNanoseconds);
        Assert.True(figures.AllocatedBytes >= (ulong)GC.GetTotalAllocatedBytes() - 65536);
        Graft.Kernel.Heap.Print();
    }
}
