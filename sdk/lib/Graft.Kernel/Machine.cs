namespace Graft.Kernel;

/// <summary>The machine: its boot command line, stopping it.</summary>
public static unsafe class Machine
{
    /// <summary>
    /// The command line the boot loader passed to the kernel (for a Graft
    /// image, <c>graft image --cmdline</c>); empty if none.
    /// </summary>
    public static string CommandLine
    {
        get
        {
            byte* text;
            int length = Native.CommandLine(&text);
            return System.Text.Encoding.UTF8.GetString(text, length);
        }
    }

    /// <summary>
    /// Writes <paramref name="code"/> to QEMU's isa-debug-exit port (0xf4):
    /// QEMU exits with status (code &lt;&lt; 1) | 1. On hardware nothing listens
    /// there and the CPU halts for good. Never returns.
    /// </summary>
    public static void Exit(int code)
    {
        Native.Exit(code);
        while (true) { }
    }

    /// <summary>Stops the CPU for good (interrupts off, hlt). Never returns.</summary>
    public static void Halt()
    {
        Native.Halt();
        while (true) { }
    }
}
