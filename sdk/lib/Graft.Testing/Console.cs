namespace Graft.Testing;

/// <summary>
/// Where the runner writes, reads its options and exits: the serial console, the kernel command
/// line and QEMU's exit port in a kernel; stdout, the program's arguments and the process exit
/// code when the same sources are built for .NET with GRAFT_TESTING_HOST (tests/csharp/HostRun,
/// which proves the expected values are .NET's).
/// </summary>
internal static class TestConsole
{
#if GRAFT_TESTING_HOST
    internal static void WriteLine(string line)
    {
        System.Console.Out.Write(line + "\n");
        System.Console.Out.Flush();
    }

    internal static string CommandLine => string.Join(" ", System.Environment.GetCommandLineArgs(), 1, System.Environment.GetCommandLineArgs().Length - 1);

    internal static void Exit(int status) => System.Environment.Exit(status);

    internal static void WriteException(System.Exception e) => WriteLine(e.ToString());
#else
    internal static void WriteLine(string line) => Graft.Kernel.Serial.WriteLine(line);

    internal static string CommandLine => Graft.Kernel.Machine.CommandLine;

    internal static void Exit(int status) => Graft.Kernel.Machine.Exit(status);

    /// <summary>
    /// The exception as CoreLib writes it, each frame line of its own trace ("   at M() + 0x13")
    /// followed by the frame's code address ("[0x1054f2]": the call, return address - 1), the
    /// form graft run and graft symbolize turn into "in File.cs:line N" (sdk/runtime's
    /// stack_report.c adds the same to an unhandled exception's report). Frames are paired
    /// with lines by their offset, in order; inner exceptions' lines stay as written.
    /// </summary>
    internal static void WriteException(System.Exception e)
    {
        System.Diagnostics.StackFrame[] frames = new System.Diagnostics.StackTrace(e, false).GetFrames();
        string[] lines = e.ToString().Split('\n');
        int own = 0; // the outer exception's frames follow the last inner trace
        for (int i = 0; i < lines.Length; i++)
            if (lines[i].Contains("--- End of inner exception stack trace ---", System.StringComparison.Ordinal))
                own = i + 1;
        int next = 0;
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i].TrimEnd('\r');
            int plus = line.LastIndexOf(" + 0x", System.StringComparison.Ordinal);
            if (i >= own && plus > 0 && line.TrimStart().StartsWith("at ", System.StringComparison.Ordinal)
                && int.TryParse(System.MemoryExtensions.AsSpan(line, plus + 5), System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture, out int offset))
            {
                for (int f = next; f < frames.Length; f++)
                {
                    if (frames[f].GetNativeOffset() != offset)
                        continue;
                    ulong ip = (ulong)System.Diagnostics.StackFrameExtensions.GetNativeIP(frames[f]);
                    line += " [0x" + (ip - 1).ToString("x", System.Globalization.CultureInfo.InvariantCulture) + "]";
                    next = f + 1;
                    break;
                }
            }
            WriteLine(line);
        }
    }
#endif
}
