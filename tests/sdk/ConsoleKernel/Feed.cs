using System;
using Graft.Kernel;

// The kernel's half of mode "feed" (the console app on .NET compiles
// Program.cs alone): bytes a driver feeds are read before COM1's.
static partial class Program
{
    static partial void FeedInput(ref int code)
    {
        ConsoleInput.Feed("fed line ✓\n");
        ConsoleInput.Feed((byte)'k');
        string fed = Console.ReadLine();
        char key = Console.ReadKey(intercept: true).KeyChar;
        Console.WriteLine("feed: ReadLine [" + fed + "] ReadKey " + key + ", then serial [" + Console.ReadLine() + "]");
        code = 47;
    }
}
