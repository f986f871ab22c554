using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using Graft.Testing;

namespace GcHeap;

sealed class Node
{
    public Node? Next;
    public int Value;
    public Node(int value, Node? next) { Value = value; Next = next; }
}

struct Pair
{
    public string Name;
    public int Number;
    public object Box;
}

// Garbage in volume, and what must survive it.
static class ChurnTests
{
    const long Mib = 1024 * 1024;

    [MethodImpl(MethodImplOptions.NoInlining)]
    static Node Chain(int length)
    {
        Node? head = null;
        for (int i = length - 1; i >= 0; i--)
            head = new Node(i, head);
        return head!;
    }

    // 32-byte objects in chains of 1024, each dropped at once: 640 MiB in all, ten times the
    // 64 MiB machine.
    [Test]
    public static void ShortLivedGarbageTenTimesMemory()
    {
        long before = GC.CollectionCount(0);
        long allocatedBefore = GC.GetTotalAllocatedBytes();
        long sum = 0;
        for (int round = 0; round < 20 * 1024; round++)
        {
            Node head = Chain(1024);
            sum += head.Next!.Value;
        }
        Assert.Equal(20L * 1024, sum);
        long collections = GC.CollectionCount(0) - before;
        long allocated = GC.GetTotalAllocatedBytes() - allocatedBefore;
        Assert.True(collections >= 100, $"only {collections} collections for 640 MiB of garbage");
        Assert.True(allocated >= 8 * 64 * Mib, $"allocated {allocated}");
    }

    static ref int Slot(int[] array) => ref array[500];

    static string Key(int i) => "key" + i;

    [Test]
    public static void LongLivedDataSurvivesHundredsOfCollections()
    {
        var dictionary = new Dictionary<string, int>();
        for (int i = 0; i < 100_000; i++)
            dictionary.Add(Key(i), i * 3);
        Node chain = Chain(200_000);
        var large = new long[500_000];
        for (int i = 0; i < large.Length; i++)
            large[i] = i * 7L;
        var pairs = new Pair[10_000];
        for (int i = 0; i < pairs.Length; i++)
            pairs[i] = new Pair { Name = "p" + i, Number = i, Box = i };

        long start = GC.CollectionCount(0);
        while (GC.CollectionCount(0) - start < 200)
            Chain(2048);

        Assert.Equal(100_000, dictionary.Count);
        for (int i = 0; i < 100_000; i++)
            Assert.Equal(i * 3, dictionary[Key(i)]);
        int n = 0;
        for (Node? node = chain; node != null; node = node.Next, n++)
            Assert.Equal(n, node.Value);
        Assert.Equal(200_000, n);
        for (int i = 0; i < large.Length; i++)
            Assert.Equal(i * 7L, large[i]);
        for (int i = 0; i < pairs.Length; i++)
        {
            Assert.Equal("p" + i, pairs[i].Name);
            Assert.Equal(i, pairs[i].Number);
            Assert.Equal(i, (int)pairs[i].Box);
        }
    }

    [Test]
    public static void LargeArraysComeAndGo()
    {
        long heapBefore = (long)Graft.Kernel.Heap.Figures.HeapBytes;
        for (int round = 0; round < 200; round++)
        {
            var bytes = new byte[1_000_000 + round];
            bytes[round] = (byte)round;
            bytes[^1] = 0xAB;
            var refs = new object[50_000];
            refs[round] = bytes;
            Assert.Equal((byte)round, ((byte[])refs[round])[round]);
            Assert.Equal(0xAB, bytes[^1]);
        }
        GC.Collect();
        long heapAfter = (long)Graft.Kernel.Heap.Figures.HeapBytes;
        Assert.True(heapAfter < heapBefore + 8 * Mib, $"the heap grew from {heapBefore} to {heapAfter}");
    }

    [Test]
    public static void StringsBuiltInLoops()
    {
        string text = "";
        for (int i = 0; i < 2000; i++)
            text += (char)('a' + i % 26);
        Assert.Equal(2000, text.Length);
        for (int i = 0; i < 2000; i++)
            Assert.Equal((char)('a' + i % 26), text[i]);
        var builder = new System.Text.StringBuilder();
        for (int i = 0; i < 20_000; i++)
            builder.Append(i).Append(',');
        string joined = builder.ToString();
        Assert.True(joined.StartsWith("0,1,2,3,"));
        Assert.True(joined.EndsWith(",19998,19999,"));
        Assert.Equal(20_000, joined.Split(',').Length - 1);
    }

    // A reference to the inside of an array (a ref and a Span) keeps the array alive and in place.
    [Test]
    public static void InteriorPointersKeepTheirObject()
    {
        ref int slot = ref Slot(new int[1000]);
        Span<int> span = new int[300].AsSpan(100, 50);
        slot = 41;
        span[10] = 7;
        for (int round = 0; round < 20; round++)
        {
            GC.Collect();
            Chain(10_000);
        }
        slot++;
        Assert.Equal(42, slot);
        Assert.Equal(7, span[10]);
        Assert.Equal(0, span[11]);
    }
}
