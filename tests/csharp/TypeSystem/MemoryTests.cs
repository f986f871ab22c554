using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Graft.Testing;

namespace TypeSystem;

[StructLayout(LayoutKind.Explicit)]
struct Overlay
{
    [FieldOffset(0)] public uint Whole;
    [FieldOffset(0)] public byte Low;
    [FieldOffset(3)] public byte High;
}

[InlineArray(4)]
struct Four { int element; }

static unsafe class MemoryTests
{
    [Test]
    public static void SpanOverArray()
    {
        int[] array = [1, 2, 3, 4, 5];
        Span<int> middle = array.AsSpan(1, 3);
        middle[0] = 20;
        middle.Reverse();
        Assert.Equal("1,4,3,20,5", string.Join(",", array));
        Assert.Equal(3, middle.Length);
    }

    [Test]
    public static void SpanSliceFillAndCopy()
    {
        Span<byte> bytes = new byte[8];
        bytes.Slice(2, 3).Fill(7);
        Span<byte> copy = new byte[8];
        bytes.CopyTo(copy);
        Assert.Equal(7, copy[4]);
        Assert.Equal(0, copy[5]);
        Assert.True(bytes.SequenceEqual(copy));
    }

    [Test]
    public static void ReadOnlySpanOfString()
    {
        ReadOnlySpan<char> text = "hello, world".AsSpan();
        int comma = text.IndexOf(',');
        Assert.Equal(5, comma);
        Assert.Equal("world", text.Slice(comma + 2).ToString());
        Assert.True(text.StartsWith("hell"));
    }

    [Test]
    public static void Stackalloc()
    {
        Span<int> squares = stackalloc int[16];
        for (int i = 0; i < squares.Length; i++)
            squares[i] = i * i;
        int sum = 0;
        foreach (int s in squares) sum += s;
        Assert.Equal(1240, sum);
    }

    [Test]
    public static void StackallocPointer()
    {
        byte* buffer = stackalloc byte[32];
        for (int i = 0; i < 32; i++)
            buffer[i] = (byte)i;
        Assert.Equal(31, buffer[31]);
        Assert.Equal(0x03020100u, *(uint*)buffer);
    }

    [Test]
    public static void RefLocalsAndReturns()
    {
        int[] values = [1, 2, 3];
        ref int second = ref values[1];
        second = 20;
        ref int largest = ref Largest(values);
        largest++;
        Assert.Equal("1,21,3", string.Join(",", values));
    }

    static ref int Largest(int[] values)
    {
        int at = 0;
        for (int i = 1; i < values.Length; i++)
            if (values[i] > values[at]) at = i;
        return ref values[at];
    }

    [Test]
    public static void RefParametersAndOut()
    {
        int a = 1;
        Increment(ref a);
        Assert.Equal(2, a);
        Assert.True(int.TryParse("77", out int parsed));
        Assert.Equal(77, parsed);
    }

    static void Increment(ref int value) => value++;

    [Test]
    public static void RefStructAndScoped()
    {
        var reader = new Reader("a,b,c");
        int parts = 0;
        while (reader.Next(out ReadOnlySpan<char> part))
            parts += part.Length;
        Assert.Equal(3, parts);
    }

    ref struct Reader(ReadOnlySpan<char> text)
    {
        ReadOnlySpan<char> rest = text;
        public bool Next(out ReadOnlySpan<char> part)
        {
            if (rest.IsEmpty) { part = default; return false; }
            int comma = rest.IndexOf(',');
            part = comma < 0 ? rest : rest[..comma];
            rest = comma < 0 ? default : rest[(comma + 1)..];
            return true;
        }
    }

    [Test]
    public static void PointersToFieldsAndFixed()
    {
        var point = new Point(3, 4);
        Point* p = &point;
        p->Y = 40;
        int[] array = [5, 6, 7];
        int total = 0;
        fixed (int* first = array)
            for (int* q = first; q < first + array.Length; q++)
                total += *q;
        Assert.Equal(40, point.Y);
        Assert.Equal(18, total);
    }

    [Test]
    public static void ExplicitLayout()
    {
        var overlay = new Overlay { Whole = 0xAABBCCDD };
        Assert.Equal(0xDD, overlay.Low);
        Assert.Equal(0xAA, overlay.High);
    }

    [Test]
    public static void InlineArray()
    {
        var four = new Four();
        for (int i = 0; i < 4; i++)
            four[i] = i + 1;
        Span<int> span = four;
        Assert.Equal(10, span[0] + span[1] + span[2] + span[3]);
    }

    [Test]
    public static void UnsafeAsAndMemoryMarshal()
    {
        float one = 1.0f;
        Assert.Equal(0x3F800000, Unsafe.As<float, int>(ref one));
        Span<int> ints = [1, 2];
        Span<byte> bytes = MemoryMarshal.AsBytes(ints);
        Assert.Equal(8, bytes.Length);
        Assert.Equal(2, bytes[4]);
    }

    [Test]
    public static void FunctionPointer()
    {
        delegate*<int, int, int> add = &Add;
        Assert.Equal(7, add(3, 4));
    }

    static int Add(int a, int b) => a + b;
}
