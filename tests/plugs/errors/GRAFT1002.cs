using Graft;

[Plug(typeof(Lib.Counter))]
public static class MissingMemberPlug
{
    [PlugMember] public static int Addd(Lib.Counter aThis, int x) => x; // expect GRAFT1002 Add(int32)
}
