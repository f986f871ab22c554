using Graft;

[Plug(typeof(Lib.Counter))]
public static class WrongAThisPlug
{
    [PlugMember] public static int Add(string aThis, int x) => x; // expect GRAFT1004
}
