using System;
using System.Runtime.CompilerServices;
using Graft.Testing;

namespace Runtime;

// RuntimeHelpers.EnsureSufficientExecutionStack asks the runtime for the thread's stack bounds
// (RhGetCurrentThreadStackBounds: in a kernel the managed stack above its guard page). Deep
// recursion that checks it stops before the stack runs out, as records' ToString and the
// compiler's deep-expression guards rely on; with wrong bounds it would fault in the guard page
// (too low a bound) or give up at once (too high).
static class StackTests
{
    static int deepest;
    static Exception? thrownAtTheDeepest;

    [MethodImpl(MethodImplOptions.NoInlining)]
    static int Descend(int depth)
    {
        Span<byte> frame = stackalloc byte[64];  // a real frame each level (and no tail call)
        frame[0] = (byte)depth;
        if (!RuntimeHelpers.TryEnsureSufficientExecutionStack())
        {
            deepest = depth;
            try { RuntimeHelpers.EnsureSufficientExecutionStack(); }
            catch (Exception e) { thrownAtTheDeepest = e; }
            return depth;
        }
        return Descend(depth + 1) + frame[0] - (byte)depth;
    }

    [Test]
    public static void SufficientAtTheTop()
    {
        Assert.True(RuntimeHelpers.TryEnsureSufficientExecutionStack());
        RuntimeHelpers.EnsureSufficientExecutionStack();
    }

    [Test]
    public static void DeepRecursionStopsBeforeTheStackEnds()
    {
        Assert.Equal(Descend(0), deepest);
        Assert.True(deepest > 1000, $"only {deepest} frames");
        Assert.NotNull(thrownAtTheDeepest);
        Assert.Equal(typeof(InsufficientExecutionStackException), thrownAtTheDeepest!.GetType());
    }
}
