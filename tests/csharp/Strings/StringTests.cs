using System;
using System.Text;
using Graft.Testing;

namespace Strings;

static class StringTests
{
    [Test]
    public static void ConcatAndLength()
    {
        string a = "ker", b = "nel";
        string joined = a + b + 1 + 'x';
        Assert.Equal("kernel1x", joined);
        Assert.Equal(8, joined.Length);
    }

    [Test]
    public static void EqualityIsByValue()
    {
        string built = new StringBuilder("ab").Append('c').ToString();
        Assert.True(built == "abc");
        Assert.False(ReferenceEquals(built, "abc"));
        // Intern gives one object per value (under NativeAOT literals are not in its table).
        Assert.Same(string.Intern(built), string.Intern(new string(built.ToCharArray())));
        Assert.Equal("abc".GetHashCode(), built.GetHashCode());
    }

    [Test]
    public static void SearchAndCompare()
    {
        string s = "The quick brown fox";
        Assert.Equal(4, s.IndexOf("quick", StringComparison.Ordinal));
        Assert.Equal(-1, s.IndexOf('z'));
        Assert.Equal(16, s.LastIndexOf('f'));
        Assert.True(s.Contains("brown", StringComparison.Ordinal));
        Assert.True(s.StartsWith("the", StringComparison.OrdinalIgnoreCase));
        Assert.True(string.CompareOrdinal("apple", "banana") < 0);
        Assert.Equal(0, string.Compare("HELLO", "hello", StringComparison.OrdinalIgnoreCase));
    }

    [Test]
    public static void SubstringSplitJoin()
    {
        string csv = "a,b,,c";
        Assert.Equal(4, csv.Split(',').Length);
        Assert.Equal(3, csv.Split(',', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Equal("b", csv.Substring(2, 1));
        Assert.Equal("a|b||c", string.Join("|", csv.Split(',')));
        Assert.Equal("c", csv[^1..]);
    }

    [Test]
    public static void TrimPadReplaceCase()
    {
        Assert.Equal("x", "  x \t\n".Trim());
        Assert.Equal("007", "7".PadLeft(3, '0'));
        Assert.Equal("7  |", "7".PadRight(3) + "|");
        Assert.Equal("k-e-r", "k.e.r".Replace('.', '-'));
        Assert.Equal("a kernel", "a colonel".Replace("colonel", "kernel"));
        Assert.Equal("MIXED case", "mixed".ToUpperInvariant() + " " + "CASE".ToLowerInvariant());
    }

    [Test]
    public static void InterpolationAndAlignment()
    {
        int n = 42;
        double d = 3.5;
        Assert.Equal("n=42 d=3.5 hex=2A [   7] [7   ]", $"n={n} d={d} hex={n:X} [{7,4}] [{7,-4}]");
    }

    [Test]
    public static void Format()
    {
        Assert.Equal("1-two-3.00", string.Format("{0}-{1}-{2:F2}", 1, "two", 3.0));
        Assert.Equal("{literal}", string.Format("{{literal}}"));
    }

    [Test]
    public static void CharClassification()
    {
        Assert.True(char.IsDigit('7'));
        Assert.True(char.IsLetter('é'));
        Assert.True(char.IsWhiteSpace('\t'));
        Assert.True(char.IsUpper('Q'));
        Assert.Equal('q', char.ToLowerInvariant('Q'));
        Assert.Equal(9, (int)char.GetNumericValue('9'));
    }

    [Test]
    public static void NonAsciiAndSurrogates()
    {
        string s = "Grüße, 世界 🙂";
        Assert.Equal(12, s.Length);           // the emoji is two UTF-16 code units
        Assert.True(char.IsSurrogatePair(s[10], s[11]));
        Assert.Equal(0x1F642, char.ConvertToUtf32(s, 10));
        Assert.Equal("GRÜSSE, 世界 🙂".Length - 1, s.ToUpperInvariant().Length);
    }

    [Test]
    public static void Utf8RoundTrip()
    {
        string s = "Grüße 🙂";
        byte[] bytes = Encoding.UTF8.GetBytes(s);
        Assert.Equal(12, bytes.Length);
        Assert.Equal(0xC3, bytes[2]);
        Assert.Equal(s, Encoding.UTF8.GetString(bytes));
        Assert.Equal("R3LDvMOfZSDwn5mC", Convert.ToBase64String(bytes));
    }

    [Test]
    public static void StringCreateAndSpanOps()
    {
        string s = string.Create(5, 'a', (span, start) =>
        {
            for (int i = 0; i < span.Length; i++)
                span[i] = (char)(start + i);
        });
        Assert.Equal("abcde", s);
        Assert.Equal("edcba", new string(Reversed(s)));
        Assert.Equal("xxx", new string('x', 3));
    }

    static char[] Reversed(string s)
    {
        char[] chars = s.ToCharArray();
        Array.Reverse(chars);
        return chars;
    }

    [Test]
    public static void NullAndEmpty()
    {
        string? none = null;
        Assert.True(string.IsNullOrEmpty(none));
        Assert.True(string.IsNullOrWhiteSpace("  "));
        Assert.Equal("", string.Empty);
        Assert.Equal("x", none + "x");
        Assert.Equal("", string.Concat((string?)null, null));
    }
}

static class StringBuilderTests
{
    [Test]
    public static void AppendInsertRemove()
    {
        var sb = new StringBuilder();
        sb.Append("kernel").Append(' ').Append(42).Append(' ').Append(true);
        sb.Insert(0, ">> ");
        sb.Remove(3, 1);
        Assert.Equal(">> ernel 42 True", sb.ToString());
    }

    [Test]
    public static void AppendFormatAndLine()
    {
        var sb = new StringBuilder();
        sb.AppendFormat("{0:D3}|{1,5}|", 7, "ab");
        sb.AppendLine("end");
        Assert.Equal("007|   ab|end\n", sb.ToString());
    }

    [Test]
    public static void GrowsPastItsCapacity()
    {
        var sb = new StringBuilder(4);
        for (int i = 0; i < 1000; i++)
            sb.Append((char)('a' + i % 26));
        Assert.Equal(1000, sb.Length);
        Assert.Equal('l', sb[999]);
        Assert.True(sb.Capacity >= 1000);
    }

    [Test]
    public static void ReplaceAndIndexer()
    {
        var sb = new StringBuilder("a-b-c");
        sb.Replace("-", "+");
        sb[0] = 'A';
        Assert.Equal("A+b+c", sb.ToString());
        sb.Clear();
        Assert.Equal(0, sb.Length);
    }

    [Test]
    public static void InterpolatedAppend()
    {
        var sb = new StringBuilder();
        int x = 5;
        sb.Append($"x={x,3}:{x:X2}");
        Assert.Equal("x=  5:05", sb.ToString());
    }
}
