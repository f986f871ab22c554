using System;
using System.Diagnostics;
using System.IO;
using System.Text;

// tests/sdk/run's console tests (issue 9 part 4): the same program on .NET
// and in a Graft kernel, its mode the first argument (the kernel's command
// line): output (the default), lines, keys, clock, members, feed (Feed.cs,
// in the kernel only).
static partial class Program
{
    sealed class Point
    {
        public int X, Y;
        public override string ToString() => $"Point({X}, {Y})";
    }

    static int Main(string[] args)
    {
        string mode = args.Length > 0 ? args[0] : "output";
        return mode switch
        {
            "lines" => Lines(),
            "keys" => Keys(),
            "clock" => Clock(),
            "members" => Members(),
            "feed" => Feed(),
            _ => Output(),
        };
    }

    static int Output()
    {
        Console.WriteLine("console: hello");
        Console.WriteLine();
        Console.Write("console: write ");
        Console.Write(42); Console.Write(' '); Console.Write(true); Console.Write(' ');
        Console.Write(3.25); Console.Write(' '); Console.Write(-7L); Console.Write(' ');
        Console.Write(12u); Console.Write(' '); Console.Write(99ul); Console.Write(' ');
        Console.Write(1.5f); Console.Write(' '); Console.Write(2.75m); Console.Write(' ');
        Console.Write(new[] { 'a', 'b', 'c' }); Console.Write(' ');
        Console.Write(new[] { 'w', 'x', 'y', 'z' }, 1, 2); Console.Write(' ');
        Console.Write((object)new Point { X = 1, Y = 2 }); Console.Write(' ');
        Console.Write((string)null); Console.Write((object)null);
        Console.WriteLine("|");
        Console.WriteLine(123);
        Console.WriteLine(false);
        Console.WriteLine('c');
        Console.WriteLine(1.0 / 3);
        Console.WriteLine(long.MinValue);
        Console.WriteLine(uint.MaxValue);
        Console.WriteLine(ulong.MaxValue);
        Console.WriteLine(-0.1f);
        Console.WriteLine(79228162514264337593543950335m);
        Console.WriteLine(new Point { X = -3, Y = 4 });
        Console.WriteLine(new[] { 'c', 'h', 'a', 'r', 's' });
        Console.WriteLine(new[] { 's', 'u', 'b', 's' }, 1, 2);
        Console.WriteLine((string)null);
        Console.WriteLine((object)null);
        Console.WriteLine("console: {0}", "one");
        Console.WriteLine("console: {0} {1}", 1, "two");
        Console.WriteLine("console: {0} {1} {2}", 1, 2.5, '3');
        Console.WriteLine("console: {0} {1} {2} {3} {4}", 1, 2, 3, 4, 5);
        Console.WriteLine("console: [{0,6}|{1,-6}|{2:X8}|{3:N2}|{4:P1}|{5:E3}]", 42, "ab", 255, 1234567.891, 0.256, 12345.678);
        Console.WriteLine("console: {0:D5} {1:F0} {2:G} {3:R} {4:C}", 42, 2.5, 1e21, 0.1, 9.99m);
        Console.WriteLine("console: {{braces}} {0}", "kept");
        Console.Write("console: {0}-", 1); Console.Write("{0}{1}-", 2, 3); Console.Write("{0}{1}{2}-", 4, 5, 6); Console.Write("{0}{1}{2}{3}\n", 7, 8, 9, 10);
        Console.WriteLine($"console: interpolated {Math.PI:F4} {DateTime.UnixEpoch:yyyy-MM-dd HH:mm} {TimeSpan.FromMinutes(90)} {Guid.Empty}");
        Console.WriteLine("console: bool {0} char {1} double {2} neg {3} enum {4}", false, 'Z', -0.5, -123, DayOfWeek.Friday);
        Console.WriteLine("console: utf-8 ünïcödé ✓ 𝄞 日本");
        Console.WriteLine(new StringBuilder("console: builder ").Append(5).Append('!'));
        Console.WriteLine("console: " + string.Join(",", new[] { 1, 2, 3 }) + " " + ConsoleColor.DarkCyan);
        Console.Out.WriteLine("console: Out {0} newline {1}", Console.Out.GetType().BaseType?.Name != null, Console.Out.NewLine.Length);
        Console.Out.Write("console: Out span\n".AsSpan());
        Console.Error.WriteLine("console: Error line");
        Console.Error.Write("console: Error "); Console.Error.WriteLine(7.5);
        TextWriter writer = Console.Out;
        writer.Write('['); writer.Write("writer"); writer.Write(']'); writer.WriteLine();
        Stream stdout = Console.OpenStandardOutput();
        stdout.Write(Encoding.UTF8.GetBytes("console: standard output stream\n"));
        stdout.Flush();
        Console.WriteLine("console: newline is \\n: " + (Environment.NewLine == "\n"));
        Console.WriteLine("console: done");
        return 42;
    }

    // Piped stdin: ReadLine, Read, Peek, ReadToEnd, then the end (null, -1).
    static int Lines()
    {
        Console.WriteLine("lines: first [" + Console.ReadLine() + "]");
        Console.WriteLine("lines: utf-8 [" + Console.ReadLine() + "]");
        Console.WriteLine("lines: empty [" + Console.ReadLine() + "]");
        int c = Console.Read();
        Console.WriteLine("lines: Read " + c + " '" + (char)c + "', Peek " + Console.In.Peek());
        Console.WriteLine("lines: rest [" + Console.In.ReadLine() + "]");
        Console.WriteLine("lines: In.ReadLine [" + Console.In.ReadLine() + "]");
        string rest = Console.In.ReadToEnd();
        Console.WriteLine("lines: ReadToEnd " + rest.Length + " [" + rest.Replace("\n", "|") + "]");
        Console.WriteLine("lines: after the end: ReadLine " + (Console.ReadLine() ?? "null") + ", Read " + Console.Read());
        return 43;
    }

    // Keys over serial: KeyAvailable, ReadKey (letters, Enter, arrows, Delete, Ctrl, Tab, UTF-8).
    static int Keys()
    {
        Console.TreatControlCAsInput = true;
        var wait = Stopwatch.StartNew();
        while (!Console.KeyAvailable && wait.ElapsedMilliseconds < 20000) { }
        Console.WriteLine("keys: KeyAvailable " + Console.KeyAvailable);
        for (int i = 0; i < 11; i++)
        {
            ConsoleKeyInfo key = Console.ReadKey(intercept: true);
            Console.WriteLine("keys: " + key.Key + " " + (int)key.KeyChar + " " + key.Modifiers);
        }
        Console.WriteLine("keys: KeyAvailable after " + Console.KeyAvailable);
        Console.ForegroundColor = ConsoleColor.Red;
        Console.Write("red");
        Console.ResetColor();
        Console.WriteLine(" keys: colour " + Console.ForegroundColor + ", title [" + (Console.Title = "graft") + "], cursor left " + Console.CursorLeft + ", window " + Console.WindowWidth + "x" + Console.WindowHeight);
        return 44;
    }

    // The rest of Console's members that reach ConsolePal, in the kernel.
    static int Members()
    {
        Console.CancelKeyPress += (sender, e) => { };
        Console.WriteLine("members: redirected " + Console.IsInputRedirected + " " + Console.IsOutputRedirected + " " + Console.IsErrorRedirected);
        Console.WriteLine("members: sizes " + Console.BufferWidth + "x" + Console.BufferHeight + " " + Console.LargestWindowWidth + "x" + Console.LargestWindowHeight);
        Console.SetCursorPosition(5, 2);
        Console.WriteLine("members: cursor " + Console.CursorLeft + "," + Console.CursorTop + " " + Console.GetCursorPosition());
        Console.CursorVisible = false;
        Console.WriteLine("members: visible " + Console.CursorVisible);
        Console.CursorVisible = true;
        Console.BackgroundColor = ConsoleColor.Blue;
        Console.WriteLine("members: background " + Console.BackgroundColor);
        Console.ResetColor();
        Console.Beep();
        Console.Clear();
        Console.OutputEncoding = Encoding.UTF8;
        Console.WriteLine("members: encodings " + Console.OutputEncoding.WebName + " " + Console.InputEncoding.WebName);
        var captured = new StringWriter();
        TextWriter original = Console.Out;
        Console.SetOut(captured);
        Console.Write("captured");
        Console.SetOut(original);
        Console.WriteLine("members: SetOut " + captured);
        Console.SetIn(new StringReader("from a string\n"));
        Console.WriteLine("members: SetIn " + Console.ReadLine());
        using (Stream input = Console.OpenStandardInput())
            Console.WriteLine("members: standard input " + input.CanRead + " " + input.CanWrite);
        using (Stream error = Console.OpenStandardError(16))
            error.Write(Encoding.UTF8.GetBytes("members: standard error\n"));
        Console.WriteLine("members: local time " + DateTime.Now.ToString("yyyy") + " " + (DateTime.Now.Kind == DateTimeKind.Local));
        return 46;
    }

    static int Feed()
    {
        int code = 0;
        FeedInput(ref code);
        return code;
    }

    // A driver's input, fed through Graft.Kernel.ConsoleInput (Feed.cs).
    static partial void FeedInput(ref int code);

    // Environment and time: the host compares them with its own clock.
    static int Clock()
    {
        Console.WriteLine("clock: newline " + (int)Environment.NewLine[0] + " machine " + Environment.MachineName + " cpus " + Environment.ProcessorCount);
        Console.WriteLine("clock: utc " + DateTimeOffset.UtcNow.ToUnixTimeSeconds() + " " + DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm:ss") + " local offset " + TimeZoneInfo.Local.BaseUtcOffset);
        long tick = Environment.TickCount64;
        DateTime start = DateTime.UtcNow;
        Console.WriteLine("clock: busy wait start");
        var stopwatch = Stopwatch.StartNew();
        while (stopwatch.ElapsedMilliseconds < 2000) { }
        stopwatch.Stop();
        long ticks = Environment.TickCount64 - tick;
        long utc = (long)(DateTime.UtcNow - start).TotalMilliseconds;
        Console.WriteLine("clock: busy wait end");
        Console.WriteLine("clock: stopwatch " + stopwatch.ElapsedMilliseconds + " ms, frequency " + Stopwatch.Frequency + ", high resolution " + Stopwatch.IsHighResolution + ", TickCount64 " + ticks + " ms, UtcNow " + utc + " ms");
        return 45;
    }
}
