using System;
using System.Diagnostics;
using System.Threading;
using Graft.Kernel;
using Graft.Testing;

static class ControllerTests
{
    [Test]
    public static void TheMadtGivesTheApics()
    {
        InterruptFigures f = Interrupts.Figures;
        Assert.Equal(1, f.Controller);
        Assert.True(f.CpuCount >= 1, $"{f.CpuCount} processors");
        Assert.Equal(1, f.TimerSource);
        Assert.Equal(100u, f.TimerHz);
    }

    static int s_raised;
    static void CountRaised() => s_raised++;

    [Test]
    public static void ARaisedVectorRunsItsHandler()
    {
        s_raised = 0;
        ulong before = Interrupts.Count(100);
        Interrupts.Install(100, CountRaised);
        Interrupts.Raise(100);
        Interrupts.Raise(100);
        Interrupts.Remove(100);
        Interrupts.Raise(100); // no handler: taken, nothing called
        Assert.Equal(2, s_raised);
        Assert.Equal(before + 3, Interrupts.Count(100));
    }

    static ulong s_handlerStack;
    static unsafe void NoteStack()
    {
        int local = 0;
        s_handlerStack = (ulong)&local;
    }

    [Test]
    public static unsafe void HandlersRunOnTheInterruptStack()
    {
        int local = 0;
        ulong mine = (ulong)&local;
        Interrupts.Install(101, NoteStack);
        Interrupts.Raise(101);
        Interrupts.Remove(101);
        ulong distance = mine > s_handlerStack ? mine - s_handlerStack : s_handlerStack - mine;
        Assert.True(s_handlerStack != 0 && distance > 1 << 20, $"handler's stack 0x{s_handlerStack:x}, the test's 0x{mine:x}");
    }

    [Test]
    public static void VectorsOutsideTheFreeRangeAreRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Interrupts.Install(32, CountRaised));
        Assert.Throws<ArgumentOutOfRangeException>(() => Interrupts.Raise(240));
        Assert.Throws<ArgumentOutOfRangeException>(() => Interrupts.InstallIrq(24, CountRaised));
    }
}

static class TimerTests
{
    // Waits by the TSC (Stopwatch), the CPU halted between interrupts (busy: spinning).
    // The rates are checked halted: QEMU on a loaded host runs a spinning guest in slices
    // and merges the ticks it owes (measured: 85 of 100 busy at load 15, 100 halted).
    static void WaitMilliseconds(int ms, bool busy = false)
    {
        long end = Stopwatch.GetTimestamp() + ms * Stopwatch.Frequency / 1000;
        while (Stopwatch.GetTimestamp() < end)
            if (!busy)
                Interrupts.Idle();
    }

    static (ulong Ticks, double Expected, double Ms) CountTicks(bool busy)
    {
        ulong before = Interrupts.Figures.TimerTicks;
        long start = Stopwatch.GetTimestamp();
        WaitMilliseconds(1000, busy);
        ulong ticks = Interrupts.Figures.TimerTicks - before;
        double seconds = (Stopwatch.GetTimestamp() - start) / (double)Stopwatch.Frequency;
        return (ticks, seconds * Interrupts.Figures.TimerHz, seconds * 1000);
    }

    [Test]
    public static void TheTimerTicksAtItsRate()
    {
        var (ticks, expected, ms) = CountTicks(busy: false);
        var (busyTicks, busyExpected, _) = CountTicks(busy: true);
        Console.WriteLine($"interrupts: {ticks} local APIC timer ticks in {ms:F1} ms of TSC time, halted (expected {expected:F0}); {busyTicks} spinning (expected {busyExpected:F0})");
        Assert.True(Math.Abs(ticks - expected) <= expected * 0.10, $"{ticks} ticks, expected {expected:F0}");
    }

    static volatile int s_pitTicks;
    static void CountPit() => s_pitTicks++;

    [Test]
    public static void ThePitInterruptsOnIrqZeroThroughTheIoApic()
    {
        // PIT channel 0, rate generator (mode 2) at 1193182 / 11932 = 99.998 Hz.
        Ports.Out8(0x43, 0x34);
        Ports.Out8(0x40, 11932 & 0xFF);
        Ports.Out8(0x40, 11932 >> 8);
        s_pitTicks = 0;
        Interrupts.InstallIrq(0, CountPit);
        // Count from the first interrupt on: one the PIT had pending at its old rate comes first.
        long wait = Stopwatch.GetTimestamp() + Stopwatch.Frequency;
        while (s_pitTicks == 0 && Stopwatch.GetTimestamp() < wait)
            Interrupts.Idle();
        int first = s_pitTicks;
        long start = Stopwatch.GetTimestamp();
        WaitMilliseconds(1000);
        Interrupts.RemoveIrq(0);
        int ticks = s_pitTicks - first;
        Assert.True(first > 0, "no interrupt on IRQ 0 within a second");
        double expected = (Stopwatch.GetTimestamp() - start) / (double)Stopwatch.Frequency * 99.998;
        Console.WriteLine($"interrupts: {ticks} PIT interrupts on IRQ 0 (vector {32}) in 1000 ms (expected {expected:F0})");
        Assert.True(Math.Abs(ticks - expected) <= expected * 0.10, $"{ticks} interrupts, expected {expected:F0}");
    }

    [Test]
    public static void SleepHaltsTheCpuUntilItsDeadline()
    {
        Thread.Sleep(1); // the first Sleep sets up CoreLib's wait state (about 2 ms under TCG): not measured
        InterruptFigures before = Interrupts.Figures;
        long start = Stopwatch.GetTimestamp();
        Thread.Sleep(100);
        long elapsed = Stopwatch.GetTimestamp() - start;
        InterruptFigures after = Interrupts.Figures;
        double ms = elapsed * 1000.0 / Stopwatch.Frequency;
        ulong halts = after.Halts - before.Halts;
        double idle = (after.IdleTsc - before.IdleTsc) / (double)after.TscHz * 1000;
        Console.WriteLine($"interrupts: Thread.Sleep(100) took {ms:F2} ms by the TSC, {halts} halts, {idle:F2} ms halted");
        Assert.True(ms >= 100 && ms <= 110, $"slept {ms:F2} ms"); // 100.2 ms measured, 103.9 on a loaded host
        // The timer is armed for the deadline: no spinning before it (ticking and spinning the
        // last tick halted the CPU for 90-98 ms of 100).
        Assert.True(idle >= ms * 0.99, $"halted {idle:F2} of {ms:F2} ms");
    }

    [Test]
    public static void AnIdleSleepTakesNoTicks()
    {
        ulong interrupts = Interrupts.Count(TimerVector);
        ulong ticks = Interrupts.Figures.TimerTicks;
        long start = Stopwatch.GetTimestamp();
        Thread.Sleep(1000);
        double ms = (Stopwatch.GetTimestamp() - start) * 1000.0 / Stopwatch.Frequency;
        interrupts = Interrupts.Count(TimerVector) - interrupts;
        ticks = Interrupts.Figures.TimerTicks - ticks;
        double expected = ms * Interrupts.Figures.TimerHz / 1000;
        Console.WriteLine($"interrupts: Thread.Sleep(1000) took {ms:F2} ms with {interrupts} timer interrupts; TimerTicks advanced {ticks} (expected {expected:F0})");
        // Tickless idle: the timer is armed for the deadline alone (a periodic 100 Hz tick took about 100).
        Assert.True(interrupts <= 3, $"{interrupts} timer interrupts");
        // The ticks skipped while idle are still counted: TimerTicks keeps its rate.
        Assert.True(Math.Abs(ticks - expected) <= expected * 0.10, $"{ticks} ticks, expected {expected:F0}");
    }

    const int TimerVector = 240;
    static volatile bool s_stopSpinning;
    static long s_spins;

    // Lateness of ten Sleep(15) in microseconds by the TSC, the CPU idle or a busy thread beside.
    static double[] SleepLateness(bool besideABusyThread)
    {
        Thread? spinner = null;
        s_stopSpinning = false;
        s_spins = 0;
        if (besideABusyThread)
        {
            spinner = new Thread(() => { while (!s_stopSpinning) Interlocked.Increment(ref s_spins); });
            spinner.Start();
        }
        var lateness = new double[10];
        for (int i = 0; i < lateness.Length; i++)
        {
            long start = Stopwatch.GetTimestamp();
            Thread.Sleep(15);
            lateness[i] = (Stopwatch.GetTimestamp() - start) * 1e6 / Stopwatch.Frequency - 15000;
        }
        s_stopSpinning = true;
        spinner?.Join();
        Array.Sort(lateness);
        return lateness;
    }

    [Test]
    public static void SleepersWakeWellWithinATick()
    {
        double[] idle = SleepLateness(besideABusyThread: false);
        double[] busy = SleepLateness(besideABusyThread: true);
        long spins = Interlocked.Read(ref s_spins);
        Console.WriteLine($"benchmark: Thread.Sleep(15) lateness over 10 sleeps: idle CPU median {idle[5]:F0} us, max {idle[9]:F0} us; beside a busy thread median {busy[5]:F0} us, max {busy[9]:F0} us ({spins} spins; the local APIC timer at {Interrupts.Figures.TimerCountsPerSecond} counts/s)");
        Assert.True(spins > 0, "the busy thread never ran");
        // Woken by the next tick instead of at its deadline, each Sleep(15) beside a busy thread
        // starts just after a tick and ends on the second tick after: 5 ms late (measured before
        // the one-shot timer: medians 5.0-8.7 ms, max 12-26 ms). At the deadline the lateness is
        // QEMU's: waking a halted CPU takes 0.2-0.3 ms; a spinning one on a loaded host can take
        // ms (medians 0.1-2.3 ms, max up to 11.5 ms measured beside the busy thread).
        Assert.True(idle[0] >= 0 && idle[5] <= 3000 && idle[9] <= 5000, $"idle: lateness {idle[0]:F0} to {idle[9]:F0} us, median {idle[5]:F0} us");
        Assert.True(busy[0] >= 0 && busy[5] <= 3000, $"beside a busy thread: lateness {busy[0]:F0} to {busy[9]:F0} us, median {busy[5]:F0} us");
    }

    [Test]
    public static void ShortSleepsEndOnTime()
    {
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < 10; i++)
            Thread.Sleep(1);
        double ms = (Stopwatch.GetTimestamp() - start) * 1000.0 / Stopwatch.Frequency;
        // Waiting for ticks (100 Hz) instead of the deadline would take about 100 ms.
        Assert.True(ms >= 10 && ms < 60, $"ten Sleep(1) took {ms:F2} ms");
    }

    [Test]
    public static void TimerInterruptLatency()
    {
        var (min, median, max) = Interrupts.MeasureTimerLatency(50);
        ulong hz = Interrupts.Figures.TscHz;
        Console.WriteLine($"benchmark: timer interrupt latency over 50 ticks: min {min}, median {median}, max {max} TSC cycles (TSC {hz / 1000000} MHz: min {min * 1e9 / hz:F0} ns, median {median * 1e9 / hz:F0} ns)");
        Assert.True(min > 0 && min <= median && median <= max, $"{min} {median} {max}");
    }
}
