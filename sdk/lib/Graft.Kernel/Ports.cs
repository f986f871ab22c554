namespace Graft.Kernel;

/// <summary>x86 I/O ports (IN and OUT instructions).</summary>
public static class Ports
{
    /// <summary>Reads a byte from <paramref name="port"/> (inb).</summary>
    public static byte In8(ushort port) => Native.In8(port);
    /// <summary>Reads 16 bits from <paramref name="port"/> (inw).</summary>
    public static ushort In16(ushort port) => Native.In16(port);
    /// <summary>Reads 32 bits from <paramref name="port"/> (inl).</summary>
    public static uint In32(ushort port) => Native.In32(port);
    /// <summary>Writes a byte to <paramref name="port"/> (outb).</summary>
    public static void Out8(ushort port, byte value) => Native.Out8(port, value);
    /// <summary>Writes 16 bits to <paramref name="port"/> (outw).</summary>
    public static void Out16(ushort port, ushort value) => Native.Out16(port, value);
    /// <summary>Writes 32 bits to <paramref name="port"/> (outl).</summary>
    public static void Out32(ushort port, uint value) => Native.Out32(port, value);
}
