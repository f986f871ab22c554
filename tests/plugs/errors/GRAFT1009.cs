using Graft;

[Plug(typeof(Lib.Counter))]
public static class GenericHelperPlug
{
    static T Same<T>(T x) => x; // expect GRAFT1009
}
