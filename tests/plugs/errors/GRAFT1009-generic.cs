using Graft;

// A generic plug class's members reach each other through TypeSpecs of the
// plug class, which the patcher cannot map onto the target yet.
[Plug("Lib.Box`1")]
public static class BoxCallPlug<T>
{
    [PlugMember]
    public static string Kind(T value) => "kind";

    [PlugMember]
    public static string Describe(Lib.Box<T> aThis) => Kind(aThis.Get()); // expect GRAFT1009 another member of its generic plug class
}
