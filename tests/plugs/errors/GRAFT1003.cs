using Graft;

[Plug(typeof(Lib.Counter))]
public static class NoAThisPlug
{
    [PlugMember] public static int Add(int x) => x; // expect GRAFT1003
}
