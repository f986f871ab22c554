using System;
using System.Collections.Generic;
using Graft.Testing;

namespace TypeSystem;

static class PatternTests
{
    static string Classify(object? o) => o switch
    {
        null => "null",
        int i when i < 0 => "negative int",
        int => "int",
        string { Length: 0 } => "empty string",
        string s => "string " + s.Length,
        Point { X: 0, Y: 0 } => "origin",
        Point(var x, var y) when x == y => "diagonal",
        Point => "point",
        int[] { Length: > 2 } array => "long array " + array[2],
        IEnumerable<int> => "ints",
        _ => "other " + o.GetType().Name,
    };

    [Test]
    public static void TypeAndPropertyPatterns()
    {
        Assert.Equal("null", Classify(null));
        Assert.Equal("negative int", Classify(-3));
        Assert.Equal("int", Classify(3));
        Assert.Equal("empty string", Classify(""));
        Assert.Equal("string 3", Classify("abc"));
        Assert.Equal("other Double", Classify(1.0));
    }

    [Test]
    public static void PositionalPatternsWithDeconstruct()
    {
        Assert.Equal("origin", Classify(new Point(0, 0)));
        Assert.Equal("diagonal", Classify(new Point(2, 2)));
        Assert.Equal("point", Classify(new Point(1, 2)));
    }

    [Test]
    public static void ListAndLengthPatterns()
    {
        Assert.Equal("long array 9", Classify(new[] { 1, 2, 9 }));
        Assert.Equal("ints", Classify(new[] { 1 }));
        int[] values = [1, 2, 3, 4];
        Assert.True(values is [1, .., 4]);
        Assert.True(values is [_, 2, .. var rest] && rest.Length == 2);
        Assert.False(values is [2, ..]);
    }

    [Test]
    public static void RelationalAndLogicalPatterns()
    {
        static string Grade(int score) => score switch
        {
            >= 90 => "A",
            >= 80 and < 90 => "B",
            < 0 or > 100 => "invalid",
            _ => "C",
        };
        Assert.Equal("A", Grade(95));
        Assert.Equal("B", Grade(85));
        Assert.Equal("C", Grade(10));
        Assert.Equal("invalid", Grade(-1));
        char lower = Classify(1.0)[0];
        Assert.True(lower is not (>= 'A' and <= 'Z'));
    }

    [Test]
    public static void SwitchOnStrings()
    {
        static int Code(string s) => s switch
        {
            "alpha" => 1, "bravo" => 2, "charlie" => 3, "delta" => 4, "echo" => 5, "foxtrot" => 6, "golf" => 7,
            _ => 0,
        };
        Assert.Equal(6, Code("foxtrot"));
        Assert.Equal(0, Code("hotel"));
    }
}

static class PointExtensions
{
    public static void Deconstruct(this Point p, out int x, out int y) { x = p.X; y = p.Y; }
}
