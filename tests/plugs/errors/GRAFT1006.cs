using Graft;

[Plug(typeof(Lib.Counter))]
public class NotStaticPlug
{
    [PlugMember] public static string Describe(Lib.Counter c) => "x"; // expect GRAFT1006
}
