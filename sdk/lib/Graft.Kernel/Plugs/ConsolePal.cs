using System;
using System.IO;
using System.Text;

namespace Graft.Kernel.Plugs;

/// <summary>
/// System.Console on the serial port. Every public member of
/// <c>System.Console</c> that reaches the operating system goes through the
/// internal <c>System.ConsolePal</c> (System.Console.dll, its Unix build in
/// the NativeAOT pack for linux-x64), whose Unix members call 25
/// <c>SystemNative_*</c> functions (termios, poll, read, write, terminfo).
/// These plugs replace exactly those members with <see cref="SerialConsole"/>,
/// so every Write/WriteLine overload, <c>Console.Out</c>, <c>Console.Error</c>,
/// <c>Console.In</c>, ReadLine, Read, ReadKey, KeyAvailable, colours, cursor,
/// title, Beep and Clear work unchanged in a kernel, and nothing of System.Native's
/// terminal code is linked. The members ConsolePal's Unix build already
/// answers without the system (NumberLock, MoveBufferArea, the window
/// setters: PlatformNotSupportedException, as on Linux) stay as they are.
/// </summary>
[Plug("System.ConsolePal, System.Console")]
public static class ConsolePalPlug
{
    /// <summary>Console.OpenStandardInput.</summary>
    [PlugMember] public static Stream OpenStandardInput() => SerialConsole.OpenInput();

    /// <summary>Console.OpenStandardOutput, and Console.Out's stream.</summary>
    [PlugMember] public static Stream OpenStandardOutput() => SerialConsole.OpenOutput();

    /// <summary>Console.OpenStandardError, and Console.Error's stream: the same port.</summary>
    [PlugMember] public static Stream OpenStandardError() => SerialConsole.OpenOutput();

    /// <summary>UTF-8 (no environment to read a charset from).</summary>
    [PlugMember] public static Encoding InputEncoding => SerialConsole.Encoding;

    /// <summary>UTF-8 (no environment to read a charset from).</summary>
    [PlugMember] public static Encoding OutputEncoding => SerialConsole.Encoding;

    /// <summary>Console.In (ReadLine, Read, Peek).</summary>
    [PlugMember] public static TextReader GetOrCreateReader() => SerialConsole.In;

    /// <summary>No terminal to set up: nothing to do.</summary>
    [PlugMember] public static void EnsureConsoleInitialized() { }

    /// <summary>The console is the serial port, never a file or a pipe.</summary>
    [PlugMember] public static bool IsInputRedirectedCore() => false;

    /// <inheritdoc cref="IsInputRedirectedCore"/>
    [PlugMember] public static bool IsOutputRedirectedCore() => false;

    /// <inheritdoc cref="IsInputRedirectedCore"/>
    [PlugMember] public static bool IsErrorRedirectedCore() => false;

    /// <summary>Console.KeyAvailable.</summary>
    [PlugMember] public static bool KeyAvailable => SerialConsole.KeyAvailable;

    /// <summary>Console.ReadKey.</summary>
    [PlugMember] public static ConsoleKeyInfo ReadKey(bool intercept) => SerialConsole.ReadKey(intercept);

    /// <summary>Console.TreatControlCAsInput.</summary>
    [PlugMember] public static bool TreatControlCAsInput
    {
        get => SerialConsole.TreatControlCAsInput;
        set => SerialConsole.TreatControlCAsInput = value;
    }

    /// <summary>Console.ForegroundColor: ANSI.</summary>
    [PlugMember] public static ConsoleColor ForegroundColor
    {
        get => SerialConsole.ForegroundColor;
        set => SerialConsole.ForegroundColor = value;
    }

    /// <summary>Console.BackgroundColor: ANSI.</summary>
    [PlugMember] public static ConsoleColor BackgroundColor
    {
        get => SerialConsole.BackgroundColor;
        set => SerialConsole.BackgroundColor = value;
    }

    /// <summary>Console.ResetColor.</summary>
    [PlugMember] public static void ResetColor() => SerialConsole.ResetColor();

    /// <summary>Console.Title: OSC 0.</summary>
    [PlugMember] public static string Title
    {
        get => SerialConsole.Title;
        set => SerialConsole.Title = value;
    }

    /// <summary>Console.Beep: BEL.</summary>
    [PlugMember] public static void Beep() => SerialConsole.Beep();

    /// <summary>Console.Clear.</summary>
    [PlugMember] public static void Clear() => SerialConsole.Clear();

    /// <summary>Console.SetCursorPosition (arguments checked by Console).</summary>
    [PlugMember] public static void SetCursorPosition(int left, int top) => SerialConsole.SetCursorPosition(left, top);

    /// <summary>Console.GetCursorPosition, CursorLeft, CursorTop.</summary>
    [PlugMember] public static (int Left, int Top) GetCursorPosition() => SerialConsole.CursorPosition;

    /// <summary>Console.CursorVisible.</summary>
    [PlugMember] public static bool CursorVisible
    {
        get => SerialConsole.CursorVisible;
        set => SerialConsole.CursorVisible = value;
    }

    /// <summary>Console.BufferWidth: the window's, as on Unix.</summary>
    [PlugMember] public static int BufferWidth => SerialConsole.WindowWidth;

    /// <summary>Console.BufferHeight: the window's, as on Unix.</summary>
    [PlugMember] public static int BufferHeight => SerialConsole.WindowHeight;

    /// <summary>Console.WindowWidth.</summary>
    [PlugMember] public static int WindowWidth => SerialConsole.WindowWidth;

    /// <summary>Console.WindowHeight.</summary>
    [PlugMember] public static int WindowHeight => SerialConsole.WindowHeight;

    /// <summary>Console.LargestWindowWidth.</summary>
    [PlugMember] public static int LargestWindowWidth => SerialConsole.WindowWidth;

    /// <summary>Console.LargestWindowHeight.</summary>
    [PlugMember] public static int LargestWindowHeight => SerialConsole.WindowHeight;
}
