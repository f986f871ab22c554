using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

[assembly: DisableRuntimeMarshalling]

namespace Graft.Kernel;

/// <summary>
/// The native functions of Graft's kernel runtime (sdk/runtime/interop/kernel_api.c).
/// "*" makes ILC emit a direct call to the symbol, resolved by the linker;
/// no GC transition is needed: nothing here blocks or calls back.
/// </summary>
internal static unsafe class Native
{
    [DllImport("*", EntryPoint = "graft_serial_write_utf16"), SuppressGCTransition]
    internal static extern void SerialWriteUtf16(char* text, int length);

    [DllImport("*", EntryPoint = "graft_port_in8"), SuppressGCTransition]
    internal static extern byte In8(ushort port);

    [DllImport("*", EntryPoint = "graft_port_in16"), SuppressGCTransition]
    internal static extern ushort In16(ushort port);

    [DllImport("*", EntryPoint = "graft_port_in32"), SuppressGCTransition]
    internal static extern uint In32(ushort port);

    [DllImport("*", EntryPoint = "graft_port_out8"), SuppressGCTransition]
    internal static extern void Out8(ushort port, byte value);

    [DllImport("*", EntryPoint = "graft_port_out16"), SuppressGCTransition]
    internal static extern void Out16(ushort port, ushort value);

    [DllImport("*", EntryPoint = "graft_port_out32"), SuppressGCTransition]
    internal static extern void Out32(ushort port, uint value);

    [DllImport("*", EntryPoint = "graft_machine_exit"), SuppressGCTransition]
    internal static extern void Exit(int code);

    [DllImport("*", EntryPoint = "graft_machine_halt"), SuppressGCTransition]
    internal static extern void Halt();

    [DllImport("*", EntryPoint = "graft_boot_command_line"), SuppressGCTransition]
    internal static extern int CommandLine(byte** text);
}
