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
#else
    internal static void WriteLine(string line) => Graft.Kernel.Serial.WriteLine(line);

    internal static string CommandLine => Graft.Kernel.Machine.CommandLine;

    internal static void Exit(int status) => Graft.Kernel.Machine.Exit(status);
#endif
}
