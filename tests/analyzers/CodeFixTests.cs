using Graft.Analyzers.CodeFixes;

namespace Graft.Analyzers.Tests;

/// <summary>One test per code fix: the fixed source is compared whole and analyzed again.</summary>
[TestClass]
public sealed class CodeFixTests
{
    const string Device = """
        using Graft;
        public class Device
        {
            public void Reset() { }
            public int Read(int port) => port;
        }

        """;

    [TestMethod]
    public Task Adds_the_missing_aThis() => Verify.CodeFix<AddAThisCodeFix>(Device + """
        [Plug(typeof(Device))]
        static class DevicePlug
        {
            [PlugMember] public static int {|#0:Read|}(int port) => port;
        }
        """,
        [Verify.Diagnostic("GRAFT1003").WithLocation(0).WithArguments("Device.Read(int)", "Device")],
        Device + """
        [Plug(typeof(Device))]
        static class DevicePlug
        {
            [PlugMember] public static int Read(Device aThis, int port) => port;
        }
        """);

    [TestMethod]
    public Task Renames_a_first_parameter_that_takes_the_object_to_aThis() => Verify.CodeFix<AddAThisCodeFix>(Device + """
        [Plug(typeof(Device))]
        static class DevicePlug
        {
            [PlugMember] public static int {|#0:Read|}(Device device, int port) => device.Read(port) + 1;
        }
        """,
        [Verify.Diagnostic("GRAFT1003").WithLocation(0).WithArguments("Device.Read(int)", "Device")],
        Device + """
        [Plug(typeof(Device))]
        static class DevicePlug
        {
            [PlugMember] public static int Read(Device aThis, int port) => aThis.Read(port) + 1;
        }
        """);

    [TestMethod]
    public Task Writes_a_plug_stub_for_a_member_without_a_body() => Verify.CodeFix<PlugStubCodeFix>("""
        static class Kernel
        {
            static int Main() => {|#0:System.Environment.ProcessId|};
        }
        """,
        [Verify.Diagnostic("GRAFT1010").WithLocation(0).WithArguments("System.Environment.ProcessId.get", "calls P/Invoke libSystem.Native!SystemNative_GetPid", "System.Environment")],
        """
        static class Kernel
        {
            static int Main() => System.Environment.ProcessId;
        }

        [Graft.Plug(typeof(System.Environment))]
        internal static class EnvironmentPlug
        {
            [Graft.PlugMember]
            public static int get_ProcessId() => throw new System.NotImplementedException();
        }
        """);

    [TestMethod]
    public Task Adds_the_stub_to_the_plug_class_the_document_has() => Verify.CodeFix<PlugStubCodeFix>("""
        using Graft;
        static class Kernel
        {
            static void Main(string[] args) => {|#0:System.Environment.Exit(args.Length)|};
        }
        [Plug(typeof(System.Environment))]
        static class EnvironmentPlug
        {
        }
        """,
        [Verify.Diagnostic("GRAFT1010").WithLocation(0).WithArguments("System.Environment.Exit(int)", "calls P/Invoke libSystem.Native!SystemNative_Exit", "System.Environment")],
        """
        using Graft;
        static class Kernel
        {
            static void Main(string[] args) => System.Environment.Exit(args.Length);
        }
        [Plug(typeof(System.Environment))]
        static class EnvironmentPlug
        {
            [PlugMember]
            public static void Exit(int exitCode) => throw new System.NotImplementedException();
        }
        """);
}
