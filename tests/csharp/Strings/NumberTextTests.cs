using System;
using System.Globalization;
using Graft.Testing;

namespace Strings;

// Numbers to text and back, the invariant culture (a kernel is InvariantGlobalization).
static class IntegerTextTests
{
    [Test]
    public static void IntegerToString()
    {
        Assert.Equal("0", 0.ToString());
        Assert.Equal("-2147483648", int.MinValue.ToString());
        Assert.Equal("18446744073709551615", ulong.MaxValue.ToString());
        Assert.Equal("-128", sbyte.MinValue.ToString());
    }

    [Test]
    public static void IntegerFormats()
    {
        Assert.Equal("ff", 255.ToString("x"));
        Assert.Equal("00FF", 255.ToString("X4"));
        Assert.Equal("1,234,567", 1234567.ToString("N0"));
        Assert.Equal("00042", 42.ToString("D5"));
        Assert.Equal("FFFFFFFF", (-1).ToString("X"));
        Assert.Equal("1.23E+004", 12345.ToString("E2"));
        Assert.Equal("101010", Convert.ToString(42, 2));
        Assert.Equal("12%", 0.12.ToString("0%"));
        Assert.Equal("(5)", (-5).ToString("#;(#)"));
    }

    [Test]
    public static void IntegerParse()
    {
        Assert.Equal(-123, int.Parse("-123"));
        Assert.Equal(255, int.Parse("ff", NumberStyles.HexNumber));
        Assert.Equal(1234, int.Parse("1,234", NumberStyles.AllowThousands, CultureInfo.InvariantCulture));
        Assert.Equal(42L, long.Parse("  42  "));
        Assert.Equal(ulong.MaxValue, ulong.Parse("18446744073709551615"));
        Assert.Equal((byte)200, byte.Parse("200"));
    }

    [Test]
    public static void IntegerParseErrors()
    {
        Assert.Throws<FormatException>(() => int.Parse("12x"));
        Assert.Throws<OverflowException>(() => int.Parse("2147483648"));
        Assert.Throws<OverflowException>(() => byte.Parse("256"));
        Assert.False(int.TryParse("", out _));
        Assert.True(int.TryParse("-0", out int zero) && zero == 0);
    }

    [Test]
    public static void IntegerSpanFormatting()
    {
        Span<char> buffer = stackalloc char[16];
        Assert.True(12345.TryFormat(buffer, out int written, "D8"));
        Assert.Equal("00012345", buffer[..written].ToString());
        Assert.False(12345.TryFormat(buffer[..3], out _));
    }
}

static class FloatTextTests
{
    [Test]
    public static void DoubleToStringIsShortestRoundTrip()
    {
        Assert.Equal("0.1", 0.1.ToString());
        Assert.Equal("0.30000000000000004", (0.1 + 0.2).ToString());
        Assert.Equal("10000000000000000", 1e16.ToString());
        Assert.Equal("1E+17", 1e17.ToString());
        Assert.Equal("1.7976931348623157E+308", double.MaxValue.ToString());
        Assert.Equal("5E-324", double.Epsilon.ToString());
        Assert.Equal("-0", (-0.0).ToString());
    }

    [Test]
    public static void DoubleSpecialValues()
    {
        Assert.Equal("NaN", double.NaN.ToString());
        Assert.Equal("Infinity", double.PositiveInfinity.ToString());
        Assert.Equal("-Infinity", double.NegativeInfinity.ToString());
    }

    [Test]
    public static void DoubleFormats()
    {
        Assert.Equal("3.14", Math.PI.ToString("F2"));
        Assert.Equal("3.141593E+000", Math.PI.ToString("E6"));
        Assert.Equal("1,234.57", 1234.5678.ToString("N2"));
        Assert.Equal("2.5", 2.5.ToString("G"));
        Assert.Equal("0.001", 0.001.ToString("0.###"));
        Assert.Equal("2", 2.5.ToString("F0"));   // .NET rounds the exact midpoint to even
        Assert.Equal("2", 1.5.ToString("0"));
    }

    [Test]
    public static void FloatToString()
    {
        Assert.Equal("0.1", 0.1f.ToString());
        Assert.Equal("3.4028235E+38", float.MaxValue.ToString());
        Assert.Equal("16777216", 16777216f.ToString());
    }

    [Test]
    public static void DoubleParse()
    {
        Assert.Equal(0.1, double.Parse("0.1", CultureInfo.InvariantCulture));
        Assert.Equal(-1.5e-10, double.Parse("-1.5E-10", CultureInfo.InvariantCulture));
        Assert.Equal(1234.5, double.Parse("1,234.5", NumberStyles.Float | NumberStyles.AllowThousands, CultureInfo.InvariantCulture));
        Assert.True(double.IsNaN(double.Parse("NaN", CultureInfo.InvariantCulture)));
        Assert.Equal(double.PositiveInfinity, double.Parse("Infinity", CultureInfo.InvariantCulture));
        Assert.Equal(1.7976931348623157E+308, double.Parse("1.7976931348623157E+308", CultureInfo.InvariantCulture));
    }

    [Test]
    public static void DoubleRoundTripsThroughText()
    {
        double[] values = [Math.PI, Math.E, 1.0 / 3, 123456789.123456789, 2.2250738585072014E-308];
        foreach (double v in values)
            Assert.Equal(v, double.Parse(v.ToString("R", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture));
    }

    [Test]
    public static void DoubleParseErrors()
    {
        Assert.Throws<FormatException>(() => double.Parse("1.2.3", CultureInfo.InvariantCulture));
        Assert.False(double.TryParse("abc", NumberStyles.Float, CultureInfo.InvariantCulture, out _));
    }

    [Test]
    public static void DecimalTextAndArithmetic()
    {
        decimal price = decimal.Parse("19.99", CultureInfo.InvariantCulture);
        Assert.Equal("59.97", (price * 3).ToString(CultureInfo.InvariantCulture));
        Assert.Equal("0.3", (0.1m + 0.2m).ToString());
        Assert.Equal("2.50", (decimal.Parse("1.25") * 2).ToString());
        Assert.Equal("79228162514264337593543950335", decimal.MaxValue.ToString());
    }

    [Test]
    public static void InvariantCultureIsTheCurrentOne()
    {
        Assert.Equal("", CultureInfo.CurrentCulture.Name);
        Assert.Equal(".", CultureInfo.CurrentCulture.NumberFormat.NumberDecimalSeparator);
        Assert.Equal("1.5", 1.5.ToString(CultureInfo.CurrentCulture));
    }
}
