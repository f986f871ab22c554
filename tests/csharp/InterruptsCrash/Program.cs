using System;
using Graft.Kernel;

// Each case fails inside an interrupt handler; the report must say which handler.
static unsafe class Program
{
    static int s_zero;

    static void Throws() => throw new InvalidOperationException("thrown in a handler");

    static void Divides() => s_zero = 1 / s_zero; // #DE in managed code: DivideByZeroException

    static readonly byte[] s_data = { 0xC3 };

    static void JumpsIntoData()
    {
        fixed (byte* code = s_data)
            ((delegate*<void>)code)(); // a fetch from non-executable memory: the fault report
    }

    static int Main(string[] args)
    {
        string mode = args.Length > 0 ? args[0] : "";
        switch (mode)
        {
            case "throw":
                Interrupts.Install(100, Throws);
                Interrupts.Raise(100);
                break;
            case "divide":
                Interrupts.InstallIrq(0, Divides); // the PIT, still at the firmware's rate
                while (true)
                    Interrupts.Idle();
            case "data":
                Interrupts.Install(101, JumpsIntoData);
                Interrupts.Raise(101);
                break;
            default:
                Console.WriteLine("usage: throw | divide | data");
                return 2;
        }
        Console.WriteLine("the handler returned");
        return 1;
    }
}
