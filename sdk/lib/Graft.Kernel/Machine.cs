namespace Graft.Kernel;

/// <summary>Stopping the machine.</summary>
public static class Machine
{
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
