using System;
using System.Collections.Generic;
using System.Threading;
using Graft.Testing;

namespace Threads;

// Threads themselves: start, join, locks, waits, statics, preemption.
static class ThreadTests
{
    [Test]
    public static void StartAndJoinRunTheBody()
    {
        int ran = 0;
        var thread = new Thread(() => ran = 42);
        thread.Start();
        thread.Join();
        Assert.Equal(42, ran);
        Assert.False(thread.IsAlive);
    }

    [Test]
    public static void ParameterizedStartGetsItsArgument()
    {
        object? seen = null;
        var thread = new Thread(o => seen = o);
        thread.Start("argument");
        thread.Join();
        Assert.Equal("argument", (string?)seen);
    }

    [Test]
    public static void CurrentThreadIsEachThreadsOwn()
    {
        Thread main = Thread.CurrentThread;
        Thread? inside = null;
        int insideId = 0;
        var thread = new Thread(() => { inside = Thread.CurrentThread; insideId = Environment.CurrentManagedThreadId; });
        thread.Start();
        thread.Join();
        Assert.Same(thread, inside);
        Assert.Same(main, Thread.CurrentThread);
        Assert.NotEqual(main.ManagedThreadId, insideId);
        Assert.Equal(thread.ManagedThreadId, insideId);
    }

    static readonly object counterLock = new object();
    static long counter;

    [Test]
    public static void TwoThreadsIncrementUnderALockToAnExactTotal()
    {
        counter = 0;
        ThreadStart body = () =>
        {
            for (int i = 0; i < 200_000; i++)
                lock (counterLock)
                    counter++;
        };
        var a = new Thread(body);
        var b = new Thread(body);
        a.Start();
        b.Start();
        a.Join();
        b.Join();
        Assert.Equal(400_000L, counter);
    }

    [Test]
    public static void ProducerAndConsumerOverMonitorWaitAndPulse()
    {
        var queue = new Queue<int>();
        var gate = new object();
        const int Count = 2000;
        long sum = 0;
        var consumer = new Thread(() =>
        {
            for (int received = 0; received < Count; received++)
            {
                int item;
                lock (gate)
                {
                    while (queue.Count == 0)
                        Monitor.Wait(gate);
                    item = queue.Dequeue();
                    Monitor.Pulse(gate);
                }
                sum += item;
            }
        });
        consumer.Start();
        for (int i = 1; i <= Count; i++)
        {
            lock (gate)
            {
                while (queue.Count >= 4)
                    Monitor.Wait(gate);
                queue.Enqueue(i);
                Monitor.Pulse(gate);
            }
        }
        consumer.Join();
        Assert.Equal((long)Count * (Count + 1) / 2, sum);
    }

    [ThreadStatic] static int perThread;
    [ThreadStatic] static string? perThreadName;

    [Test]
    public static void ThreadStaticsAreDistinctPerThread()
    {
        perThread = 1;
        perThreadName = "main";
        var seen = new int[3];
        var names = new string?[3];
        var threads = new Thread[3];
        for (int i = 0; i < 3; i++)
        {
            int index = i;
            threads[i] = new Thread(() =>
            {
                seen[index] = perThread; // a new thread starts with the default
                perThread = 100 + index;
                perThreadName = "thread " + index;
                Thread.Sleep(20); // the others run meanwhile and set their own
                names[index] = perThreadName + " " + perThread;
            });
            threads[i].Start();
        }
        foreach (var t in threads)
            t.Join();
        Assert.Equal(1, perThread);
        Assert.Equal("main", perThreadName);
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(0, seen[i]);
            Assert.Equal("thread " + i + " " + (100 + i), names[i]);
        }
    }

    static volatile bool stop;

    // Neither thread yields or waits: only the timer tick's preemption lets the other run.
    [Test]
    public static void TwoBusyThreadsBothProgress()
    {
        stop = false;
        long a = 0, b = 0;
        var first = new Thread(() => { while (!stop) Interlocked.Increment(ref a); });
        var second = new Thread(() => { while (!stop) Interlocked.Increment(ref b); });
        first.Start();
        second.Start();
        long deadline = Environment.TickCount64 + 300;
        while (Environment.TickCount64 < deadline) { }
        stop = true;
        first.Join();
        second.Join();
        Console.WriteLine($"busy threads: {Interlocked.Read(ref a)} and {Interlocked.Read(ref b)} increments in 300 ms");
        Assert.True(Interlocked.Read(ref a) > 0, "the first busy thread never ran");
        Assert.True(Interlocked.Read(ref b) > 0, "the second busy thread never ran");
    }

    [Test]
    public static void YieldAndSleepZeroLetAnotherThreadRun()
    {
        int ran = 0;
        var thread = new Thread(() => ran = 1);
        thread.Start();
        long deadline = Environment.TickCount64 + 5000;
        while (Volatile.Read(ref ran) == 0 && Environment.TickCount64 < deadline)
        {
            Thread.Yield();
            Thread.Sleep(0);
        }
        Assert.Equal(1, Volatile.Read(ref ran));
        thread.Join();
    }

    [Test]
    public static void SleepingThreadsWakeInDeadlineOrder()
    {
        var order = new List<int>();
        var threads = new Thread[3];
        int[] delays = { 60, 20, 40 };
        for (int i = 0; i < 3; i++)
        {
            int delay = delays[i];
            threads[i] = new Thread(() => { Thread.Sleep(delay); lock (order) order.Add(delay); });
            threads[i].Start();
        }
        foreach (var t in threads)
            t.Join();
        Assert.Equal("20,40,60", string.Join(",", order));
    }
}
