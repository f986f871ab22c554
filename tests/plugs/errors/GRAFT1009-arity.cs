using Graft;

[Plug("Lib.Box`1")]
public static class BoxArityPlug
{
    [PlugMember]
    public static string Kind(object value) => "kind"; // expect GRAFT1009 declares the same type parameters
}
