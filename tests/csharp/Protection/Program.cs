using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Graft.Kernel;

// One protection per boot, picked by the first command line word; each line marked
// "// line:NAME" is one the report must name (tests/sdk/run, test_memory_protections).
static unsafe class Program
{
    static long s_data = 0xC3; // `ret`, in the kernel's .data

    [MethodImpl(MethodImplOptions.NoInlining)]
    static int Target(int n) => n + 1;

    [MethodImpl(MethodImplOptions.NoInlining)]
    static void WriteText()
    {
        *(byte*)(delegate*<int, int>)&Target = 0xCC; // line:write-text
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    static void JumpIntoData()
    {
        ((delegate* unmanaged<void>)Unsafe.AsPointer(ref s_data))(); // line:jump-data
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    static void JumpIntoHeap()
    {
        byte[] ret = [0xC3];
        fixed (byte* p = ret)
            ((delegate* unmanaged<void>)p)(); // line:jump-heap
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    static int Recurse(int n) => Recurse(n + 1) + 1; // line:recurse

    [MethodImpl(MethodImplOptions.NoInlining)]
    static void WriteReadOnlyRange()
    {
        byte* range = (byte*)Memory.Allocate(Memory.PageSize);
        Memory.Protect(range, Memory.PageSize, PageRights.Read);
        Serial.WriteLine("protection: the range reads " + range[0]);
        range[1] = 1; // line:write-range
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    static void UnderARange()
    {
        byte* range = (byte*)Memory.Allocate(Memory.PageSize);
        range[-1] = 1; // line:guard
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    static void NonCanonical()
    {
        *(long*)0x8000_0000_0000_0000 = 1; // line:gp
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    static void InvalidOpcode()
    {
        byte* code = (byte*)Memory.Allocate(Memory.PageSize, PageRights.Write | PageRights.Execute);
        code[0] = 0x0F; code[1] = 0x0B; // ud2
        ((delegate* unmanaged<void>)code)(); // line:ud
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    static void FreeTwice()
    {
        void* block = NativeMemory.Alloc(40);
        NativeMemory.Free(block);
        NativeMemory.Free(block); // line:native-double-free
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    static void FreeFramesTwice()
    {
        ulong frame = Memory.AllocateFrames(1);
        Memory.FreeFrames(frame, 1);
        Memory.FreeFrames(frame, 1); // line:frames-double-free
    }

    [DllImport("*", EntryPoint = "memset"), SuppressGCTransition]
    static extern void* NativeMemset(void* destination, int value, nuint size);

    [MethodImpl(MethodImplOptions.NoInlining)]
    static void PageZero()
    {
        *(int*)16 = 1; // line:page0
    }

    static int Main(string[] args)
    {
        string what = args.Length > 0 ? args[0] : "";
        Serial.WriteLine("protection: " + what);
        switch (what)
        {
            case "write-text": WriteText(); break; // line:main-write-text
            case "jump-data": JumpIntoData(); break;
            case "jump-heap": JumpIntoHeap(); break;
            case "overflow": return Recurse(0); // line:main-overflow
            case "write-range": WriteReadOnlyRange(); break;
            case "guard": UnderARange(); break;
            case "gp": NonCanonical(); break;
            case "ud": InvalidOpcode(); break;
            case "native-double-free": FreeTwice(); break;
            case "frames-double-free": FreeFramesTwice(); break;
            case "page0": PageZero(); break;
            case "page0-native": NativeMemset((void*)16, 0, 8); break; // line:main-page0-native
            default: Serial.WriteLine("protection: unknown mode"); return 2;
        }
        Serial.WriteLine("protection: not stopped");
        return 1;
    }
}
