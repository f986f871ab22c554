using System;
using System.Runtime.InteropServices;

namespace Graft.Kernel;

/// <summary>What a kernel thread is doing (sdk/runtime/threads, README "Threads").</summary>
public enum KernelThreadState
{
    /// <summary>In the run queue, waiting for the CPU.</summary>
    Ready = 0,
    /// <summary>On the CPU: the thread that asked.</summary>
    Running = 1,
    /// <summary>Blocked: on a lock, a condition, <c>Join</c>, or <c>Thread.Sleep</c> (a timed wait).</summary>
    Waiting = 2,
}

/// <summary>One kernel thread as <see cref="Threads.List"/> saw it.</summary>
[StructLayout(LayoutKind.Sequential)]
public readonly struct KernelThreadInfo
{
    /// <summary>The kernel's number for the thread (the boot thread, which runs Main, is 1); not <c>ManagedThreadId</c>.</summary>
    public readonly ulong Id;
    /// <summary>Ready, running or waiting.</summary>
    public readonly KernelThreadState State;
    readonly int _timed;
    readonly ulong _wakeInNanoseconds;
    /// <summary>The size of its stack, the guard page below it not counted.</summary>
    public readonly ulong StackBytes;
    /// <summary>Bytes of its stack in use: from the top down to its stack pointer.</summary>
    public readonly ulong StackUsedBytes;

    /// <summary>Whether it waits with a deadline (<c>Thread.Sleep</c>, a wait with a timeout).</summary>
    public bool IsTimedWait => _timed != 0;

    /// <summary>A timed wait's time left to its deadline (zero when due, or for other states).</summary>
    public TimeSpan WakesIn => TimeSpan.FromTicks((long)(_wakeInNanoseconds / 100));
}

/// <summary>
/// The kernel's threads (sdk/runtime/threads): every live thread, started
/// with <c>System.Threading.Thread</c>, <c>Task</c> or the thread pool, or
/// the boot thread that runs Main. One CPU runs them, preempted by the timer.
/// </summary>
public static unsafe class Threads
{
    /// <summary>The running thread's kernel number (<see cref="KernelThreadInfo.Id"/>).</summary>
    public static ulong CurrentId => CurrentOSThreadId();

    /// <summary>A snapshot of every live thread (ended ones left out), by <see cref="KernelThreadInfo.Id"/>.</summary>
    public static KernelThreadInfo[] List()
    {
        var threads = new KernelThreadInfo[16];
        while (true)
        {
            int count;
            fixed (KernelThreadInfo* buffer = threads)
                count = Snapshot(buffer, threads.Length);
            if (count <= threads.Length)
            {
                Array.Resize(ref threads, count);
                Array.Sort(threads, (a, b) => a.Id.CompareTo(b.Id));
                return threads;
            }
            threads = new KernelThreadInfo[count + 16]; // more threads than room: again, larger
        }
    }

    [DllImport("*", EntryPoint = "graft_threads_snapshot"), SuppressGCTransition]
    static extern int Snapshot(KernelThreadInfo* threads, int capacity);

    [DllImport("*", EntryPoint = "RhCurrentOSThreadId"), SuppressGCTransition]
    static extern ulong CurrentOSThreadId();
}
