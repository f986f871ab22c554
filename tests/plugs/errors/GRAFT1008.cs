using Graft;

[Plug(typeof(Lib.Counter), Architecture = PlugArchitecture.X64)]
public static class ArchitecturePlug
{
    [PlugMember(Architecture = PlugArchitecture.Arm64)]
    public static string Describe(Lib.Counter c) => "arm"; // expect GRAFT1008
}
