using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using Graft.Testing;

namespace Exceptions;

class Node
{
    public int Value;
    public virtual int Virtual() => Value;
}

// Faults raised by the CPU in managed code (page 0 is unmapped, #DE) and the checks CoreLib and
// ILC's code make: each must arrive as the exception .NET throws.
static class FaultTests
{
    [MethodImpl(MethodImplOptions.NoInlining)] static Node? NoNode() => null;
    [MethodImpl(MethodImplOptions.NoInlining)] static int Zero() => 0;
    [MethodImpl(MethodImplOptions.NoInlining)] static long ZeroLong() => 0;
    [MethodImpl(MethodImplOptions.NoInlining)] static object AString() => "text";
    [MethodImpl(MethodImplOptions.NoInlining)] static IComparable? NoComparable() => null;
    [MethodImpl(MethodImplOptions.NoInlining)] static int[]? NoArray() => null;
    [MethodImpl(MethodImplOptions.NoInlining)] static int Index(int i) => i;

    [Test]
    public static void NullFieldReadIsNullReference()
    {
        Assert.Throws<NullReferenceException>(() => _ = NoNode()!.Value);
    }

    [Test]
    public static void NullFieldWriteIsNullReference()
    {
        Assert.Throws<NullReferenceException>(() => NoNode()!.Value = 1);
    }

    [Test]
    public static void NullVirtualCallIsNullReference()
    {
        Assert.Throws<NullReferenceException>(() => NoNode()!.Virtual());
    }

    [Test]
    public static void NullInterfaceCallIsNullReference()
    {
        Assert.Throws<NullReferenceException>(() => NoComparable()!.CompareTo(null));
    }

    [Test]
    public static void NullArrayLengthIsNullReference()
    {
        Assert.Throws<NullReferenceException>(() => _ = NoArray()!.Length);
    }

    [Test]
    public static void NullReferenceMessageIsDotNets()
    {
        var e = Assert.Throws<NullReferenceException>(() => _ = NoNode()!.Value);
        Assert.Equal("Object reference not set to an instance of an object.", e.Message);
    }

    [Test]
    public static void IntegerDivideByZero()
    {
        var e = Assert.Throws<DivideByZeroException>(() => _ = 10 / Zero());
        Assert.Equal("Attempted to divide by zero.", e.Message);
    }

    [Test]
    public static void LongRemainderByZero()
    {
        Assert.Throws<DivideByZeroException>(() => _ = 10L % ZeroLong());
    }

    // .NET turns the CPU's #DE for int.MinValue / -1 into OverflowException (it checks the
    // operands); fails in the kernel today: the #DE handler always throws DivideByZeroException.
    [Test]
    public static void MinValueDividedByMinusOneIsOverflow()
    {
        int minusOne = Index(-1);
        Assert.Throws<OverflowException>(() => _ = int.MinValue / minusOne);
    }

    [Test]
    public static void InvalidCast()
    {
        var e = Assert.Throws<InvalidCastException>(() => _ = (List<int>)AString());
        // NativeAOT's message (the JIT names both types).
        Assert.Equal("Specified cast is not valid.", e.Message);
    }

    [Test]
    public static void UnboxToWrongType()
    {
        object boxed = Index(5);
        Assert.Throws<InvalidCastException>(() => _ = (long)boxed);
    }

    [Test]
    public static void ArrayIndexOutOfRange()
    {
        var array = new int[3];
        var e = Assert.Throws<IndexOutOfRangeException>(() => array[Index(3)] = 1);
        Assert.Equal("Index was outside the bounds of the array.", e.Message);
    }

    [Test]
    public static void NegativeArrayIndex()
    {
        var array = new int[3];
        Assert.Throws<IndexOutOfRangeException>(() => _ = array[Index(-1)]);
    }

    [Test]
    public static void SpanIndexOutOfRange()
    {
        Assert.Throws<IndexOutOfRangeException>(() =>
        {
            Span<int> span = stackalloc int[2];
            span[Index(2)] = 1;
        });
    }

    [Test]
    public static void ListIndexOutOfRange()
    {
        var list = new List<int> { 1 };
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => _ = list[Index(1)]);
        Assert.Equal("index", e.ParamName);
    }

    [Test]
    public static void ArrayCovarianceIsChecked()
    {
        object[] strings = new string[1];
        Assert.Throws<ArrayTypeMismatchException>(() => strings[0] = new object());
    }

    [Test]
    public static void MissingKey()
    {
        var map = new Dictionary<string, int>();
        var e = Assert.Throws<KeyNotFoundException>(() => _ = map["missing"]);
        Assert.Equal("The given key 'missing' was not present in the dictionary.", e.Message);
    }

    [Test]
    public static void NegativeArraySize()
    {
        Assert.Throws<OverflowException>(() => _ = new int[Index(-1)]);
    }

    [Test]
    public static void CheckedOverflow()
    {
        int big = Index(int.MaxValue);
        var e = Assert.Throws<OverflowException>(() => _ = checked(big + 1));
        Assert.Equal("Arithmetic operation resulted in an overflow.", e.Message);
    }

    [Test]
    public static void ExceptionAfterFaultStillWorks()
    {
        // A hardware fault's handler must leave the machine able to throw and catch again.
        for (int i = 0; i < 50; i++)
        {
            Assert.Throws<NullReferenceException>(() => _ = NoNode()!.Value);
            Assert.Throws<DivideByZeroException>(() => _ = i / Zero());
        }
    }
}
