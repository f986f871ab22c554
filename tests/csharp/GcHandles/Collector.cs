using System;
using System.Runtime.CompilerServices;

namespace GcHandles;

static class Collector
{
    // The stack is scanned conservatively: a dead reference left in a stack slot by a call that
    // has returned would keep its object. Zeroing the stack below the caller first leaves none.
    [MethodImpl(MethodImplOptions.NoInlining)]
    static unsafe void ScrubStack()
    {
        byte* area = stackalloc byte[16 * 1024];
        new Span<byte>(area, 16 * 1024).Clear();
    }

    /// <summary>
    /// Runs <paramref name="make"/> 2 KiB deeper in the stack than its caller, where Full's
    /// scrubbing reaches: the frames that made an object leave no copy of it behind in the
    /// frames Full and the collector then use (conservative scanning would see it there).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static unsafe T Deep<T>(Func<T> make)
    {
        byte* pad = stackalloc byte[2048];
        pad[0] = 1;
        return make();
    }

    /// <summary>Collects, runs the finalizers it found due, and collects what they left.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Full()
    {
        ScrubStack();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        ScrubStack();
        GC.Collect();
    }
}
