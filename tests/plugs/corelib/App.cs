// Calls into System.Private.CoreLib; run on .NET with a CoreLib that the
// patch stage plugged with CorePlugs.cs (compiled against the reference
// assemblies, so every CoreLib type reaches it through System.Runtime).
using System;

public static class App
{
    public static void Main()
    {
        Console.WriteLine("version " + new Version(1, 2).ToString());
        Console.WriteLine("tick " + (Environment.TickCount64 == 42));
        Console.WriteLine("max " + Math.Max(3, 4));
    }
}
