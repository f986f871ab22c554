using Graft;

[Plug("Lib.NoSuchType")]
public static class MissingTypePlug
{
    [PlugMember] public static int F() => 1; // expect GRAFT1001
}
