using System;
using Graft.Testing;

namespace TypeSystem;

struct Point
{
    public int X, Y;
    public Point(int x, int y) { X = x; Y = y; }
    public void Move(int dx) => X += dx;
    public readonly int Sum => X + Y;
    public override string ToString() => $"({X}, {Y})";
}

interface ICounter { int Next(); }

struct Counter : ICounter
{
    int count;
    public int Next() => ++count;
}

[Flags]
enum Access : byte { None = 0, Read = 1, Write = 2, Execute = 4 }

enum Color : long { Red = -1, Green = 1L << 40, Blue }



static class ValueTests
{
    [Test]
    public static void StructsCopyOnAssignment()
    {
        var a = new Point(1, 2);
        var b = a;
        b.Move(10);
        Assert.Equal(1, a.X);
        Assert.Equal(11, b.X);
    }

    [Test]
    public static void StructInArrayIsModifiedInPlace()
    {
        var points = new Point[2];
        points[1].Move(5);
        Assert.Equal(5, points[1].X);
    }

    [Test]
    public static void BoxingCopiesTheValue()
    {
        var point = new Point(1, 1);
        object boxed = point;
        point.Move(1);
        Assert.Equal("(1, 1)", boxed.ToString());
        Assert.Equal(2, point.X);
        Assert.Equal(1, ((Point)boxed).X);
    }

    [Test]
    public static void InterfaceCallOnBoxedStructMutatesTheBox()
    {
        ICounter counter = new Counter();
        counter.Next();
        Assert.Equal(2, counter.Next());
    }

    [Test]
    public static void ConstrainedCallOnStructDoesNotBox()
    {
        var counter = new Counter();
        Assert.Equal(1, Advance(ref counter));
        Assert.Equal(2, Advance(ref counter));
    }

    static int Advance<T>(ref T counter) where T : ICounter => counter.Next();

    [Test]
    public static void BoxedEqualsAndHashCode()
    {
        object a = 42, b = 42;
        Assert.False(ReferenceEquals(a, b));
        Assert.True(a.Equals(b));
        Assert.Equal(42.GetHashCode(), a.GetHashCode());
        Assert.True(new Point(1, 2).Equals(new Point(1, 2)));
    }

    [Test]
    public static void NullableValues()
    {
        int? none = null;
        int? some = 5;
        Assert.False(none.HasValue);
        Assert.Equal(5, some.Value);
        Assert.Equal(7, none ?? 7);
        Assert.Null(none + 1);
        Assert.Equal(6, some + 1);
    }

    [Test]
    public static void NullableBoxing()
    {
        int? none = null;
        int? some = 3;
        object? boxedNone = none;
        object? boxedSome = some;
        Assert.Null(boxedNone);
        Assert.Equal(typeof(int), boxedSome!.GetType());
        Assert.Equal(3, (int?)boxedSome);
    }

    [Test]
    public static void EnumToStringAndParse()
    {
        Assert.Equal("Write", Access.Write.ToString());
        Assert.Equal("Read, Execute", (Access.Read | Access.Execute).ToString());
        Assert.Equal(Access.Execute, Enum.Parse<Access>("Execute"));
        Assert.Equal("Friday", DayOfWeek.Friday.ToString());
    }

    [Test]
    public static void EnumUnderlyingTypes()
    {
        Assert.Equal(typeof(byte), Enum.GetUnderlyingType(typeof(Access)));
        Assert.Equal((1L << 40) + 1, (long)Color.Blue);
        Assert.Equal("Red", Color.Red.ToString());
        Assert.True((Access.Read | Access.Write).HasFlag(Access.Write));
    }

    [Test]
    public static void EnumValuesAndNames()
    {
        Assert.Equal("None,Read,Write,Execute", string.Join(",", Enum.GetNames<Access>()));
        Assert.Equal(3, Enum.GetValues<Color>().Length);
    }

    [Test]
    public static void Tuples()
    {
        (int Count, string Name) t = (2, "two");
        var (count, name) = t;
        Assert.Equal(2, count);
        Assert.Equal("two", name);
        Assert.Equal("(2, two)", t.ToString());
        Assert.Equal((1, "a"), (1, "a"));
        Assert.True((1, 2) != (2, 1));
    }

    [Test]
    public static void TupleSwapAndReturn()
    {
        int a = 1, b = 2;
        (a, b) = (b, a);
        Assert.Equal((2, 1), (a, b));
        Assert.Equal((3, 1), MinMax(new[] { 2, 3, 1 }));
    }

    static (int Max, int Min) MinMax(int[] values)
    {
        int max = int.MinValue, min = int.MaxValue;
        foreach (int v in values) { max = Math.Max(max, v); min = Math.Min(min, v); }
        return (max, min);
    }

    [Test]
    public static void TupleWithManyElements()
    {
        var t = (1, 2, 3, 4, 5, 6, 7, 8, 9);
        Assert.Equal(9, t.Item9);
        Assert.Equal("(1, 2, 3, 4, 5, 6, 7, 8, 9)", t.ToString());
    }

    [Test]
    public static void ValueTypeSizes()
    {
        Assert.Equal(8, System.Runtime.CompilerServices.Unsafe.SizeOf<Point>());
        Assert.Equal(1, sizeof(Access));
        Assert.Equal(16, sizeof(decimal));
    }
}
