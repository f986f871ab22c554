using Graft;

[Plug(typeof(Lib.Counter))]
public static class CollidingPlug
{
    public static string Describe(Lib.Counter c) => "no [PlugMember]"; // expect GRAFT1011
}
