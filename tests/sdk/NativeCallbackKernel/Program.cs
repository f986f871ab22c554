using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Graft.Kernel;

static unsafe class Program
{
    [DllImport("*", EntryPoint = "native_call_back")]
    static extern int NativeCallBack(delegate* unmanaged<int, int> callback, int value);

    // (a) The exception is thrown and caught inside the callback: C never sees it.
    [UnmanagedCallersOnly]
    static int CatchesInside(int n)
    {
        try
        {
            return Thrower(n);
        }
        catch (InvalidOperationException e)
        {
            Serial.WriteLine("callback caught: " + e.Message);
            return n * 2;
        }
    }

    // (b) The exception leaves the callback into C: as on .NET, a fail-fast
    // (Main's catch beyond the C frame does not run).
    [UnmanagedCallersOnly]
    static int Escapes(int n) => Thrower(n); // line:escapes

    [MethodImpl(MethodImplOptions.NoInlining)]
    static int Thrower(int n) => throw new InvalidOperationException("thrown in a callback " + n); // line:throw

    static int Main(string[] args)
    {
        Serial.WriteLine("from C: " + NativeCallBack(&CatchesInside, 21));
        if (args.Length > 0 && args[0] == "escape")
        {
            try
            {
                Serial.WriteLine("from C: " + NativeCallBack(&Escapes, 5)); // line:main-escape
            }
            catch (Exception e)
            {
                Serial.WriteLine("wrong: Main caught " + e.Message);
            }
        }
        Serial.WriteLine("Main returns 7");
        return 7;
    }
}
