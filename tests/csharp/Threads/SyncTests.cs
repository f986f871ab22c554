using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Graft.Testing;

namespace Threads;

// What CoreLib builds on threads and low-level monitors.
static class SyncTests
{
    [Test]
    public static void SemaphoreSlimLimitsConcurrency()
    {
        using var semaphore = new SemaphoreSlim(2);
        int inside = 0, most = 0;
        var threads = new Thread[5];
        for (int i = 0; i < threads.Length; i++)
        {
            threads[i] = new Thread(() =>
            {
                for (int k = 0; k < 20; k++)
                {
                    semaphore.Wait();
                    int now = Interlocked.Increment(ref inside);
                    int seen;
                    while ((seen = Volatile.Read(ref most)) < now && Interlocked.CompareExchange(ref most, now, seen) != seen) { }
                    Thread.Sleep(1);
                    Interlocked.Decrement(ref inside);
                    semaphore.Release();
                }
            });
            threads[i].Start();
        }
        foreach (var t in threads)
            t.Join();
        Assert.Equal(0, inside);
        Assert.True(most >= 1 && most <= 2, "at most two inside, saw " + most);
    }

    [Test]
    public static void ManualResetEventSlimReleasesAWaiter()
    {
        using var started = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        bool finished = false;
        var thread = new Thread(() => { started.Set(); release.Wait(); finished = true; });
        thread.Start();
        Assert.True(started.Wait(5000), "the thread never started");
        Assert.False(finished);
        release.Set();
        thread.Join();
        Assert.True(finished);
    }

    [Test]
    public static void TaskRunAndWait()
    {
        var task = Task.Run(() => 6 * 7);
        Assert.True(task.Wait(10000), "the task did not finish");
        Assert.Equal(42, task.Result);
    }

    static async Task<int> AddLater(int a, int b)
    {
        await Task.Delay(10);
        return a + b;
    }

    [Test]
    public static void AsyncAwaitWithTaskDelay()
    {
        Assert.Equal(5, AddLater(2, 3).GetAwaiter().GetResult());
    }

    [Test]
    public static void WhenAllOverAThousandTasks()
    {
        var tasks = Enumerable.Range(0, 1000).Select(i => Task.Run(() => i)).ToArray();
        var all = Task.WhenAll(tasks);
        Assert.True(all.Wait(60000), "the tasks did not finish");
        Assert.Equal(999L * 1000 / 2, all.Result.Sum(x => (long)x));
    }
}
