// Plugs on CoreLib types: a public instance method, a static property and
// a static method, compiled against System.Runtime's reference assembly.
using System;
using Graft;

[Plug(typeof(Version))]
public static class VersionPlug
{
    [PlugMember]
    public static string ToString(Version aThis) => "plugged " + aThis.Major + "." + aThis.Minor + Suffix();

    // Added to System.Version in CoreLib.
    private static string Suffix() => "!";
}

[Plug(typeof(Environment))]
public static class EnvironmentPlug
{
    [PlugMember("get_TickCount64")]
    public static long TickCount64() => 42;
}

[Plug("System.Math, System.Private.CoreLib")]
public static class MathPlug
{
    [PlugMember]
    public static int Max(int a, int b) => a * 100 + b;
}
