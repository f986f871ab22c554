using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Graft.Testing;

namespace Threads;

// CoreLib's portable thread pool over the kernel's threads, and Parallel on it.
static class PoolTests
{
    [Test]
    public static void QueueUserWorkItemRunsOnAPoolThreadWithItsState()
    {
        using var done = new ManualResetEventSlim();
        object? seen = null;
        bool onPool = false, background = false;
        Assert.True(ThreadPool.QueueUserWorkItem(state =>
        {
            seen = state;
            onPool = Thread.CurrentThread.IsThreadPoolThread;
            background = Thread.CurrentThread.IsBackground;
            done.Set();
        }, "work"));
        Assert.True(done.Wait(5000), "the work item never ran");
        Assert.Equal("work", (string?)seen);
        Assert.True(onPool, "the work item ran off the pool");
        Assert.True(background, "a pool thread is a background thread");
        Assert.False(Thread.CurrentThread.IsThreadPoolThread);
    }

    [Test]
    public static void AHundredWorkItemsAllRun()
    {
        const int Items = 100;
        using var all = new CountdownEvent(Items);
        long sum = 0;
        for (int i = 1; i <= Items; i++)
            ThreadPool.QueueUserWorkItem(n => { Interlocked.Add(ref sum, n); all.Signal(); }, i, preferLocal: false);
        Assert.True(all.Wait(5000), "work items left: " + all.CurrentCount);
        Assert.Equal((long)Items * (Items + 1) / 2, Interlocked.Read(ref sum));
    }

    [Test]
    public static void ThreadPoolCountsAsCoreLibReportsThem()
    {
        ThreadPool.GetMinThreads(out int minWorkers, out int minIo);
        ThreadPool.GetMaxThreads(out int maxWorkers, out int maxIo);
        ThreadPool.GetAvailableThreads(out int freeWorkers, out int freeIo);
        Console.WriteLine($"thread pool: {Environment.ProcessorCount} processors, min {minWorkers}/{minIo}, max {maxWorkers}/{maxIo}, available {freeWorkers}/{freeIo}, threads {ThreadPool.ThreadCount}");
        Assert.Equal(Environment.ProcessorCount, minWorkers);
        Assert.Equal(1, minIo);
        Assert.Equal(short.MaxValue, maxWorkers);
        Assert.Equal(1000, maxIo);
        Assert.True(freeWorkers <= maxWorkers && freeWorkers >= maxWorkers - ThreadPool.ThreadCount, "available workers " + freeWorkers);

        long completedBefore = ThreadPool.CompletedWorkItemCount;
        const int Items = 20;
        using var all = new CountdownEvent(Items);
        for (int i = 0; i < Items; i++)
            ThreadPool.QueueUserWorkItem(_ => all.Signal());
        Assert.True(all.Wait(5000), "work items left: " + all.CurrentCount);
        // A worker counts an item after it returns: wait for the last one's count.
        long deadline = Environment.TickCount64 + 2000;
        while (ThreadPool.CompletedWorkItemCount - completedBefore < Items && Environment.TickCount64 < deadline)
            Thread.Sleep(1);
        Assert.True(ThreadPool.CompletedWorkItemCount - completedBefore >= Items, "completed " + (ThreadPool.CompletedWorkItemCount - completedBefore) + " of " + Items);
        Assert.True(ThreadPool.ThreadCount >= 1, "no pool thread after running work");
        Assert.Equal(0L, ThreadPool.PendingWorkItemCount);
    }

    [Test]
    public static void SetMaxThreadsBelowTheMinimumIsRefused()
    {
        ThreadPool.GetMinThreads(out int workers, out int io);
        Assert.False(ThreadPool.SetMaxThreads(workers - 1, io)); // below the minimum
        Assert.True(ThreadPool.SetMinThreads(workers, io));
    }

    [Test]
    public static void ParallelForCoversEveryIndexOnce()
    {
        var hits = new int[1000];
        long sum = 0;
        var result = Parallel.For(0, hits.Length, i =>
        {
            Interlocked.Increment(ref hits[i]);
            Interlocked.Add(ref sum, i);
        });
        Assert.True(result.IsCompleted);
        Assert.Equal(999L * 1000 / 2, sum);
        Assert.Equal(0, hits.Count(h => h != 1));
    }

    [Test]
    public static void ParallelForEachWithLocalState()
    {
        var words = Enumerable.Range(0, 500).Select(i => "w" + i).ToList();
        long letters = 0;
        var seen = new ConcurrentBag<string>();
        Parallel.ForEach(words, () => 0L, (word, _, local) => { seen.Add(word); return local + word.Length; },
            local => Interlocked.Add(ref letters, local));
        Assert.Equal(words.Sum(w => (long)w.Length), letters);
        Assert.Equal(500, seen.Distinct().Count());
    }

    [Test]
    public static void ParallelForBreakStopsLaterIndices()
    {
        var ran = new ConcurrentBag<int>();
        var result = Parallel.For(0, 10_000, (i, state) =>
        {
            if (i == 100)
                state.Break();
            ran.Add(i);
        });
        Assert.False(result.IsCompleted);
        Assert.Equal(100L, result.LowestBreakIteration);
        for (int i = 0; i <= 100; i++)
            Assert.True(ran.Contains(i), "index " + i + " below the break did not run");
    }

    [Test]
    public static void ParallelInvokeRunsEveryAction()
    {
        int a = 0, b = 0, c = 0;
        Parallel.Invoke(() => a = 1, () => b = 2, () => c = 3);
        Assert.Equal(6, a + b + c);
    }

    [Test]
    public static void AnExceptionInParallelForIsAggregated()
    {
        var e = Assert.Throws<AggregateException>(() => Parallel.For(0, 100, i =>
        {
            if (i == 42)
                throw new InvalidOperationException("index 42");
        }));
        Assert.Equal("index 42", e.InnerExceptions.Single().Message);
    }
}
