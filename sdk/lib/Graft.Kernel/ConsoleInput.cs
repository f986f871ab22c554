using System;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Graft.Kernel;

/// <summary>
/// The console's input bytes, what <c>Console.ReadLine</c>, <c>Read</c>,
/// <c>ReadKey</c> and <c>KeyAvailable</c> read in a kernel (through the plugs
/// in Plugs/ConsolePal.cs). Two sources: bytes a driver feeds (a keyboard's,
/// with <see cref="Feed(byte)"/>) come first, then the console's native input
/// (sdk/runtime/interop/console.c: the PS/2 keyboard's keys, then the bytes
/// COM1 receives, polled; <c>graft run</c> passes the terminal's keystrokes
/// and piped stdin there). A reader waiting for input lets other ready
/// threads run (and polls again when the timer preempts them); with none
/// ready it halts the CPU until a key, a COM1 byte (IRQ 4) or the timer's tick.
/// </summary>
public static unsafe class ConsoleInput
{
    const int Capacity = 256;
    static readonly byte[] s_fed = new byte[Capacity];
    // One writer (Feed) moves s_fedEnd, one reader moves s_fedStart: a
    // keyboard's interrupt handler may feed while the kernel reads.
    static volatile int s_fedStart, s_fedEnd;
    static int s_pushedBack = -1;

    /// <summary>
    /// Queues a byte for the console's readers; false when the queue (255
    /// bytes) is full. One feeder at a time; an interrupt handler may feed
    /// while the kernel reads.
    /// </summary>
    public static bool Feed(byte value)
    {
        int end = s_fedEnd, next = (end + 1) % Capacity;
        if (next == s_fedStart)
            return false;
        s_fed[end] = value;
        s_fedEnd = next;
        return true;
    }

    /// <summary>Queues <paramref name="text"/> as UTF-8; returns how many bytes fitted.</summary>
    public static int Feed(string text)
    {
        int fed = 0;
        foreach (byte b in System.Text.Encoding.UTF8.GetBytes(text))
        {
            if (!Feed(b))
                break;
            fed++;
        }
        return fed;
    }

    /// <summary>Whether a byte can be read without waiting.</summary>
    public static bool Available => s_pushedBack >= 0 || s_fedStart != s_fedEnd || ConsoleNative.KeyAvailable() != 0;

    /// <summary>The next input byte; waits for one.</summary>
    public static byte Read()
    {
        while (true)
        {
            if (TryTake(out byte value))
                return value;
            ConsoleNative.Wait();
        }
    }

    /// <summary>The next input byte if one comes within <paramref name="milliseconds"/>.</summary>
    public static bool TryRead(int milliseconds, out byte value)
    {
        long end = Stopwatch.GetTimestamp() + milliseconds * Stopwatch.Frequency / 1000;
        while (!TryTake(out value))
        {
            if (Stopwatch.GetTimestamp() >= end)
                return false;
            ConsoleNative.Wait();
        }
        return true;
    }

    /// <summary>Makes <paramref name="value"/> the next byte read again (one byte of look-ahead).</summary>
    internal static void PushBack(byte value) => s_pushedBack = value;

    static bool TryTake(out byte value)
    {
        if (s_pushedBack >= 0)
        {
            value = (byte)s_pushedBack;
            s_pushedBack = -1;
            return true;
        }
        int start = s_fedStart;
        if (start != s_fedEnd)
        {
            value = s_fed[start];
            s_fedStart = (start + 1) % Capacity;
            return true;
        }
        if (ConsoleNative.KeyAvailable() != 0)
        {
            value = (byte)ConsoleNative.ReadByte();
            return true;
        }
        value = 0;
        return false;
    }
}

/// <summary>sdk/runtime/interop/console.c, called directly (DllImport "*").</summary>
internal static unsafe class ConsoleNative
{
    [DllImport("*", EntryPoint = "graft_console_write"), SuppressGCTransition]
    internal static extern void Write(byte* bytes, int length);

    [DllImport("*", EntryPoint = "graft_console_key_available"), SuppressGCTransition]
    internal static extern int KeyAvailable();

    [DllImport("*", EntryPoint = "graft_console_read_byte"), SuppressGCTransition]
    internal static extern int ReadByte();

    // Runs the ready threads, else halts until a key, a COM1 byte (IRQ 4) or the timer's tick (100 Hz) may have come.
    [DllImport("*", EntryPoint = "graft_console_wait"), SuppressGCTransition]
    internal static extern void Wait();
}
