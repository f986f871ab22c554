using System.Runtime.InteropServices;

namespace Graft.Kernel;

/// <summary>
/// Figures of the managed heap and its collector (sdk/runtime/gc, README
/// "The managed heap and the collector"), as of now.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public readonly struct HeapFigures
{
    /// <summary>Bytes of memory the heap holds (its regions and large objects).</summary>
    public readonly ulong HeapBytes;
    /// <summary>Bytes of objects the last collection found alive.</summary>
    public readonly ulong LiveBytes;
    /// <summary>Collections since boot (every one is full).</summary>
    public readonly ulong Collections;
    /// <summary>The longest pause of a collection, in nanoseconds.</summary>
    public readonly ulong LongestPauseNanoseconds;
    /// <summary>All collections' pauses together, in nanoseconds.</summary>
    public readonly ulong TotalPauseNanoseconds;
    /// <summary>The last collection's pause, in nanoseconds.</summary>
    public readonly ulong LastPauseNanoseconds;
    /// <summary>Bytes allocated since boot.</summary>
    public readonly ulong AllocatedBytes;
    /// <summary>Finalizers run since boot.</summary>
    public readonly ulong FinalizersRun;
}

/// <summary>The managed heap: its figures, on request.</summary>
public static unsafe class Heap
{
    /// <summary>The heap's figures now.</summary>
    public static HeapFigures Figures
    {
        get
        {
            HeapFigures figures;
            GetFigures(&figures);
            return figures;
        }
    }

    /// <summary>
    /// Writes one line of figures to the serial console
    /// (<c>graft: heap: size ... KiB, live after the last collection ... KiB,
    /// collections N, longest pause ... us, ...</c>), as an unhandled
    /// <see cref="System.OutOfMemoryException"/> does.
    /// </summary>
    public static void Print() => PrintFigures();

    [DllImport("*", EntryPoint = "graft_heap_figures"), SuppressGCTransition]
    static extern void GetFigures(HeapFigures* figures);

    [DllImport("*", EntryPoint = "graft_heap_print_figures"), SuppressGCTransition]
    static extern void PrintFigures();
}
