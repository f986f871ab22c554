using System;
using System.Runtime.CompilerServices;
using Graft.Testing;

namespace Numbers;

// Math and MathF functions CoreLib takes from the C library (libm): in a kernel the runtime's
// sdk/runtime/interop/libm.c (correctly rounded), on .NET glibc. Expected values are .NET's;
// exact where glibc is correctly rounded too, within 1 ulp (Near) where glibc is 1 ulp off the
// correctly rounded value (acosh(2), atanh(0.5), cbrt(2) and even cbrt(27): tests/libm/run measures
// how often).
static class LibmTests
{
    [MethodImpl(MethodImplOptions.NoInlining)] static double D(double x) => x;
    [MethodImpl(MethodImplOptions.NoInlining)] static float F(float x) => x;

    // actual is expected or one of its neighbours
    static void Near(double expected, double actual,
        [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        if (actual != expected && actual != Math.BitIncrement(expected) && actual != Math.BitDecrement(expected))
            Assert.Fail($"expected {expected:R} within 1 ulp, got {actual:R}", file, line);
    }

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

    [Test]
    public static void LargeArgumentsReduce()
    {
        Assert.Equal(-0.8522008497671888, Math.Sin(D(1e22)));     // Payne-Hanek reduction
        Assert.Equal(0.523214785395139, Math.Cos(D(1e22)));
        Assert.Equal(0.479425538604203, Math.Sin(D(0.5)));
        Assert.Equal(0.8775825618903728, Math.Cos(D(0.5)));
        Assert.Equal(1.5574077246549023, Math.Tan(D(1)));
        Assert.True(double.IsNaN(Math.Sin(D(double.PositiveInfinity))));
    }

    [Test]
    public static void ExponentialValues()
    {
        Assert.Equal(0.36787944117144233, Math.Exp(D(-1)));
        Assert.Equal(1.6487212707001282, Math.Exp(D(0.5)));
        Assert.Equal(1.0142320547350045e+304, Math.Exp(D(700)));
        Assert.Equal(double.PositiveInfinity, Math.Exp(D(710)));
        Assert.Equal(0.0, Math.Exp(D(-746)));
        Assert.Equal(2.302585092994046, Math.Log(D(10)));
        Assert.Equal(-2.3025850929940455, Math.Log(D(0.1)));
        Assert.Equal(1.584962500721156, Math.Log2(D(3)));
        Assert.Equal(0.3010299956639812, Math.Log10(D(2)));
        Assert.Equal(-5.0, Math.Log10(D(1e-5)));
        Assert.True(double.IsNaN(Math.Log(D(-1))));
    }

    [Test]
    public static void Powers()
    {
        Assert.Equal(0.01, Math.Pow(D(10), -2));
        Assert.Equal(1.4142135623730951, Math.Pow(D(2), 0.5));
        Assert.Equal(-8.0, Math.Pow(D(-2), 3));
        Assert.Equal(2.7556759606310752, Math.Pow(D(1.5), 2.5));
        Assert.Equal(double.NegativeInfinity, Math.Pow(D(-0.0), -1));
        Assert.Equal(1.0, Math.Pow(D(-1), double.MaxValue));
        Assert.True(double.IsNaN(Math.Pow(D(-2), 0.5)));
        Assert.Equal(1.0, Math.Pow(D(double.NaN), 0));
    }

    [Test]
    public static void InverseTrigonometry()
    {
        Assert.Equal(1.0471975511965979, Math.Acos(D(0.5)));
        Assert.Equal(Math.PI, Math.Acos(D(-1)));
        Assert.Equal(0.4636476090008061, Math.Atan(D(0.5)));
        Assert.Equal(Math.PI / 2, Math.Atan(D(double.PositiveInfinity)));
        Assert.Equal(-2.356194490192345, Math.Atan2(D(-1), -1));
        Assert.Equal(Math.PI, Math.Atan2(D(0), -1));
        Assert.Equal(-Math.PI, Math.Atan2(D(-0.0), -1));
        Assert.True(double.IsNaN(Math.Asin(D(1.5))));
    }

    [Test]
    public static void Hyperbolic()
    {
        Assert.Equal(1.1752011936438014, Math.Sinh(D(1)));
        Assert.Equal(1.5430806348152437, Math.Cosh(D(1)));
        Assert.Equal(0.46211715726000974, Math.Tanh(D(0.5)));
        Assert.Equal(0.7615941559557649, Math.Tanh(D(1)));
        Assert.Equal(1.0, Math.Tanh(D(double.PositiveInfinity)));
        Assert.Equal(0.881373587019543, Math.Asinh(D(1)));
        Near(1.3169578969248166, Math.Acosh(D(2)));
        Near(0.5493061443340548, Math.Atanh(D(0.5)));
        Assert.Equal(double.PositiveInfinity, Math.Atanh(D(1)));
    }

    [Test]
    public static void CubeRootAndRemainder()
    {
        Near(3.0, Math.Cbrt(D(27)));                             // glibc: 3.0000000000000004
        Assert.Equal(-2.0, Math.Cbrt(D(-8)));
        Near(1.2599210498948734, Math.Cbrt(D(2)));
        Assert.Equal(1.5, D(10.5) % 3);                         // fmod
        Assert.Equal(-1.0, D(-7) % 2);
        Assert.Equal(5.0, D(5) % double.PositiveInfinity);
        Assert.True(double.IsNaN(D(5) % 0));
    }

    [Test]
    public static void FusedMultiplyAddRoundsOnce()
    {
        // 0.1 * 10 is 1 + 2^-54 before rounding: a separate multiply would give 0
        Assert.Equal(5.551115123125783e-17, Math.FusedMultiplyAdd(D(0.1), 10, -1));
        Assert.Equal(7.0f, MathF.FusedMultiplyAdd(F(2), 3, 1));
    }

    [Test]
    public static void SinglePrecision()
    {
        Assert.Equal(0.4794255495071411f, MathF.Sin(F(0.5f)));
        Assert.Equal(0.8775825500488281f, MathF.Cos(F(0.5f)));
        Assert.Equal(-1.0f, MathF.Cos(F(MathF.PI)));
        Assert.Equal(2.7182817459106445f, MathF.Exp(F(1)));
        Assert.Equal(2.3025851249694824f, MathF.Log(F(10)));
        Assert.Equal(3.0f, MathF.Log2(F(8)));
        Assert.Equal(1024.0f, MathF.Pow(F(2), 10));
        Assert.Equal(MathF.PI / 4, MathF.Atan2(F(1), 1));
        Assert.Equal(0.46211716532707214f, MathF.Tanh(F(0.5f)));
        Assert.Equal(1.175201177597046f, MathF.Sinh(F(1)));
        Assert.Equal(0.5235987901687622f, MathF.Asin(F(0.5f)));
        Assert.Equal(3.0f, MathF.Cbrt(F(27)));
        Assert.Equal(1.5f, F(5.5f) % 2);                         // fmodf
        Assert.Equal(-2.0f, MathF.Floor(F(-1.5f)));
        Assert.Equal(-1.0f, MathF.Ceiling(F(-1.5f)));
        Assert.Equal(-1.0f, MathF.Truncate(F(-1.75f)));         // modff
    }
}
