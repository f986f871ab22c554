// A representative plug set on System.Private.CoreLib for benches/patch-bench:
// the kinds of plugs a kernel needs (time, environment, console-adjacent
// CoreLib members), each rule at least once: replaced static and instance
// methods, property getters, a constructor, added helpers and fields, a new
// instance field and a private field accessor. Compiled against the
// reference assemblies, as a kernel's plugs are.
using System;
using System.Diagnostics;
using System.Text;
using Graft;

[Plug(typeof(Environment))]
public static class BenchEnvironmentPlug
{
    [PlugMember("get_TickCount64")] public static long TickCount64() => Ticks();
    [PlugMember("get_TickCount")] public static int TickCount() => (int)Ticks();
    [PlugMember("get_ProcessorCount")] public static int ProcessorCount() => 1;
    [PlugMember("get_MachineName")] public static string MachineName() => "graft";
    [PlugMember("get_NewLine")] public static string NewLine() => "\n";
    [PlugMember] public static void FailFast(string message) { while (true) { } }
    private static long s_ticks;
    private static long Ticks() => ++s_ticks;
}

[Plug(typeof(DateTime))]
public static class BenchDateTimePlug
{
    [PlugMember("get_UtcNow")] public static DateTime UtcNow() => new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
}

[Plug(typeof(Stopwatch))]
public static class BenchStopwatchPlug
{
    [PlugMember] public static long GetTimestamp() => s_now++;
    [PlugMember] public static long GetFrequency() => 1_000_000_000;
    private static long s_now;
}

[Plug(typeof(TimeZoneInfo))]
public static class BenchTimeZonePlug
{
    [PlugMember(IsOptional = true)] public static TimeZoneInfo GetLocalTimeZoneCore() => TimeZoneInfo.Utc;
}

[Plug(typeof(Version))]
public static class BenchVersionPlug
{
    [PlugMember] public static string ToString(Version aThis) => aThis.Major + "." + aThis.Minor + Mark(aThis);
    [PlugMember] public static void Ctor(Version aThis, int major, int minor) { Major(aThis) = major; Minor(aThis) = minor; Seen(aThis) = 1; }
    [PlugMember("_Major")] private static extern ref int Major(Version aThis);
    [PlugMember("_Minor")] private static extern ref int Minor(Version aThis);
    private static extern ref int Seen(Version aThis);
    private static string Mark(Version v) => Seen(v) == 1 ? "" : "?";
}

[Plug(typeof(StringBuilder))]
public static class BenchStringBuilderPlug
{
    [PlugMember] public static StringBuilder AppendLine(StringBuilder aThis) => aThis.Append('\n');
}

[Plug(typeof(Math))]
public static class BenchMathPlug
{
    [PlugMember] public static int Max(int a, int b) => a > b ? a : b;
    [PlugMember] public static long Max(long a, long b) => a > b ? a : b;
    [PlugMember] public static int Min(int a, int b) => a < b ? a : b;
}

[Plug(typeof(GC))]
public static class BenchGCPlug
{
    [PlugMember] public static void Collect() { }
    [PlugMember] public static long GetTotalMemory(bool forceFullCollection) => 0;
}
