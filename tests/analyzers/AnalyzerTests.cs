namespace Graft.Analyzers.Tests;

/// <summary>One test per diagnostic, each with the plug that must raise it and, where a false error is the risk, the plug that must not.</summary>
[TestClass]
public sealed class AnalyzerTests
{
    // A target type of the kernel's own, as plugs on the kernel's own types are written.
    const string Device = """
        using Graft;
        public class Device
        {
            public void Reset() { }
            public int Read(int port) => port;
            public static int Count;
            public static string Name { get; set; } = "";
            int serial;
            public int Serial => serial;
        }
        public struct Register { public int Value; public int Get() => Value; }

        """;

    [TestMethod]
    public Task Correct_plugs_of_every_kind_give_no_diagnostic() => Verify.Analyzer(Device + """
        [Plug(typeof(Device))]
        static class DevicePlug
        {
            [PlugMember] public static void Reset(Device aThis) { }
            [PlugMember("Read")] public static int ReadPort(object aThis, int port) => 0;
            [PlugMember] public static void Ctor(Device aThis) { }
            [PlugMember] public static int Count;
            [PlugMember] public static string Name { get; set; } = "";
            [PlugMember] static extern ref int serial(Device aThis);
            [PlugMember] public static int get_Serial(Device aThis) => 0; // an instance property's accessor
            static void Helper() { } // no [PlugMember]: added to Device
            static int added;
        }
        [Plug(typeof(Register))]
        static class RegisterPlug
        {
            [PlugMember] public static int Get(ref Register aThis) => 0;
        }
        [Plug(typeof(System.Version))]
        static class VersionPlug
        {
            [PlugMember] public static int get_Major(System.Version aThis) => 1;             // from a reference assembly
            [PlugMember] public static string ToString(System.Version aThis) => "v";
            [PlugMember] public static void Ctor(System.Version aThis, int major, int minor) { }
        }
        """);

    [TestMethod]
    public Task GRAFT1001_a_target_name_no_assembly_has() => Verify.Analyzer("""
        using Graft;
        [{|#0:Plug("System.ConsolPal")|}]
        static class ConsolePalPlug { }
        """,
        Verify.Diagnostic("GRAFT1001").WithLocation(0).WithArguments("System.ConsolPal"));

    [TestMethod]
    public Task GRAFT1001_not_for_internal_framework_types_the_reference_assemblies_lack() => Verify.Analyzer("""
        using Graft;
        [Plug("System.ConsolePal")]
        static class ConsolePalPlug
        {
            [PlugMember] public static void EnsureConsoleInitialized() { }
        }
        [Plug("System.ConsolPal", IsOptional = true)]
        static class OptionalPlug { }
        [Plug("Interop+Sys, System.Private.CoreLib")]
        static class SysPlug { }
        """);

    [TestMethod]
    public Task GRAFT1002_names_the_closest_members() => Verify.Analyzer(Device + """
        [Plug(typeof(Device))]
        static class DevicePlug
        {
            [PlugMember] public static void {|#0:Rest|}(Device aThis) { }
        }
        [Plug("System.ConsolePal")]
        static class ConsolePalPlug
        {
            [PlugMember] public static void {|#1:EnsureConsoleInitialised|}() { }
        }
        """,
        Verify.Diagnostic("GRAFT1002").WithLocation(0).WithArguments("Device", "Rest", "; the closest: Device.Reset(); Device.Read(int); Device.Count"),
        Verify.Diagnostic("GRAFT1002").WithLocation(1).WithArguments("System.ConsolePal", "EnsureConsoleInitialised", "; the closest: EnsureConsoleInitialized; EnsureInitializedCore; s_initialized"));

    [TestMethod]
    public Task GRAFT1002_not_for_private_members_of_public_framework_types() => Verify.Analyzer("""
        using Graft;
        [Plug(typeof(System.Environment))]
        static class EnvironmentPlug
        {
            [PlugMember] public static int GetProcessId() => 1;
        }
        """);

    [TestMethod]
    public Task GRAFT1003_an_instance_target_without_aThis() => Verify.Analyzer(Device + """
        [Plug(typeof(Device))]
        static class DevicePlug
        {
            [PlugMember] public static void {|#0:Reset|}() { }
        }
        """,
        Verify.Diagnostic("GRAFT1003").WithLocation(0).WithArguments("Device.Reset()", "Device"));

    [TestMethod]
    public Task GRAFT1004_aThis_of_another_type() => Verify.Analyzer(Device + """
        [Plug(typeof(Device))]
        static class DevicePlug
        {
            [PlugMember] public static void {|#0:Reset|}(string aThis) { }
        }
        [Plug(typeof(Register))]
        static class RegisterPlug
        {
            [PlugMember] public static int {|#1:Get|}(Device aThis) => 0;
        }
        """,
        Verify.Diagnostic("GRAFT1004").WithLocation(0).WithArguments("string", "Device", ""),
        Verify.Diagnostic("GRAFT1004").WithLocation(1).WithArguments("Device", "Register", ", 'ref Register' or 'Register*'"));

    [TestMethod]
    public Task GRAFT1005_parameters_that_differ() => Verify.Analyzer(Device + """
        [Plug(typeof(Device))]
        static class DevicePlug
        {
            [PlugMember] public static int {|#0:Read|}(Device aThis, long port) => 0;
            [PlugMember] public static long {|#1:Count|};
        }
        [Plug(typeof(System.Math))]
        static class MathPlug
        {
            [PlugMember] public static double {|#2:Sqrt|}(double aThis, double d) => d;
        }
        """,
        Verify.Diagnostic("GRAFT1005").WithLocation(0).WithArguments("DevicePlug.Read(Device, long)", "Read", "Device", "the parameters, return type or generic arity differ", "Device.Read(int)"),
        Verify.Diagnostic("GRAFT1005").WithLocation(1).WithArguments("Count", "Count", "Device", "the field is a 'long'", "Device.Count : int"),
        Verify.Diagnostic("GRAFT1005").WithLocation(2).WithArguments("MathPlug.Sqrt(double, double)", "Sqrt", "System.Math", "the target is static: it takes no aThis", "System.Math.Sqrt(double)"));

    [TestMethod]
    public Task GRAFT1006_a_plug_class_that_is_not_static() => Verify.Analyzer(Device + """
        [Plug(typeof(Device))]
        class {|#0:DevicePlug|} { }
        """,
        Verify.Diagnostic("GRAFT1006").WithLocation(0).WithArguments("DevicePlug"));

    [TestMethod]
    public Task GRAFT1007_two_plugs_for_one_member() => Verify.Analyzer(Device + """
        [Plug(typeof(Device))]
        static class DevicePlug
        {
            [PlugMember] public static void Reset(Device aThis) { }
        }
        [Plug("Device")]
        static class OtherDevicePlug
        {
            [PlugMember("Reset")] public static void {|#0:ResetToo|}(object aThis) { }
        }
        """,
        Verify.Diagnostic("GRAFT1007").WithLocation(0).WithArguments("DevicePlug.Reset(Device)", "OtherDevicePlug.ResetToo(object)", "Device.Reset()"));

    [TestMethod]
    public Task GRAFT1008_a_member_limited_to_another_architecture_than_its_class() => Verify.Analyzer(Device + """
        [Plug(typeof(Device), Architecture = PlugArchitecture.X64)]
        static class DevicePlug
        {
            [PlugMember(Architecture = PlugArchitecture.Arm64)] public static void {|#0:Reset|}(Device aThis) { }
        }
        // For another architecture than the kernel's (linux-x64): skipped, as the patcher skips it.
        [Plug(typeof(Register), Architecture = PlugArchitecture.Arm64)]
        static class RegisterPlug
        {
            [PlugMember] public static int Gett(ref Register aThis) => 0;
        }
        [Plug(typeof(Device))]
        static class ArmDevicePlug
        {
            [PlugMember(Architecture = PlugArchitecture.Arm64)] public static int Read(Device aThis, int port) => 0;
        }
        [Plug(typeof(Device))]
        static class X64DevicePlug
        {
            [PlugMember(Architecture = PlugArchitecture.X64)] public static int Read(Device aThis, int port) => 1;
        }
        """,
        Verify.Diagnostic("GRAFT1008").WithLocation(0).WithArguments("Reset", "Arm64", "its plug class 'DevicePlug' is limited to X64"));

    [TestMethod]
    public Task GRAFT1009_malformed_plugs() => Verify.Analyzer(Device + """
        [{|#0:Plug("")|}]
        static class NoTargetPlug { }
        [{|#1:Plug("System.Collections.Generic.List<int>")|}]
        static class GenericNamePlug { }
        static class NotAPlug
        {
            [{|#2:PlugMember|}] public static void Reset(Device aThis) { }
        }
        [Plug(typeof(Device))]
        static class AddingPlug
        {
            static T {|#3:Pick|}<T>(T x) => x;
        }
        """,
        Verify.Diagnostic("GRAFT1009").WithLocation(0).WithArguments("[Plug] names no target: give typeof(Type) or the type's full name, as [Plug(\"System.ConsolePal\")]"),
        Verify.Diagnostic("GRAFT1009").WithLocation(1).WithArguments("the target name 'System.Collections.Generic.List<int>' is not a type's metadata name (Namespace.Type, Outer+Inner, List`1, optionally ', Assembly')"),
        Verify.Diagnostic("GRAFT1009").WithLocation(2).WithArguments("[PlugMember] on 'Reset', but 'NotAPlug' has no [Plug] attribute naming its target"),
        Verify.Diagnostic("GRAFT1009").WithLocation(3).WithArguments("'Pick' has no [PlugMember], so it would be added to 'Device', but generic methods cannot be added to a target yet"));

    [TestMethod]
    public Task Generic_plug_classes_declare_their_targets_type_parameters() => Verify.Analyzer("""
        using Graft;
        public class Box<T> { public T Value = default!; public string Describe() => ""; }
        [Plug("Box`1")]
        static class BoxPlug<T>
        {
            [PlugMember] public static string Describe(Box<T> aThis) => "plugged";
        }
        [Plug(typeof(Box<>))]
        static class {|#0:PairPlug|}<A, B> { }
        """,
        Verify.Diagnostic("GRAFT1009").WithLocation(0).WithArguments("the plug class 'PairPlug' has 2 type parameter(s) and its target 'Box`1' 1: a generic plug class declares its target's type parameters, in order"));

    [TestMethod]
    public Task GRAFT1011_an_added_member_the_target_already_has() => Verify.Analyzer(Device + """
        [Plug(typeof(Device))]
        static class DevicePlug
        {
            static int {|#0:Read|}(Device aThis, int port) => 0; // added: Device.Read(Device, int) is new
            static void {|#1:Reset|}() { }
            static int {|#2:Count|};
            static extern ref int {|#3:serial|}(Device aThis);
        }
        """,
        Verify.Diagnostic("GRAFT1011").WithLocation(1).WithArguments("DevicePlug.Reset()", "Device", "Device.Reset()"),
        Verify.Diagnostic("GRAFT1011").WithLocation(2).WithArguments("DevicePlug.Count", "Device", "Device.Count"),
        Verify.Diagnostic("GRAFT1011").WithLocation(3).WithArguments("DevicePlug.serial(Device)", "Device", "Device.serial"));

    [TestMethod]
    public Task GRAFT1010_a_call_that_reaches_a_PInvoke_no_plug_covers() => Verify.Analyzer("""
        static class Kernel
        {
            static int Main() => {|#0:System.Environment.ProcessId|};
            static System.Func<string[]> Drives() => {|#1:System.Environment.GetLogicalDrives|};
        }
        """,
        Verify.Diagnostic("GRAFT1010").WithLocation(0).WithArguments("System.Environment.ProcessId.get", "calls P/Invoke libSystem.Native!SystemNative_GetPid", "System.Environment"),
        Verify.Diagnostic("GRAFT1010").WithLocation(1).WithArguments("System.Environment.GetLogicalDrives()", "calls P/Invoke libSystem.Native!SystemNative_GetAllMountPoints", "System.Environment"));

    [TestMethod]
    public Task GRAFT1010_not_when_a_plug_covers_the_member_or_the_method_it_calls() => Verify.Analyzer("""
        using Graft;
        static class Kernel
        {
            static int Main() => System.Environment.ProcessId;
            static string User() => System.Environment.UserName;
        }
        [Plug(typeof(System.Environment))]
        static class EnvironmentPlug
        {
            [PlugMember] public static int get_ProcessId() => 1;
        }
        [Plug("Interop+Sys")]
        static class SysPlug
        {
            [PlugMember] public static uint GetEUid() => 0;
        }
        """);

    [TestMethod]
    public Task Gen3_attributes_are_read_the_same_way() => Verify.Analyzer(Device + """
        namespace Cosmos.Build.API.Attributes
        {
            [System.AttributeUsage(System.AttributeTargets.Class)]
            public sealed class PlugAttribute : System.Attribute
            {
                public PlugAttribute(System.Type target) { }
                public PlugAttribute(string targetName, bool isOptional = false, bool replaceTarget = false) { }
            }
            [System.AttributeUsage(System.AttributeTargets.Method | System.AttributeTargets.Field | System.AttributeTargets.Property)]
            public sealed class PlugMemberAttribute : System.Attribute
            {
                public PlugMemberAttribute(string targetName = "") { }
            }
        }
        namespace Kernel
        {
            using Cosmos.Build.API.Attributes;
            [Plug(typeof(Device))]
            class DevicePlug // gen3's plug classes need not be static
            {
                [PlugMember] public static void Reset(Device aThis) { }
                [PlugMember] public static void {|#1:Rest|}(Device aThis) { }
            }
            [Plug("System.NoSuchType", true)]
            static class OptionalPlug { }
            [{|#0:Plug("Device", false, true)|}]
            static class ReplaceBasePlug { }
        }
        """,
        Verify.Diagnostic("GRAFT1009").WithLocation(0).WithArguments("'ReplaceBasePlug' asks for gen3's replaceBase, which Graft does not apply: plug the base type's members with a plug of their own"),
        Verify.Diagnostic("GRAFT1002").WithLocation(1).WithArguments("Device", "Rest", "; the closest: Device.Reset(); Device.Read(int); Device.Count"));
}
