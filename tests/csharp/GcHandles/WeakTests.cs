using System;
using System.Collections.Generic;
using System.Runtime;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Graft.Testing;

namespace GcHandles;

sealed class Payload
{
    public readonly int Id;
    public readonly int[] Data;
    public Payload(int id) { Id = id; Data = new int[16]; Data[15] = id; }
}

static class WeakTests
{
    static Payload? kept;

    [MethodImpl(MethodImplOptions.NoInlining)]
    static WeakReference MakeWeak(int id, bool keep, bool trackResurrection = false)
    {
        var target = new Payload(id);
        if (keep)
            kept = target;
        return new WeakReference(target, trackResurrection);
    }

    [Test]
    public static void WeakReferenceClearedWhenUnreachable()
    {
        WeakReference weak = MakeWeak(1, keep: false);
        Collector.Full();
        Assert.False(weak.IsAlive);
        Assert.Null(weak.Target);
    }

    // Each look at the target happens in a call of its own: the stack is scanned conservatively,
    // so a reference the test's own frame held would keep the target alive.
    [MethodImpl(MethodImplOptions.NoInlining)]
    static int IdOf(WeakReference weak) => ReferenceEquals(kept, weak.Target) ? ((Payload)weak.Target!).Data[15] : -1;

    [Test]
    public static void WeakReferenceKeptWhileReachable()
    {
        WeakReference weak = MakeWeak(2, keep: true);
        for (int i = 0; i < 5; i++)
            Collector.Full();
        Assert.True(weak.IsAlive);
        Assert.Equal(2, IdOf(weak));
        kept = null;
        Collector.Full();
        Assert.False(weak.IsAlive);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    static WeakReference<Payload> MakeGeneric(int id) => new WeakReference<Payload>(new Payload(id));

    [Test]
    public static void GenericWeakReference()
    {
        var weak = MakeGeneric(3);
        var strong = new Payload(4);
        var weakToStrong = new WeakReference<Payload>(strong);
        Collector.Full();
        Assert.False(weak.TryGetTarget(out _));
        Assert.True(weakToStrong.TryGetTarget(out var back));
        Assert.Same(strong, back);
        weak.SetTarget(strong);
        Collector.Full();
        Assert.True(weak.TryGetTarget(out back));
        Assert.Equal(4, back!.Id);
        GC.KeepAlive(strong);
        strong = null!;
        back = null;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    static void Attach(ConditionalWeakTable<object, Payload> table, int count, List<object> keys)
    {
        for (int i = 0; i < count; i++)
        {
            var key = new object();
            table.Add(key, new Payload(i));
            if (i % 2 == 0)
                keys.Add(key);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    static WeakReference ValueOf(ConditionalWeakTable<object, Payload> table, object key)
    {
        table.TryGetValue(key, out var value);
        return new WeakReference(value);
    }

    // A value lives as long as its key (a dependent handle), not longer, and keeps no key alive.
    [MethodImpl(MethodImplOptions.NoInlining)]
    static int Count(ConditionalWeakTable<object, Payload> table)
    {
        int alive = 0;
        foreach (var pair in table)
            alive++;
        return alive;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    static int CheckValues(ConditionalWeakTable<object, Payload> table, List<object> keys)
    {
        for (int i = 0; i < keys.Count; i++)
            if (!table.TryGetValue(keys[i], out var value) || value.Id != 2 * i || value.Data[15] != 2 * i)
                return i;
        return -1;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    static WeakReference[] WeakValues(ConditionalWeakTable<object, Payload> table, List<object> keys)
    {
        var weak = new WeakReference[keys.Count];
        for (int i = 0; i < keys.Count; i++)
            weak[i] = ValueOf(table, keys[i]);
        return weak;
    }

    // A value lives as long as its key (a dependent handle), not longer, and keeps no key alive.
    [Test]
    public static void ConditionalWeakTableValuesLiveAsLongAsTheirKeys()
    {
        var table = new ConditionalWeakTable<object, Payload>();
        var keys = new List<object>();
        Attach(table, 1000, keys);
        Collector.Full();
        Assert.Equal(500, Count(table));
        Assert.Equal(-1, CheckValues(table, keys));
        WeakReference[] values = WeakValues(table, keys);
        keys.Clear();
        Collector.Full();
        int alive = 0;
        foreach (var value in values)
            if (value.IsAlive)
                alive++;
        Assert.True(alive <= 2, $"{alive} of 500 values outlived their keys");
        Assert.True(Count(table) <= 2, $"{Count(table)} entries left");
        GC.KeepAlive(table);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    static DependentHandle MakeDependent(object primary, out WeakReference dependent)
    {
        var secondary = new Payload(7);
        dependent = new WeakReference(secondary);
        return new DependentHandle(primary, secondary);
    }

    static object? primary;

    [MethodImpl(MethodImplOptions.NoInlining)]
    static int DependentId(DependentHandle handle) => ((Payload)handle.Dependent!).Id;

    [Test]
    public static void DependentHandleFollowsItsPrimary()
    {
        WeakReference dependent = null!;
        DependentHandle handle = Collector.Deep(() => MakeDependent(primary = new object(), out dependent));
        Collector.Full();
        Assert.True(dependent.IsAlive);
        Assert.Equal(7, DependentId(handle));
        primary = null;
        Collector.Full();
        Assert.Null(handle.Target);
        Assert.Null(handle.Dependent);
        Assert.False(dependent.IsAlive);
        handle.Dispose();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    static GCHandle MakeHandle(int id, GCHandleType type, out WeakReference weak)
    {
        var target = new Payload(id);
        weak = new WeakReference(target);
        return GCHandle.Alloc(target, type);
    }

    [Test]
    public static unsafe void StrongAndPinnedHandlesKeepTheirObject()
    {
        GCHandle strong = MakeHandle(8, GCHandleType.Normal, out WeakReference weakStrong);
        GCHandle pinned = GCHandle.Alloc(new byte[100], GCHandleType.Pinned);
        byte* address = (byte*)pinned.AddrOfPinnedObject();
        address[99] = 42;
        for (int i = 0; i < 5; i++)
        {
            Collector.Full();
            new Payload(i);
        }
        Assert.True(weakStrong.IsAlive);
        Assert.Equal(8, ((Payload)strong.Target!).Id);
        Assert.Equal(42, ((byte[])pinned.Target!)[99]);
        Assert.True(address == (byte*)pinned.AddrOfPinnedObject());
        strong.Free();
        pinned.Free();
        Collector.Full();
        Assert.False(weakStrong.IsAlive);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    static GCHandle[] AllocHandles(int count)
    {
        var handles = new GCHandle[count];
        for (int i = 0; i < handles.Length; i++)
            handles[i] = GCHandle.Alloc(new Payload(i), i % 2 == 0 ? GCHandleType.Normal : GCHandleType.Weak);
        return handles;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    static int IdOf(GCHandle handle) => handle.Target is Payload p ? p.Id : -1;

    // More handles than one table chunk holds (4096).
    [Test]
    public static void ManyHandles()
    {
        GCHandle[] handles = AllocHandles(20_000);
        Collector.Full();
        int weakAlive = 0;
        for (int i = 0; i < handles.Length; i++)
        {
            if (i % 2 == 0)
                Assert.Equal(i, IdOf(handles[i]));
            else if (IdOf(handles[i]) >= 0)
                weakAlive++;
            handles[i].Free();
        }
        Assert.True(weakAlive <= 2, $"{weakAlive} of 10000 weak handles kept their object");
    }
}
