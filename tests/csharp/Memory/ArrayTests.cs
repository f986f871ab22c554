using System;
using System.Runtime.CompilerServices;
using Graft.Testing;

namespace MemoryTests;

// The allocation helpers' failures (memory/heap.c) are the exceptions .NET throws.
static class ArrayTests
{
    [MethodImpl(MethodImplOptions.NoInlining)] static int Length(int n) => n;

    [Test]
    public static void ANegativeArrayLengthIsOverflow()
    {
        Assert.Throws<OverflowException>(() => _ = new int[Length(-1)]);
    }

    [Test]
    public static void ANegativeReferenceArrayLengthIsOverflow()
    {
        Assert.Throws<OverflowException>(() => _ = new object[Length(-5)]);
    }

    [Test]
    public static void AnArrayLongerThanMaxLengthIsOutOfMemory()
    {
        Assert.Throws<OutOfMemoryException>(() => _ = new byte[Length(Array.MaxLength + 1)]);
    }

    [Test]
    public static void TheExceptionCanBeCaughtAndAllocationGoesOn()
    {
        int caught = 0;
        for (int i = 0; i < 100; i++)
        {
            try { _ = new long[Length(-i - 1)]; }
            catch (OverflowException) { caught++; }
        }
        Assert.Equal(100, caught);
        Assert.Equal(10, new int[Length(10)].Length);
    }
}
