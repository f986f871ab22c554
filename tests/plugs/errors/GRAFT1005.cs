using Graft;

[Plug(typeof(Lib.Counter))]
public static class WrongSignaturePlug
{
    [PlugMember] public static int Add(Lib.Counter aThis, short x) => x; // expect GRAFT1005 instance int32 Lib.Counter::Add(int64)
}
