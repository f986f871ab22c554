using System;
using System.IO;
using System.Text;

namespace Graft.Kernel;

/// <summary>
/// System.Console in a kernel: COM1 as a terminal. The plugs in
/// Plugs/ConsolePal.cs route every <c>Console</c> member here, so
/// <c>Console.WriteLine</c>, <c>Console.Out</c>, <c>Console.Error</c> (the
/// same port), <c>ReadLine</c>, <c>ReadKey</c>, colours, the cursor and the
/// title work on the serial port: text as UTF-8 ("\n" goes out as "\r\n"),
/// colours, cursor and title as ANSI sequences. Input comes from
/// <see cref="ConsoleInput"/>; a 0x04 byte (Ctrl+D, which <c>graft run</c>
/// sends when its piped stdin ends) is the end of the input for
/// <c>ReadLine</c>, <c>Read</c> and <see cref="OpenInput"/>, as on a Unix terminal.
/// </summary>
public static unsafe class SerialConsole
{
    static readonly UTF8Encoding s_encoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);
    static TextReader? s_in;
    static ConsoleColor s_foreground = ConsoleColor.Gray, s_background = ConsoleColor.Black;
    static string s_title = "";
    static bool s_cursorVisible = true;
    static int s_left, s_top;

    /// <summary>The console's encoding, input and output: UTF-8 without a preamble.</summary>
    public static Encoding Encoding => s_encoding;

    /// <summary>The terminal's size as the kernel assumes it (a serial line cannot ask without a reply): 80 by 25 unless set.</summary>
    public static int WindowWidth { get; set; } = 80;

    /// <inheritdoc cref="WindowWidth"/>
    public static int WindowHeight { get; set; } = 25;

    /// <summary>A write-only stream to the console (<c>Console.OpenStandardOutput</c> and <c>OpenStandardError</c>).</summary>
    public static Stream OpenOutput() => new SerialConsoleStream();

    /// <summary>A read-only stream of the console's input bytes (<c>Console.OpenStandardInput</c>); it ends at 0x04.</summary>
    public static Stream OpenInput() => new ConsoleInputStream();

    /// <summary>The console's text reader (<c>Console.In</c>): UTF-8, lines end at "\n", "\r" or "\r\n"; Backspace removes a character of the line being read.</summary>
    public static TextReader In => s_in ??= new ConsoleTextReader();

    /// <summary>Writes bytes as they are ("\n" as "\r\n"), following the cursor.</summary>
    public static void Write(ReadOnlySpan<byte> bytes)
    {
        Track(bytes);
        fixed (byte* p = bytes)
            ConsoleNative.Write(p, bytes.Length);
    }

    /// <summary>Writes a terminal control sequence: not text, so the cursor the kernel follows stays.</summary>
    public static void WriteControl(string sequence)
    {
        byte[] bytes = s_encoding.GetBytes(sequence);
        fixed (byte* p = bytes)
            ConsoleNative.Write(p, bytes.Length);
    }

    /// <summary>Whether a key is waiting (<c>Console.KeyAvailable</c>).</summary>
    public static bool KeyAvailable => ConsoleText.Available;

    /// <summary>
    /// The next key (<c>Console.ReadKey</c>). The kernel echoes nothing, with
    /// or without <paramref name="intercept"/>: the terminal at the other end
    /// shows what is typed (<c>graft run</c> leaves its echo on), as it does
    /// for <c>ReadLine</c>.
    /// </summary>
    public static ConsoleKeyInfo ReadKey(bool intercept) => ConsoleKeys.Read();

    /// <summary>
    /// <c>Console.CancelKeyPress</c>'s handlers, kept and never called: no
    /// signal interrupts a kernel, Ctrl+C arrives as a byte of the input.
    /// </summary>
    public static event ConsoleCancelEventHandler? CancelKeyPress
    {
        add => s_cancelKeyPress += value;
        remove => s_cancelKeyPress -= value;
    }

    static ConsoleCancelEventHandler? s_cancelKeyPress;

    /// <summary>Ctrl+C is a key like any other: no signal interrupts a kernel (<c>Console.TreatControlCAsInput</c> keeps what is set).</summary>
    public static bool TreatControlCAsInput { get; set; }

    /// <summary>The text colour; setting it writes its ANSI sequence.</summary>
    public static ConsoleColor ForegroundColor
    {
        get => s_foreground;
        set
        {
            s_foreground = value;
            WriteControl("\x1b[" + AnsiColor(value, background: false) + "m");
        }
    }

    /// <summary>The background colour; setting it writes its ANSI sequence.</summary>
    public static ConsoleColor BackgroundColor
    {
        get => s_background;
        set
        {
            s_background = value;
            WriteControl("\x1b[" + AnsiColor(value, background: true) + "m");
        }
    }

    /// <summary>Back to the terminal's own colours (SGR 0).</summary>
    public static void ResetColor()
    {
        s_foreground = ConsoleColor.Gray;
        s_background = ConsoleColor.Black;
        WriteControl("\x1b[0m");
    }

    /// <summary>The window title (OSC 0); reading gives what was set.</summary>
    public static string Title
    {
        get => s_title;
        set
        {
            s_title = value;
            WriteControl("\x1b]0;" + value + "\x07");
        }
    }

    /// <summary>Rings the terminal's bell (BEL).</summary>
    public static void Beep() => WriteControl("\x07");

    /// <summary>Clears the screen and homes the cursor.</summary>
    public static void Clear()
    {
        WriteControl("\x1b[H\x1b[2J");
        s_left = s_top = 0;
    }

    /// <summary>Moves the cursor (CUP, zero-based as <c>Console.SetCursorPosition</c>).</summary>
    public static void SetCursorPosition(int left, int top)
    {
        WriteControl("\x1b[" + (top + 1).ToString() + ";" + (left + 1).ToString() + "H");
        s_left = left;
        s_top = top;
    }

    /// <summary>
    /// Where the cursor is, followed through what was written (a serial line
    /// has no answer to ask for it without a terminal on the other end).
    /// </summary>
    public static (int Left, int Top) CursorPosition => (s_left, s_top);

    /// <summary>Shows or hides the cursor (DECTCEM); reading gives what was set.</summary>
    public static bool CursorVisible
    {
        get => s_cursorVisible;
        set
        {
            s_cursorVisible = value;
            WriteControl(value ? "\x1b[?25h" : "\x1b[?25l");
        }
    }

    // SGR colour numbers in ConsoleColor's order, as .NET's terminal writes them.
    static int AnsiColor(ConsoleColor color, bool background)
    {
        ReadOnlySpan<byte> foreground = [30, 34, 32, 36, 31, 35, 33, 37, 90, 94, 92, 96, 91, 95, 93, 97];
        int code = foreground[(int)color & 15];
        return background ? code + 10 : code;
    }

    static void Track(ReadOnlySpan<byte> bytes)
    {
        foreach (byte b in bytes)
        {
            switch (b)
            {
                case (byte)'\n':
                    s_left = 0;
                    s_top = Math.Min(s_top + 1, WindowHeight - 1);
                    break;
                case (byte)'\r':
                    s_left = 0;
                    break;
                case (byte)'\b':
                    s_left = Math.Max(s_left - 1, 0);
                    break;
                case >= 0x80 and < 0xC0: // a UTF-8 continuation byte: no column of its own
                    break;
                case < 0x20:
                    break;
                default:
                    if (++s_left >= WindowWidth)
                    {
                        s_left = 0;
                        s_top = Math.Min(s_top + 1, WindowHeight - 1);
                    }
                    break;
            }
        }
    }
}
