using System;
using System.Runtime.CompilerServices;
using Graft.Testing;

namespace Numbers;

// Math functions CoreLib takes from the C library (libm): the kernel runtime does not define
// asin, atan2, cos, exp, floor, fma, log, log10, log2, pow, sin or tan yet, so a kernel with
// these tests does not link (GRAFT4003). Built only with -p:GraftTestGaps=true (and always by
// tests/csharp/run-on-host); Numbers.csproj leaves Gaps/ out otherwise.
static class LibmTests
{
    [MethodImpl(MethodImplOptions.NoInlining)] static double D(double x) => x;

    [Test]
    public static void Pow()
    {
        Assert.Equal(1024.0, Math.Pow(D(2), 10));
        Assert.Equal(0.5, Math.Pow(D(4), -0.5));
    }

    [Test]
    public static void FusedMultiplyAdd()
    {
        Assert.Equal(7.0, Math.FusedMultiplyAdd(D(2), 3, 1));
    }

    [Test]
    public static void Rounding()
    {
        Assert.Equal(2.0, Math.Round(D(2.5)));                              // to even
        Assert.Equal(3.0, Math.Round(D(2.5), MidpointRounding.AwayFromZero));
        Assert.Equal(-2.0, Math.Floor(D(-1.5)));
        Assert.Equal(-1.0, Math.Ceiling(D(-1.5)));
        Assert.Equal(1.23, Math.Round(D(1.2345), 2));
    }

    [Test]
    public static void Trigonometry()
    {
        Assert.Equal(1.0, Math.Sin(D(Math.PI / 2)));
        Assert.Equal(-1.0, Math.Cos(D(Math.PI)));
        Assert.True(Math.Abs(Math.Tan(D(Math.PI / 4)) - 1.0) < 1e-15);
        Assert.Equal(Math.PI / 4, Math.Atan2(D(1), 1));
        Assert.Equal(Math.PI / 2, Math.Asin(D(1)));
    }

    [Test]
    public static void ExponentsAndLogarithms()
    {
        Assert.Equal(Math.E, Math.Exp(D(1)));
        Assert.Equal(1.0, Math.Log(D(Math.E)));
        Assert.Equal(3.0, Math.Log10(D(1000)));
        Assert.Equal(10.0, Math.Log2(D(1024)));
        Assert.Equal(double.NegativeInfinity, Math.Log(D(0)));
    }
}
