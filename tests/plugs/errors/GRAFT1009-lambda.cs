using System;
using Graft;

[Plug(typeof(Lib.Counter))]
public static class LambdaPlug
{
    [PlugMember] public static string Describe(Lib.Counter c) { Func<int, int> f = x => x + 1; return f(1).ToString(); } // expect GRAFT1009 LambdaPlug+<>c
}
