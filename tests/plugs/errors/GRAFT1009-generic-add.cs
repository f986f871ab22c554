using Graft;

[Plug("Lib.Box`1")]
public static class BoxAddPlug<T>
{
    static string Helper() => "helper"; // expect GRAFT1009 can only replace methods
}
