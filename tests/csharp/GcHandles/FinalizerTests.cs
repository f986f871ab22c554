using System;
using System.Runtime.CompilerServices;
using Graft.Testing;

namespace GcHandles;

sealed class Counted
{
    public static int Finalized;
    public static int[] ById = new int[1000];
    public static bool Counting = true;
    readonly int id;
    public Counted(int id) { this.id = id; }
    ~Counted()
    {
        Finalized++;
        if (Counting)
            ById[id]++;
    }
}

sealed class Phoenix
{
    public static Phoenix? Saved;
    public static int Finalized;
    public int Lives = 2;
    public string Name = "phoenix";
    ~Phoenix()
    {
        Finalized++;
        if (--Lives > 0)
        {
            Saved = this;
            GC.ReRegisterForFinalize(this);
        }
        else
        {
            Saved = this; // resurrected without a second finalizer
        }
    }
}

sealed class Suppressed
{
    public static int Finalized;
    public Suppressed(bool suppress) { if (suppress) GC.SuppressFinalize(this); }
    ~Suppressed() { Finalized++; }
}

static class FinalizerTests
{
    [MethodImpl(MethodImplOptions.NoInlining)]
    static void MakeCounted(int count)
    {
        for (int i = 0; i < count; i++)
            new Counted(i);
    }

    [Test]
    public static void FinalizersRunExactlyOnce()
    {
        Counted.Finalized = 0;
        MakeCounted(1000);
        Collector.Full();
        Assert.Equal(1000, Counted.Finalized);
        for (int i = 0; i < 1000; i++)
            Assert.Equal(1, Counted.ById[i]);
        Collector.Full();
        Collector.Full();
        Assert.Equal(1000, Counted.Finalized);
        Counted.Counting = false;
    }

    // No explicit GC call: allocation pressure collects, and the finalizers run after it.
    [Test]
    public static void FinalizersRunAfterCollectionsAllocationMakes()
    {
        int before = Counted.Finalized;
        int collections = GC.CollectionCount(0);
        for (int round = 0; round < 1000; round++)
            MakeCounted(1000);
        Assert.True(GC.CollectionCount(0) > collections, "no collection");
        Assert.True(Counted.Finalized - before > 500_000, $"{Counted.Finalized - before} of 1000000 finalized");
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    static WeakReference MakePhoenix(out WeakReference longWeak)
    {
        var bird = new Phoenix();
        longWeak = new WeakReference(bird, trackResurrection: true);
        return new WeakReference(bird);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    static string? SavedName() => Phoenix.Saved?.Name;

    [MethodImpl(MethodImplOptions.NoInlining)]
    static int SavedLives() => Phoenix.Saved?.Lives ?? -1;

    [Test]
    public static void ResurrectionAndReRegistration()
    {
        Phoenix.Finalized = 0;
        WeakReference longWeak = null!;
        WeakReference shortWeak = Collector.Deep(() => MakePhoenix(out longWeak));
        Collector.Full();
        // finalized once, resurrected: the short weak reference is cleared, the long one is not
        Assert.Equal(1, Phoenix.Finalized);
        Assert.False(shortWeak.IsAlive);
        Assert.True(longWeak.IsAlive);
        Assert.Equal("phoenix", SavedName());
        Phoenix.Saved = null;
        Collector.Full();
        // registered again by its finalizer: finalized a second time, resurrected again
        Assert.Equal(2, Phoenix.Finalized);
        Assert.Equal(0, SavedLives());
        Phoenix.Saved = null;
        Collector.Full();
        Assert.Equal(2, Phoenix.Finalized);
        Assert.Null(Phoenix.Saved);
        Assert.False(longWeak.IsAlive);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    static void MakeSuppressed()
    {
        new Suppressed(true);
        new Suppressed(false);
        var again = new Suppressed(true);
        GC.ReRegisterForFinalize(again);
    }

    [Test]
    public static void SuppressFinalizeAndReRegister()
    {
        Suppressed.Finalized = 0;
        Collector.Deep(() => { MakeSuppressed(); return 0; });
        Collector.Full();
        Assert.Equal(2, Suppressed.Finalized);
    }
}
