using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using Graft.Testing;

namespace Threads;

// Thread's own members and System.Threading's primitives, each across real threads.
static class PrimitiveTests
{
    // Ignored, as by NativeAOT on Linux: an unstarted thread keeps the value it
    // is given, a running one reads Normal (its live priority), and the run
    // queue is round robin whatever the value (docs/threads.md).
    [Test]
    public static void PriorityIsKeptUntilStartThenReadsNormal()
    {
        ThreadPriority inside = ThreadPriority.Lowest;
        var thread = new Thread(() => inside = Thread.CurrentThread.Priority) { Priority = ThreadPriority.Highest };
        Assert.Equal(ThreadPriority.Highest, thread.Priority);
        thread.Start();
        thread.Join();
        Assert.Equal(ThreadPriority.Normal, inside);
        Thread.CurrentThread.Priority = ThreadPriority.AboveNormal;
        Assert.Equal(ThreadPriority.Normal, Thread.CurrentThread.Priority);
        Thread.CurrentThread.Priority = ThreadPriority.Normal;
    }

    [Test]
    public static void NameIsSeenInsideTheThread()
    {
        string? inside = null;
        var thread = new Thread(() => inside = Thread.CurrentThread.Name) { Name = "worker" };
        thread.Start();
        thread.Join();
        Assert.Equal("worker", inside);
        Assert.Equal("worker", thread.Name);
        thread.Name = "renamed";
        Assert.Equal("renamed", thread.Name);
        Assert.Null(new Thread(() => { }).Name);
    }

    [Test]
    public static void IsBackgroundIsKeptAndReadBack()
    {
        bool inside = false;
        var thread = new Thread(() => inside = Thread.CurrentThread.IsBackground);
        Assert.False(thread.IsBackground);
        thread.IsBackground = true;
        thread.Start();
        thread.Join();
        Assert.True(inside);
        Assert.False(Thread.CurrentThread.IsBackground);
    }

    [Test]
    public static void JoinWithATimeoutReturnsFalseWhileTheThreadRuns()
    {
        using var release = new ManualResetEventSlim();
        var thread = new Thread(() => release.Wait());
        thread.Start();
        var watch = Stopwatch.StartNew();
        Assert.False(thread.Join(50));
        long waited = watch.ElapsedMilliseconds;
        Assert.True(waited >= 40, "Join(50) returned after " + waited + " ms");
        Assert.True(thread.IsAlive);
        Assert.Equal(System.Threading.ThreadState.WaitSleepJoin, thread.ThreadState);
        release.Set();
        Assert.True(thread.Join(TimeSpan.FromSeconds(5)));
        Assert.False(thread.IsAlive);
        Assert.Equal(System.Threading.ThreadState.Stopped, thread.ThreadState);
    }

    [Test]
    public static void MonitorTryEnterTimesOutWhileAnotherThreadHoldsTheLock()
    {
        var gate = new object();
        using var held = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var holder = new Thread(() => { lock (gate) { held.Set(); release.Wait(); } });
        holder.Start();
        held.Wait();
        var watch = Stopwatch.StartNew();
        Assert.False(Monitor.TryEnter(gate, 50));
        long waited = watch.ElapsedMilliseconds;
        Assert.True(waited >= 40, "TryEnter(50) gave up after " + waited + " ms");
        Assert.False(Monitor.TryEnter(gate));
        release.Set();
        bool taken = false;
        Monitor.TryEnter(gate, TimeSpan.FromSeconds(5), ref taken);
        Assert.True(taken, "TryEnter did not get the released lock");
        Assert.True(Monitor.IsEntered(gate));
        Monitor.Exit(gate);
        holder.Join();
    }

    [Test]
    public static void MonitorPulseAllWakesEveryWaiter()
    {
        var gate = new object();
        int waiting = 0, woken = 0;
        bool open = false;
        var threads = new Thread[4];
        for (int i = 0; i < threads.Length; i++)
        {
            threads[i] = new Thread(() =>
            {
                lock (gate)
                {
                    waiting++;
                    while (!open)
                        Monitor.Wait(gate);
                    woken++;
                }
            });
            threads[i].Start();
        }
        while (Volatile.Read(ref waiting) < threads.Length)
            Thread.Sleep(1);
        lock (gate)
        {
            open = true;
            Monitor.PulseAll(gate);
        }
        foreach (var t in threads)
            Assert.True(t.Join(5000), "a waiter was not woken");
        Assert.Equal(threads.Length, woken);
    }

    [Test]
    public static void MonitorWaitWithATimeoutReturnsFalse()
    {
        var gate = new object();
        lock (gate)
        {
            var watch = Stopwatch.StartNew();
            Assert.False(Monitor.Wait(gate, 30));
            Assert.True(watch.ElapsedMilliseconds >= 25, "Wait(30) returned after " + watch.ElapsedMilliseconds + " ms");
            Assert.True(Monitor.IsEntered(gate));
        }
    }

    static int intCounter;
    static long longCounter;

    [Test]
    public static void InterlockedOnIntLongAndObjectFromThreads()
    {
        intCounter = 0;
        longCounter = 0;
        var threads = new Thread[3];
        for (int t = 0; t < threads.Length; t++)
        {
            threads[t] = new Thread(() =>
            {
                for (int i = 0; i < 50_000; i++)
                {
                    Interlocked.Increment(ref intCounter);
                    Interlocked.Add(ref longCounter, 3L << 32);
                }
            });
            threads[t].Start();
        }
        foreach (var t in threads)
            t.Join();
        Assert.Equal(150_000, intCounter);
        Assert.Equal(150_000L * (3L << 32), Interlocked.Read(ref longCounter));

        int value = 5;
        Assert.Equal(5, Interlocked.Exchange(ref value, 7));
        Assert.Equal(7, Interlocked.CompareExchange(ref value, 9, 6)); // not 6: unchanged
        Assert.Equal(7, Interlocked.CompareExchange(ref value, 9, 7));
        Assert.Equal(9, value);
        Assert.Equal(8, Interlocked.Decrement(ref value));
        long big = long.MaxValue - 1;
        Assert.Equal(long.MaxValue, Interlocked.Increment(ref big));
        Assert.Equal(long.MaxValue, Interlocked.CompareExchange(ref big, 1L, long.MaxValue));
        Assert.Equal(1L, Interlocked.Exchange(ref big, -1L));
        Assert.Equal(8, Interlocked.Or(ref value, 1));
        Assert.Equal(9, Interlocked.And(ref value, 3));
        Assert.Equal(1, value);
        object first = "first", second = "second";
        object? slot = first;
        Assert.Same(first, Interlocked.Exchange(ref slot, second));
        Assert.Same(second, Interlocked.CompareExchange(ref slot, first, "not there"));
        Assert.Same(second, Interlocked.CompareExchange(ref slot, first, second));
        Assert.Same(first, slot);
    }

    // A lock-free stack pushed by three threads: CompareExchange on a reference field.
    sealed class Node { public int Value; public Node? Next; }
    static Node? top;

    [Test]
    public static void CompareExchangeOnReferencesBuildsALockFreeStack()
    {
        top = null;
        var threads = new Thread[3];
        for (int t = 0; t < threads.Length; t++)
        {
            int seed = t * 10_000;
            threads[t] = new Thread(() =>
            {
                for (int i = 0; i < 2000; i++)
                {
                    var node = new Node { Value = seed + i };
                    do node.Next = Volatile.Read(ref top);
                    while (Interlocked.CompareExchange(ref top, node, node.Next) != node.Next);
                }
            });
            threads[t].Start();
        }
        foreach (var t in threads)
            t.Join();
        var values = new HashSet<int>();
        for (Node? n = top; n != null; n = n.Next)
            values.Add(n.Value);
        Assert.Equal(6000, values.Count);
    }

    sealed class Published { public volatile bool Ready; public int Payload; }

    // A volatile flag publishes the write before it; the reader spins on it.
    [Test]
    public static void VolatileFlagPublishesAWrite()
    {
        var box = new Published();
        int read = 0;
        var reader = new Thread(() =>
        {
            while (!box.Ready) { }
            read = box.Payload;
        });
        reader.Start();
        Thread.Sleep(10);
        box.Payload = 1234;
        box.Ready = true;
        Assert.True(reader.Join(5000), "the reader never saw the flag");
        Assert.Equal(1234, read);
    }

    [Test]
    public static void AutoResetEventReleasesOneWaiterPerSet()
    {
        using var gate = new AutoResetEvent(false);
        int passed = 0;
        var threads = new Thread[3];
        for (int i = 0; i < threads.Length; i++)
        {
            threads[i] = new Thread(() => { gate.WaitOne(); Interlocked.Increment(ref passed); });
            threads[i].Start();
        }
        Thread.Sleep(30);
        Assert.Equal(0, Volatile.Read(ref passed));
        gate.Set();
        Thread.Sleep(30);
        Assert.Equal(1, Volatile.Read(ref passed));
        gate.Set();
        // Two Sets in a row may count once: each after the last one's waiter passed.
        long deadline = Environment.TickCount64 + 5000;
        while (Volatile.Read(ref passed) < 2 && Environment.TickCount64 < deadline)
            Thread.Sleep(1);
        gate.Set();
        foreach (var t in threads)
            Assert.True(t.Join(5000));
        Assert.Equal(3, passed);
        Assert.False(gate.WaitOne(0));
    }

    [Test]
    public static void ManualResetEventReleasesEveryWaiterUntilReset()
    {
        using var gate = new ManualResetEvent(false);
        int passed = 0;
        var threads = new Thread[3];
        for (int i = 0; i < threads.Length; i++)
        {
            threads[i] = new Thread(() => { gate.WaitOne(); Interlocked.Increment(ref passed); });
            threads[i].Start();
        }
        Assert.False(gate.WaitOne(20));
        gate.Set();
        foreach (var t in threads)
            Assert.True(t.Join(5000));
        Assert.Equal(3, passed);
        Assert.True(gate.WaitOne(0));
        gate.Reset();
        Assert.False(gate.WaitOne(0));
    }

    [Test]
    public static void WaitAnyGivesTheSignalledIndexAndWaitAllWaitsForEvery()
    {
        using var a = new ManualResetEvent(false);
        using var b = new AutoResetEvent(false);
        using var c = new ManualResetEvent(false);
        var handles = new WaitHandle[] { a, b, c };
        Assert.Equal(WaitHandle.WaitTimeout, WaitHandle.WaitAny(handles, 20));
        var setter = new Thread(() => { Thread.Sleep(20); b.Set(); });
        setter.Start();
        Assert.Equal(1, WaitHandle.WaitAny(handles, 5000));
        setter.Join();
        Assert.False(b.WaitOne(0)); // WaitAny took the auto-reset event's signal
        Assert.False(WaitHandle.WaitAll(new WaitHandle[] { a, c }, 20));
        setter = new Thread(() => { a.Set(); Thread.Sleep(20); c.Set(); });
        setter.Start();
        Assert.True(WaitHandle.WaitAll(new WaitHandle[] { a, c }, 5000));
        setter.Join();
        Assert.True(WaitHandle.SignalAndWait(b, a, 1000, false));
        Assert.True(b.WaitOne(0));
    }

    [Test]
    public static void MutexIsOwnedByOneThreadAtATime()
    {
        using var mutex = new Mutex(initiallyOwned: false);
        int inside = 0, most = 0, total = 0;
        var threads = new Thread[3];
        for (int t = 0; t < threads.Length; t++)
        {
            threads[t] = new Thread(() =>
            {
                for (int i = 0; i < 20; i++)
                {
                    mutex.WaitOne();
                    int now = ++inside;
                    if (now > most)
                        most = now;
                    Thread.Sleep(0);
                    total++;
                    inside--;
                    mutex.ReleaseMutex();
                }
            });
            threads[t].Start();
        }
        foreach (var t in threads)
            t.Join();
        Assert.Equal(60, total);
        Assert.Equal(1, most);
        // Recursive ownership; releasing a mutex the thread does not own throws.
        Assert.True(mutex.WaitOne(0));
        Assert.True(mutex.WaitOne(0));
        mutex.ReleaseMutex();
        mutex.ReleaseMutex();
        Assert.Throws<ApplicationException>(() => mutex.ReleaseMutex());
    }

    [Test]
    public static void AMutexLeftByAnEndedThreadIsAbandoned()
    {
        using var mutex = new Mutex();
        var owner = new Thread(() => mutex.WaitOne());
        owner.Start();
        owner.Join();
        Assert.Throws<AbandonedMutexException>(() => mutex.WaitOne(1000));
        mutex.ReleaseMutex(); // the abandoned mutex was still acquired
    }

    [Test]
    public static void ReaderWriterLockSlimLetsReadersShareAndAWriterExclude()
    {
        using var rw = new ReaderWriterLockSlim();
        using var readersIn = new CountdownEvent(3);
        using var release = new ManualResetEventSlim();
        var readers = new Thread[3];
        for (int i = 0; i < readers.Length; i++)
        {
            readers[i] = new Thread(() =>
            {
                rw.EnterReadLock();
                readersIn.Signal();
                release.Wait();
                rw.ExitReadLock();
            });
            readers[i].Start();
        }
        Assert.True(readersIn.Wait(5000), "the readers did not share the lock");
        Assert.Equal(3, rw.CurrentReadCount);
        Assert.False(rw.TryEnterWriteLock(20));
        release.Set();
        Assert.True(rw.TryEnterWriteLock(5000));
        Assert.True(rw.IsWriteLockHeld);
        bool readerGotIn = true;
        var late = new Thread(() => readerGotIn = rw.TryEnterReadLock(20));
        late.Start();
        late.Join();
        Assert.False(readerGotIn);
        rw.ExitWriteLock();
        foreach (var t in readers)
            t.Join();
        rw.EnterUpgradeableReadLock();
        rw.EnterWriteLock();
        Assert.True(rw.IsWriteLockHeld && rw.IsUpgradeableReadLockHeld);
        rw.ExitWriteLock();
        rw.ExitUpgradeableReadLock();
    }

    [Test]
    public static void CountdownEventWaitsForEverySignal()
    {
        using var countdown = new CountdownEvent(4);
        for (int i = 0; i < 4; i++)
            new Thread(() => { Thread.Sleep(5); countdown.Signal(); }).Start();
        Assert.True(countdown.Wait(5000));
        Assert.Equal(0, countdown.CurrentCount);
        Assert.True(countdown.IsSet);
        countdown.Reset(2);
        countdown.AddCount();
        Assert.Equal(3, countdown.CurrentCount);
        Assert.False(countdown.Wait(10));
    }

    [Test]
    public static void BarrierRunsPhasesInStep()
    {
        const int Parties = 3, Phases = 4;
        var log = new List<string>();
        using var barrier = new Barrier(Parties, b => log.Add("phase " + b.CurrentPhaseNumber));
        var threads = new Thread[Parties];
        for (int p = 0; p < Parties; p++)
        {
            int self = p;
            threads[p] = new Thread(() =>
            {
                for (int phase = 0; phase < Phases; phase++)
                {
                    lock (log)
                        log.Add(phase + ":" + self);
                    barrier.SignalAndWait();
                }
            });
            threads[p].Start();
        }
        foreach (var t in threads)
            Assert.True(t.Join(5000));
        Assert.Equal(Phases * (Parties + 1), log.Count);
        for (int phase = 0; phase < Phases; phase++)
        {
            // Every party's line of a phase comes before the phase's action.
            int action = log.IndexOf("phase " + phase);
            for (int p = 0; p < Parties; p++)
            {
                int at = log.IndexOf(phase + ":" + p);
                Assert.True(at >= 0 && at < action, "phase " + phase + " party " + p + " at " + at + ", action at " + action);
            }
        }
        Assert.Equal(Phases, (int)barrier.CurrentPhaseNumber);
    }

    [Test]
    public static void ThreadLocalGivesEachThreadItsOwnValue()
    {
        int made = 0;
        using var local = new ThreadLocal<int>(() => Interlocked.Increment(ref made) * 100, trackAllValues: true);
        local.Value += 1;
        var threads = new Thread[3];
        var seen = new int[3];
        for (int i = 0; i < threads.Length; i++)
        {
            int self = i;
            threads[i] = new Thread(() => { local.Value += self; seen[self] = local.Value; });
            threads[i].Start();
            threads[i].Join(); // one at a time: the factory's order is known
        }
        Assert.Equal(101, local.Value);
        Assert.Equal(4, made);
        Assert.Equal("200,301,402", string.Join(",", seen));
        var all = new List<int>(local.Values);
        all.Sort();
        Assert.Equal("101,200,301,402", string.Join(",", all));
    }

    [Test]
    public static void SpinLockKeepsAnExactTotal()
    {
        var spin = new SpinLock(enableThreadOwnerTracking: true);
        long total = 0;
        var threads = new Thread[3];
        for (int t = 0; t < threads.Length; t++)
        {
            threads[t] = new Thread(() =>
            {
                for (int i = 0; i < 20_000; i++)
                {
                    bool taken = false;
                    spin.Enter(ref taken);
                    total++;
                    spin.Exit();
                }
            });
            threads[t].Start();
        }
        foreach (var t in threads)
            t.Join();
        Assert.Equal(60_000L, total);
        bool mine = false;
        spin.Enter(ref mine);
        Assert.True(spin.IsHeldByCurrentThread);
        spin.Exit();
        Assert.False(spin.IsHeld);
    }

    [Test]
    public static void SpinWaitSpinsUntilAnotherThreadSetsTheCondition()
    {
        bool set = false;
        var setter = new Thread(() => { Thread.Sleep(20); Volatile.Write(ref set, true); });
        setter.Start();
        Assert.True(SpinWait.SpinUntil(() => Volatile.Read(ref set), 5000), "the condition was never seen");
        setter.Join();
        Assert.False(SpinWait.SpinUntil(() => false, 20));
        var spinner = new SpinWait();
        for (int i = 0; i < 20; i++)
            spinner.SpinOnce();
        Assert.Equal(20, spinner.Count);
        Assert.True(spinner.NextSpinWillYield); // one CPU: spinning yields at once
    }
}
