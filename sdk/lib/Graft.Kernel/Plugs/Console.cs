using System;

namespace Graft.Kernel.Plugs;

/// <summary>
/// <c>Console.CancelKeyPress</c> without POSIX signals: on Linux adding a
/// handler registers SIGINT and SIGQUIT handlers (threads, a signal pipe),
/// none of which a kernel has. A kernel gets Ctrl+C as a byte on its serial
/// input, so the handlers are kept and never called; ReadKey returns Ctrl+C
/// as a key.
/// </summary>
[Plug(typeof(Console))]
public static class ConsolePlug
{
    /// <summary>Console.CancelKeyPress's add accessor.</summary>
    [PlugMember] public static void add_CancelKeyPress(ConsoleCancelEventHandler? value) => SerialConsole.CancelKeyPress += value;

    /// <summary>Console.CancelKeyPress's remove accessor.</summary>
    [PlugMember] public static void remove_CancelKeyPress(ConsoleCancelEventHandler? value) => SerialConsole.CancelKeyPress -= value;
}
