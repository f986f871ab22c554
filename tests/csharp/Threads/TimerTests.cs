using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using Graft.Testing;

namespace Threads;

// System.Threading.Timer and what CoreLib builds on its timer queue
// (CancelAfter, Task.Delay's cancellation, PeriodicTimer): the queue's own
// thread waits for the nearest due time, the callbacks run on pool threads.
static class TimerTests
{
    [Test]
    public static void PeriodicTimerFiresNTimesOnPoolThreads()
    {
        const int Wanted = 5;
        int fired = 0, onPool = 0;
        using var done = new ManualResetEventSlim();
        var watch = Stopwatch.StartNew();
        using (new Timer(_ =>
        {
            if (Thread.CurrentThread.IsThreadPoolThread)
                Interlocked.Increment(ref onPool);
            if (Interlocked.Increment(ref fired) == Wanted)
                done.Set();
        }, null, 10, 10))
        {
            Assert.True(done.Wait(2000), "the timer fired " + Volatile.Read(ref fired) + " times in 2 s");
        }
        long elapsed = watch.ElapsedMilliseconds;
        Assert.True(elapsed >= 40, Wanted + " firings 10 ms apart took only " + elapsed + " ms");
        Assert.True(Volatile.Read(ref onPool) >= Wanted, "callbacks off the pool: " + onPool + " of " + fired);
    }

    [Test]
    public static void OneShotTimerFiresOnceWithItsState()
    {
        int fired = 0;
        object? seen = null;
        using var timer = new Timer(state => { seen = state; Interlocked.Increment(ref fired); }, "state", 20, Timeout.Infinite);
        Thread.Sleep(150);
        Assert.Equal(1, Volatile.Read(ref fired));
        Assert.Equal("state", (string?)seen);
    }

    [Test]
    public static void ChangeStartsAStoppedTimerAndStopsItAgain()
    {
        int fired = 0;
        using var firstRun = new ManualResetEventSlim();
        using var timer = new Timer(_ => { Interlocked.Increment(ref fired); firstRun.Set(); }, null, Timeout.Infinite, Timeout.Infinite);
        Thread.Sleep(50);
        Assert.Equal(0, Volatile.Read(ref fired));
        Assert.True(timer.Change(10, 10));
        Assert.True(firstRun.Wait(2000), "Change(10, 10) never fired");
        Assert.True(timer.Change(Timeout.Infinite, Timeout.Infinite));
        Thread.Sleep(30); // a callback already queued may still run
        int stopped = Volatile.Read(ref fired);
        Thread.Sleep(100);
        Assert.Equal(stopped, Volatile.Read(ref fired));
    }

    [Test]
    public static void DisposeWithAWaitHandleEndsTheCallbacks()
    {
        int fired = 0;
        var timer = new Timer(_ => Interlocked.Increment(ref fired), null, 0, 10);
        long deadline = Environment.TickCount64 + 2000;
        while (Volatile.Read(ref fired) < 3 && Environment.TickCount64 < deadline)
            Thread.Sleep(5);
        using var disposed = new ManualResetEvent(false);
        Assert.True(timer.Dispose(disposed));
        Assert.True(disposed.WaitOne(2000), "Dispose(WaitHandle) never signalled");
        int atDispose = Volatile.Read(ref fired);
        Thread.Sleep(100);
        Assert.True(atDispose >= 3, "fired " + atDispose + " times before Dispose");
        Assert.Equal(atDispose, Volatile.Read(ref fired));
        Assert.False(timer.Change(10, 10)); // a disposed timer cannot restart
    }

    [Test]
    public static void CancelAfterCancelsTheTokenLater()
    {
        using var source = new CancellationTokenSource();
        int callbacks = 0;
        source.Token.Register(() => Interlocked.Increment(ref callbacks));
        var watch = Stopwatch.StartNew();
        source.CancelAfter(50);
        Assert.False(source.IsCancellationRequested);
        Assert.True(source.Token.WaitHandle.WaitOne(2000), "CancelAfter(50) never cancelled");
        long elapsed = watch.ElapsedMilliseconds;
        Assert.True(source.IsCancellationRequested);
        Assert.True(elapsed >= 40, "cancelled after " + elapsed + " ms");
        Thread.Sleep(20); // the registration runs on the timer's pool thread
        Assert.Equal(1, Volatile.Read(ref callbacks));
    }

    [Test]
    public static void ACancelledDelayThrowsTaskCanceledException()
    {
        using var source = new CancellationTokenSource(30);
        var delay = Task.Delay(10000, source.Token);
        var e = Assert.Throws<AggregateException>(() => delay.Wait(5000));
        Assert.True(e.InnerException is TaskCanceledException, "inner: " + e.InnerException?.GetType().Name);
        Assert.True(delay.IsCanceled);
    }

    static async Task<int> CountTicks(int ticks)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(10));
        int seen = 0;
        while (seen < ticks && await timer.WaitForNextTickAsync())
            seen++;
        return seen;
    }

    [Test]
    public static void PeriodicTimerTicksForAwait()
    {
        var watch = Stopwatch.StartNew();
        Assert.Equal(4, CountTicks(4).GetAwaiter().GetResult());
        Assert.True(watch.ElapsedMilliseconds >= 30, "4 ticks of 10 ms in " + watch.ElapsedMilliseconds + " ms");
    }
}
