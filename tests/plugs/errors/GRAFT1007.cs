using Graft;

[Plug(typeof(Lib.Counter))]
public static class FirstPlug
{
    [PlugMember] public static string Describe(Lib.Counter c) => "first";
}

[Plug(typeof(Lib.Counter))]
public static class SecondPlug
{
    [PlugMember] public static string Describe(Lib.Counter c) => "second"; // expect GRAFT1007 FirstPlug::Describe
}
