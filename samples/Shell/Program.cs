using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using Graft.Kernel;

namespace Shell;

// A small interactive shell, running as the kernel itself. Console.ReadLine
// reads what is typed on the serial line (the terminal `dotnet run` runs in)
// or on the PS/2 keyboard (a QEMU window); Console.WriteLine writes to the
// serial line. Main's return value (`exit 3`) ends the boot: QEMU exits, and
// `dotnet run` with it, with that code.
static class Program
{
    // A command: what `help` says about it, and what it does with the rest of the line.
    record Command(string Usage, string Help, Action<string> Run);

    static readonly Dictionary<string, Command> s_commands = new()
    {
        ["help"] = new("help", "this list", Help),
        ["echo"] = new("echo <text>", "prints the text", text => Console.WriteLine(text)),
        ["time"] = new("time", "the date and time (the CMOS clock, UTC)", Time),
        ["uptime"] = new("uptime", "time since boot", Uptime),
        ["mem"] = new("mem", "the managed heap and the machine's memory", Mem),
        ["gc"] = new("gc", "runs the collector, says what it freed", Collect),
        ["threads"] = new("threads", "the kernel's threads", ListThreads),
        ["spin"] = new("spin", "starts a thread that counts in the background", Spin),
        ["sleep"] = new("sleep <ms>", "sleeps, then says how long it took", Sleep),
        ["exit"] = new("exit [code]", "ends the boot; QEMU exits with the code", Exit),
    };

    static int? s_exitCode;

    static int Main()
    {
        s_known[Threads.CurrentId] = new KnownThread("main (this shell)");
        Console.WriteLine("Graft shell. Type help for the commands.");
        while (s_exitCode is null)
        {
            Console.Write("> ");
            ulong keysBefore = Keyboard.ScancodesReceived;
            string? line = Console.ReadLine();
            if (line is null) // the input ended (Ctrl+D)
            {
                Console.WriteLine();
                return 0;
            }
            if (Keyboard.ScancodesReceived != keysBefore)
                Console.WriteLine(line); // typed on the PS/2 keyboard: no terminal showed it
            Execute(line);
        }
        return s_exitCode.Value;
    }

    static void Execute(string line)
    {
        string[] words = line.Trim().Split(' ', 2);
        string name = words[0], rest = words.Length > 1 ? words[1].Trim() : "";
        if (name == "")
            return;
        if (!s_commands.TryGetValue(name, out Command? command))
        {
            Console.WriteLine($"{name}: unknown command (help lists them)");
            return;
        }
        try
        {
            command.Run(rest);
        }
        catch (Exception e) // a command's mistake ends the command, not the shell
        {
            Console.WriteLine($"{name}: {e.Message}");
        }
    }

    static void Help(string _)
    {
        foreach (Command command in s_commands.Values)
            Console.WriteLine($"  {command.Usage,-12} {command.Help}");
    }

    static void Time(string _) => Console.WriteLine(DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm:ss 'UTC'"));

    static void Uptime(string _)
    {
        long ms = Environment.TickCount64;
        Console.WriteLine($"up {TimeSpan.FromMilliseconds(ms).ToString(@"hh\:mm\:ss\.fff")} ({ms} ms)");
    }

    static void Mem(string _)
    {
        HeapFigures heap = Heap.Figures;
        long inUse = GC.GetTotalMemory(forceFullCollection: false);
        Console.WriteLine($"heap: {Size(heap.HeapBytes)} held, {Size((ulong)inUse)} in use, " +
                          $"{heap.Collections} collections, {Size(heap.AllocatedBytes)} allocated since boot");
        ulong free = Memory.FreeFrameCount, total = Memory.TotalFrameCount;
        Console.WriteLine($"memory: {free} of {total} page frames free ({Size(free * Memory.PageSize)} of {Size(total * Memory.PageSize)}), " +
                          $"native blocks {Size(Memory.NativeBytesInUse)}, virtual ranges {Size(Memory.VirtualBytesInUse)}");
    }

    static void Collect(string _)
    {
        long before = GC.GetTotalMemory(forceFullCollection: false);
        GC.Collect();
        long after = GC.GetTotalMemory(forceFullCollection: false);
        HeapFigures heap = Heap.Figures;
        Console.WriteLine($"collection {heap.Collections}: {Size((ulong)before)} -> {Size((ulong)after)}, " +
                          $"{Size((ulong)Math.Max(0, before - after))} freed in {heap.LastPauseNanoseconds / 1000} us");
    }

    // The threads this shell knows, by kernel thread id (Threads.CurrentId):
    // itself, and the spinners with what each has counted to.
    sealed class KnownThread(string name, bool counts = false)
    {
        public readonly string Name = name;
        public readonly bool Counts = counts;
        public long Count;
    }

    static readonly Dictionary<ulong, KnownThread> s_known = new();

    static void ListThreads(string _)
    {
        Console.WriteLine("  id  state                 stack used          name");
        foreach (KernelThreadInfo thread in Threads.List())
        {
            string state = thread.IsTimedWait ? $"sleeping, {thread.WakesIn.TotalMilliseconds:F0} ms left" : thread.State.ToString().ToLowerInvariant();
            string name = "";
            lock (s_known)
                if (s_known.TryGetValue(thread.Id, out KnownThread? known))
                    name = known.Counts ? $"{known.Name}, counted to {Interlocked.Read(ref known.Count):N0}" : known.Name;
            Console.WriteLine($"  {thread.Id,2}  {state,-20}  {Size(thread.StackUsedBytes),8} of {Size(thread.StackBytes),-8}  {name}");
        }
    }

    // A background thread (it does not keep the kernel running, as on .NET)
    // that counts for ever: `threads` shows it progressing while the shell runs,
    // because the timer preempts whichever thread is on the CPU.
    static void Spin(string _)
    {
        KnownThread spinner;
        lock (s_known)
            spinner = new KnownThread($"spinner {s_known.Count}", counts: true);
        using var started = new ManualResetEventSlim();
        var thread = new Thread(() =>
        {
            lock (s_known)
                s_known[Threads.CurrentId] = spinner;
            started.Set();
            while (true)
                Interlocked.Increment(ref spinner.Count);
        }) { IsBackground = true, Name = spinner.Name };
        thread.Start();
        started.Wait();
        Console.WriteLine($"{spinner.Name} started: see threads");
    }

    static void Sleep(string argument)
    {
        if (!int.TryParse(argument, out int ms) || ms < 0)
            throw new ArgumentException($"'{argument}' is not a number of milliseconds");
        var stopwatch = Stopwatch.StartNew();
        Thread.Sleep(ms);
        Console.WriteLine($"slept {stopwatch.Elapsed.TotalMilliseconds:F1} ms");
    }

    static void Exit(string argument)
    {
        int code = 0;
        if (argument != "" && !int.TryParse(argument, out code))
            throw new ArgumentException($"'{argument}' is not an exit code");
        s_exitCode = code;
    }

    static string Size(ulong bytes) => bytes switch
    {
        < 10 << 10 => $"{bytes} bytes",
        < 10 << 20 => $"{bytes >> 10} KiB",
        _ => $"{bytes >> 20} MiB",
    };
}
