using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using Graft.Testing;

namespace Numbers;

static class MathTests
{
    // Through a call, so that the JIT/ILC cannot fold the operation at compile time.
    [MethodImpl(MethodImplOptions.NoInlining)] static double D(double x) => x;
    [MethodImpl(MethodImplOptions.NoInlining)] static float F(float x) => x;
    [MethodImpl(MethodImplOptions.NoInlining)] static decimal M(decimal x) => x;

    [Test]
    public static void Sqrt()
    {
        Assert.Equal(1.4142135623730951, Math.Sqrt(D(2)));
        Assert.True(double.IsNaN(Math.Sqrt(D(-1))));
    }

    [Test]
    public static void AbsMinMaxSign()
    {
        Assert.Equal(5, Math.Abs(-5));
        Assert.Equal(2.5, Math.Abs(D(-2.5)));
        Assert.Equal(-3, Math.Min(-3, 4));
        Assert.Equal(4L, Math.Max(-3L, 4L));
        Assert.Equal(-1, Math.Sign(D(-0.1)));
        Assert.Throws<OverflowException>(() => Math.Abs(int.MinValue));
    }

    [Test]
    public static void FloatingPointEdgeCases()
    {
        Assert.Equal(double.PositiveInfinity, D(1) / D(0));
        Assert.True(double.IsNaN(D(0) / D(0)));
        double nan = D(double.NaN);
        Assert.False(nan == D(double.NaN));
        Assert.True(double.NaN.Equals(double.NaN));
        Assert.Equal(0.30000000000000004, D(0.1) + D(0.2));
        Assert.True(D(-0.0) == 0.0);
        Assert.True(double.IsNegative(D(-0.0)));
    }

    [Test]
    public static void FloatArithmetic()
    {
        Assert.Equal(0.3f, F(0.1f) + F(0.2f));
        Assert.Equal(16777216f, F(16777216f) + F(1f));           // beyond float's 24-bit mantissa
        Assert.Equal(1.4142135f, MathF.Sqrt(F(2f)));
    }

    [Test]
    public static void DoubleBits()
    {
        Assert.Equal(0x3FF0000000000000L, BitConverter.DoubleToInt64Bits(D(1)));
        Assert.Equal(2.0, BitConverter.Int64BitsToDouble(0x4000000000000000L));
        Assert.Equal(Math.BitIncrement(D(1)), 1.0000000000000002);
    }

    [Test]
    public static void Clamp()
    {
        Assert.Equal(10, Math.Clamp(15, 0, 10));
        Assert.Equal(0.0, Math.Clamp(D(-1), 0, 1));
    }

    [Test]
    public static void BitOperationsCounts()
    {
        Assert.Equal(3, System.Numerics.BitOperations.PopCount(0b1011u));
        Assert.Equal(28, System.Numerics.BitOperations.LeadingZeroCount(0b1010u));
        Assert.Equal(1, System.Numerics.BitOperations.TrailingZeroCount(0b1010u));
        Assert.Equal(0x80000000u, System.Numerics.BitOperations.RotateRight(1u, 1));
        Assert.Equal(16u, System.Numerics.BitOperations.RoundUpToPowerOf2(9u));
        Assert.Equal(6, System.Numerics.BitOperations.Log2(100u));
    }

    [Test]
    public static void Int128AndUInt128()
    {
        Int128 big = (Int128)long.MaxValue * 4;
        Assert.Equal("36893488147419103228", big.ToString());
        Assert.Equal(UInt128.MaxValue, UInt128.MaxValue / 1);
        Assert.Equal((Int128)long.MaxValue, big / 4);
    }

    [Test]
    public static void DecimalArithmetic()
    {
        Assert.Equal(0.3m, 0.1m + 0.2m);
        Assert.Equal(3.3333333333333333333333333333m, M(10) / 3);
        Assert.Equal(2m, Math.Round(2.5m));
        decimal zero = M(0), max = M(decimal.MaxValue);
        Assert.Throws<DivideByZeroException>(() => _ = 1m / zero);
        Assert.Throws<OverflowException>(() => _ = max + 1);
    }
}

static class IntegerTests
{
    [MethodImpl(MethodImplOptions.NoInlining)] static int I(int x) => x;
    [MethodImpl(MethodImplOptions.NoInlining)] static long L(long x) => x;
    [MethodImpl(MethodImplOptions.NoInlining)] static double D(double x) => x;

    [Test]
    public static void UncheckedWrapsAround()
    {
        Assert.Equal(int.MinValue, unchecked(I(int.MaxValue) + 1));
        Assert.Equal(0u, unchecked((uint)I(-1) + 1u));
        Assert.Equal((byte)44, unchecked((byte)I(300)));
        Assert.Equal(long.MinValue, unchecked(L(long.MaxValue) + 1));
    }

    [Test]
    public static void CheckedAddition()
    {
        Assert.Throws<OverflowException>(() => _ = checked(I(int.MaxValue) + 1));
        Assert.Throws<OverflowException>(() => _ = checked(L(long.MinValue) - 1));
        Assert.Equal(int.MaxValue, checked(I(int.MaxValue - 1) + 1));
    }

    [Test]
    public static void CheckedMultiplication()
    {
        Assert.Throws<OverflowException>(() => _ = checked(I(65536) * 65536));
        Assert.Throws<OverflowException>(() => _ = checked((uint)I(3) * 0x60000000u));
        Assert.Equal(1L << 40, checked(L(1 << 20) * (1 << 20)));
    }

    [Test]
    public static void CheckedConversions()
    {
        Assert.Throws<OverflowException>(() => _ = checked((byte)I(256)));
        Assert.Throws<OverflowException>(() => _ = checked((uint)I(-1)));
        Assert.Throws<OverflowException>(() => _ = checked((int)L(1L << 31)));
        Assert.Throws<OverflowException>(() => _ = checked((int)D(3e9)));
        Assert.Equal(255, checked((byte)I(255)));
    }

    [Test]
    public static void DoubleToIntegerConversions()
    {
        Assert.Equal(3, (int)D(3.99));
        Assert.Equal(-3, (int)D(-3.99));
        Assert.Equal(int.MaxValue, (int)D(1e10));                  // .NET saturates
        Assert.Equal(0, (int)D(double.NaN));
        Assert.Equal(ulong.MaxValue, (ulong)D(1e30));
        Assert.Equal(9007199254740993L, (long)(decimal)9007199254740993L);
    }

    [Test]
    public static void DivisionAndRemainderSigns()
    {
        Assert.Equal(-3, I(-7) / 2);
        Assert.Equal(-1, I(-7) % 2);
        Assert.Equal(1, I(7) % -2);
        Assert.Equal((-4, 1), Math.DivRem(I(-7), 2) is var (q, r) ? (q - 1, r + 2) : (0, 0));
        Assert.Equal(long.MaxValue / 3, L(long.MaxValue) / 3);
    }

    [Test]
    public static void ShiftsMaskTheirCount()
    {
        Assert.Equal(2, I(1) << 33);                                // count & 31
        Assert.Equal(-1, I(-1) >> 40);
        Assert.Equal(int.MaxValue, (int)((uint)I(-1) >> 1));
        Assert.Equal(-1 >>> 28, I(-1) >>> 28);
    }

    [Test]
    public static void WideMultiplyAndNumericTypes()
    {
        Assert.Equal(0xFFFFFFFE00000001UL, (ulong)uint.MaxValue * uint.MaxValue);
        ulong high = Math.BigMul(ulong.MaxValue, 2, out ulong low);
        Assert.Equal(1UL, high);
        Assert.Equal(ulong.MaxValue - 1, low);
        Assert.Equal(65535, (int)ushort.MaxValue);
        Assert.Equal((nint)8, (nint)IntPtr.Size);
    }

    [Test]
    public static void CheckedInALoopAccumulates()
    {
        int total = 0;
        var e = Assert.Throws<OverflowException>(() =>
        {
            for (int i = 0; ; i++)
                total = checked(total + I(1 << 20));
        });
        Assert.Equal(2047 << 20, total);
        Assert.NotNull(e);
    }
}
