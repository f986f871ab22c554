using System;
using System.Diagnostics;
using System.Threading;
using Graft.Testing;

namespace Threads;

// Exceptions on several threads at once: each thread throws and catches in a loop through
// finally blocks, filters, catches that throw again and `throw;`, each funclet busy long enough
// that the timer's preemption lands inside it while another thread dispatches its own exception.
// Every iteration's exception and every count is checked; the test prints how many funclets
// took long enough (over 2 ms: another thread ran meanwhile) to have been preempted.
static class ExceptionTests
{
    sealed class CountedException : Exception
    {
        public readonly int Thread, Iteration;
        public CountedException(int thread, int iteration) : base($"thread {thread} iteration {iteration}")
        {
            Thread = thread;
            Iteration = iteration;
        }
    }

    sealed class Tally
    {
        public int Finallies, Filtered, Caught, InnerCaught, Rethrown, Wrong, Preempted;
        public long Work;

        // A funclet's work, timed: preempted if it took far longer than the work does.
        public void Add(int seed)
        {
            long started = Stopwatch.GetTimestamp();
            Work += Spin(seed);
            if (Stopwatch.GetElapsedTime(started).TotalMilliseconds > 2)
                Preempted++;
        }
    }

    // Work no compiler can drop: the funclets spend most of the time here, so that most ticks
    // preempt a thread inside one.
    const int SpinRounds = 4000;
    static long Spin(int seed)
    {
        long x = seed + 1;
        for (int i = 0; i < SpinRounds; i++)
            x = x * 6364136223846793005L + 1442695040888963407L;
        return x & 0xFFFF;
    }

    static void Throw(int thread, int iteration) => throw new CountedException(thread, iteration);

    static int Length(int[]? array) => array!.Length; // null: a page fault that becomes NullReferenceException

    // A filter that works before it answers, and accepts only this thread's current exception.
    static bool Accepts(CountedException e, int thread, int iteration, Tally tally)
    {
        tally.Add(iteration);
        if (e.Thread != thread || e.Iteration != iteration)
            tally.Wrong++;
        tally.Filtered++;
        return e.Thread == thread && e.Iteration == iteration;
    }

    static bool Rejects(Exception e, Tally tally)
    {
        tally.Add(e.Message.Length);
        return false;
    }

    static void Iterate(int thread, int i, Tally tally)
    {
        try
        {
            try
            {
                Throw(thread, i);
            }
            catch (Exception e) when (Rejects(e, tally)) // never taken: the search goes on outward
            {
                tally.Wrong++;
            }
            finally
            {
                tally.Finallies++;
                tally.Add(i);
            }
        }
        catch (CountedException e) when (Accepts(e, thread, i, tally))
        {
            tally.Caught++;
            // A second dispatch while this catch funclet runs.
            try
            {
                throw new InvalidOperationException(e.Message);
            }
            catch (InvalidOperationException inner) when (inner.Message == e.Message)
            {
                tally.InnerCaught++;
                tally.Add(i + 1);
            }
        }

        // `throw;` from a catch, caught outside it: the same object arrives.
        CountedException thrown = new CountedException(thread, -i);
        try
        {
            try
            {
                throw thrown;
            }
            catch (CountedException)
            {
                tally.Add(i + 2);
                throw;
            }
        }
        catch (CountedException again)
        {
            if (!ReferenceEquals(again, thrown))
                tally.Wrong++;
            tally.Rethrown++;
        }
    }

    // The work each iteration adds when every exception went where it should.
    static long ExpectedWork(int iterations)
    {
        long work = 0;
        for (int i = 0; i < iterations; i++)
        {
            string message = new CountedException(0, i).Message;
            work += Spin(message.Length) + Spin(i) + Spin(i) + Spin(i + 1) + Spin(i + 2);
        }
        return work;
    }

    [Test]
    public static void ThreadsThrowAndCatchThroughFunclets()
    {
        const int threads = 4, iterations = 2000;
        var tallies = new Tally[threads];
        var workers = new Thread[threads];
        for (int t = 0; t < threads; t++)
        {
            int id = t;
            tallies[t] = new Tally();
            workers[t] = new Thread(() =>
            {
                for (int i = 0; i < iterations; i++)
                    Iterate(id, i, tallies[id]);
            });
        }
        long started = Environment.TickCount64;
        foreach (var worker in workers)
            worker.Start();
        foreach (var worker in workers)
            worker.Join();
        int preempted = 0;
        foreach (Tally tally in tallies)
            preempted += tally.Preempted;
        Console.WriteLine($"exceptions on threads: {threads} x {iterations} iterations, {threads * iterations * 4} throws, " +
                          $"{Environment.TickCount64 - started} ms, {preempted} funclets preempted");

        // Every thread's strings differ only by thread number's digits: the same lengths.
        long expected = ExpectedWork(iterations);
        for (int t = 0; t < threads; t++)
        {
            Tally tally = tallies[t];
            Assert.Equal(0, tally.Wrong);
            Assert.Equal(iterations, tally.Finallies);
            Assert.Equal(iterations, tally.Filtered);
            Assert.Equal(iterations, tally.Caught);
            Assert.Equal(iterations, tally.InnerCaught);
            Assert.Equal(iterations, tally.Rethrown);
            Assert.Equal(expected, tally.Work);
        }
    }

    static volatile bool stop;

    [Test]
    public static void AThreadThatCaughtAFaultIsStillPreempted()
    {
        stop = false;
        long progress = 0;
        var other = new Thread(() => { while (!stop) Interlocked.Increment(ref progress); });
        other.Start();
        int caught = 0;
        for (int i = 0; i < 20; i++)
        {
            try
            {
                Length(null);
            }
            catch (NullReferenceException)
            {
                caught++;
            }
        }
        // Busy, never blocking: only the tick's preemption lets the other thread run.
        long before = Interlocked.Read(ref progress);
        long deadline = Environment.TickCount64 + 2000;
        while (Interlocked.Read(ref progress) == before && Environment.TickCount64 < deadline) { }
        long after = Interlocked.Read(ref progress); // before Join, which lets the other thread run anyway
        stop = true;
        other.Join();
        Assert.Equal(20, caught);
        Assert.True(after > before, "the other thread never ran after the catch");
    }
}
