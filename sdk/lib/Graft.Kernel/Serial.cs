namespace Graft.Kernel;

/// <summary>The COM1 serial port (115200 8N1), the kernel's first console.</summary>
public static unsafe class Serial
{
    /// <summary>Writes <paramref name="text"/> as UTF-8; "\n" goes out as "\r\n".</summary>
    public static void Write(string? text)
    {
        if (text is null)
            return;
        fixed (char* p = text)
            Native.SerialWriteUtf16(p, text.Length);
    }

    /// <summary>Writes <paramref name="text"/> then a line break.</summary>
    public static void WriteLine(string? text)
    {
        Write(text);
        Write("\n");
    }

    /// <summary>Writes a line break.</summary>
    public static void WriteLine() => Write("\n");
}
