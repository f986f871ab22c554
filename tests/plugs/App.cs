// Prints what Lib computes, one fact a line; run on .NET before and after
// the patch stage applies Plugs.cs and Gen3.cs to Lib.dll.
using System;
using System.Runtime.CompilerServices;
using Lib;

public static class App
{
    [MethodImpl(MethodImplOptions.NoInlining)]
    static int CallExtern() => Natives.Extern(1);

    public static void Main()
    {
        var c = new Counter("a");
        Console.WriteLine("name " + c.Name);
        Console.WriteLine("add " + c.Add(1));
        Console.WriteLine("add long " + c.Add(2L));
        Console.WriteLine("created " + Counter.Created);
        Console.WriteLine("status " + c.Status);
        Console.WriteLine("describe " + Counter.Describe(c));
        Console.WriteLine("echo " + c.Echo(42));
        Console.WriteLine("banner " + Counter.Banner);
        try { Console.WriteLine("native " + c.Native(21)); } catch (DllNotFoundException) { Console.WriteLine("native missing"); }
        try { Console.WriteLine("extern " + CallExtern()); } catch (Exception e) { Console.WriteLine("extern " + e.GetType().Name); }
        Console.WriteLine("point " + new Point(3, 4).Sum());
        Console.WriteLine("inner " + Outer.Inner.Value());
        Console.WriteLine("version " + Counter.Version);
        Console.WriteLine("box " + new Box<int>(5).Describe() + " " + Box<string>.Kind("s"));
        Console.WriteLine("gen3 " + Gen3Target.Hello() + " " + Gen3Target.Twice(21));
    }
}
