using System;
using System.Threading;

// Each case ends the boot on a named thread (not the boot thread); the report must name it.
static class Program
{
    static void Fails() => throw new InvalidOperationException("thrown on a thread");

    static int Recurse(int n) => Recurse(n + 1) + 1; // a real call each time: the stack overflows

    static void RenamesItselfAndFails()
    {
        Thread.CurrentThread.Name = "Renamed";
        Fails();
    }

    static int Main(string[] args)
    {
        string mode = args.Length > 0 ? args[0] : "";
        Thread thread;
        switch (mode)
        {
            case "throw":
                thread = new Thread(Fails) { Name = "Worker" };
                break;
            case "rename":
                thread = new Thread(RenamesItselfAndFails);
                break;
            case "overflow":
                thread = new Thread(() => Recurse(0)) { Name = "Recurser" };
                break;
            default:
                Console.WriteLine("usage: throw | rename | overflow");
                return 2;
        }
        thread.Start();
        thread.Join();
        Console.WriteLine("the thread ended");
        return 1;
    }
}
