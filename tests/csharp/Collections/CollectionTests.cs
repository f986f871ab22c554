using System;
using System.Collections.Generic;
using Graft.Testing;

namespace Collections;

sealed class Key(int id) : IEquatable<Key>
{
    public int Id { get; } = id;
    public bool Equals(Key? other) => other is not null && other.Id == Id;
    public override bool Equals(object? obj) => Equals(obj as Key);
    public override int GetHashCode() => Id % 3;       // collisions on purpose
}

static class ListTests
{
    [Test]
    public static void AddInsertRemove()
    {
        var list = new List<int> { 1, 2, 3 };
        list.Add(4);
        list.Insert(0, 0);
        list.Remove(2);
        list.RemoveAt(list.Count - 1);
        Assert.Equal("0,1,3", string.Join(",", list));
    }

    [Test]
    public static void GrowsFromEmpty()
    {
        var list = new List<string>();
        for (int i = 0; i < 10000; i++)
            list.Add(i.ToString());
        Assert.Equal(10000, list.Count);
        Assert.Equal("9999", list[^1]);
        Assert.True(list.Capacity >= 10000);
    }

    [Test]
    public static void SearchAndSort()
    {
        var list = new List<int> { 5, 3, 9, 1 };
        list.Sort();
        Assert.Equal("1,3,5,9", string.Join(",", list));
        Assert.Equal(2, list.BinarySearch(5));
        Assert.Equal(3, list.IndexOf(9));
        Assert.True(list.Exists(x => x > 8));
        Assert.Equal(9, list.Find(x => x > 5));
        list.Sort((a, b) => b.CompareTo(a));
        Assert.Equal("9,5,3,1", string.Join(",", list));
    }

    [Test]
    public static void RangesAndRemoveAll()
    {
        var list = new List<int>();
        list.AddRange(new[] { 1, 2, 3, 4, 5, 6 });
        Assert.Equal("3,4", string.Join(",", list.GetRange(2, 2)));
        Assert.Equal(3, list.RemoveAll(x => x % 2 == 0));
        Assert.Equal("1,3,5", string.Join(",", list));
        list.Reverse();
        Assert.Equal("5,3,1", string.Join(",", list.ToArray()));
    }

    [Test]
    public static void ModifiedDuringEnumerationThrows()
    {
        var list = new List<int> { 1, 2 };
        Assert.Throws<InvalidOperationException>(() => { foreach (int x in list) list.Add(x); });
    }

    [Test]
    public static void ListOfStructs()
    {
        var list = new List<(int, string)> { (2, "b"), (1, "a") };
        list.Sort();
        Assert.Equal((1, "a"), list[0]);
    }
}

static class DictionaryTests
{
    [Test]
    public static void AddLookupRemove()
    {
        var map = new Dictionary<string, int> { ["one"] = 1, ["two"] = 2 };
        map.Add("three", 3);
        map["one"] = 11;
        Assert.True(map.Remove("two"));
        Assert.Equal(2, map.Count);
        Assert.Equal(11, map["one"]);
        Assert.True(map.TryGetValue("three", out int three) && three == 3);
        Assert.False(map.ContainsKey("two"));
    }

    [Test]
    public static void DuplicateAddThrows()
    {
        var map = new Dictionary<int, int> { [1] = 1 };
        var e = Assert.Throws<ArgumentException>(() => map.Add(1, 2));
        Assert.Equal("An item with the same key has already been added. Key: 1", e.Message);
        Assert.False(map.TryAdd(1, 3));
    }

    [Test]
    public static void ManyEntriesAndCollisions()
    {
        var map = new Dictionary<Key, int>();
        for (int i = 0; i < 600; i++)
            map[new Key(i)] = i * 2;
        Assert.Equal(600, map.Count);
        Assert.Equal(1198, map[new Key(599)]);
        for (int i = 0; i < 600; i += 2)
            map.Remove(new Key(i));
        Assert.Equal(300, map.Count);
        Assert.False(map.ContainsKey(new Key(10)));
        Assert.True(map.ContainsKey(new Key(11)));
    }

    [Test]
    public static void InsertionOrderWithoutRemovals()
    {
        var map = new Dictionary<string, int>();
        foreach (string s in new[] { "z", "a", "m" })
            map[s] = s[0];
        Assert.Equal("z,a,m", string.Join(",", map.Keys));
        Assert.Equal(122 + 97 + 109, Sum(map.Values));
    }

    static int Sum(IEnumerable<int> values)
    {
        int total = 0;
        foreach (int v in values) total += v;
        return total;
    }

    [Test]
    public static void ComparerIgnoringCase()
    {
        var map = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase) { ["Kernel"] = 1 };
        Assert.Equal(1, map["KERNEL"]);
    }

    [Test]
    public static void EnumKeysAndCollectionsMarshal()
    {
        var map = new Dictionary<DayOfWeek, int>();
        ref int slot = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(map, DayOfWeek.Monday, out bool existed);
        slot = 5;
        Assert.False(existed);
        Assert.Equal(5, map[DayOfWeek.Monday]);
    }

    [Test]
    public static void SortedDictionaryKeepsKeysInOrder()
    {
        var sorted = new SortedDictionary<int, string> { [3] = "c", [1] = "a", [2] = "b" };
        Assert.Equal("1,2,3", string.Join(",", sorted.Keys));
        Assert.Equal("abc", string.Concat(sorted.Values));
    }
}

static class SetTests
{
    [Test]
    public static void HashSetBasics()
    {
        var set = new HashSet<int> { 1, 2, 3, 2 };
        Assert.Equal(3, set.Count);
        Assert.False(set.Add(3));
        Assert.True(set.Contains(1));
        Assert.True(set.Remove(1));
        Assert.False(set.Contains(1));
    }

    [Test]
    public static void SetOperations()
    {
        var a = new HashSet<string> { "x", "y", "z" };
        var b = new HashSet<string> { "y", "w" };
        var union = new HashSet<string>(a); union.UnionWith(b);
        var both = new HashSet<string>(a); both.IntersectWith(b);
        var onlyA = new HashSet<string>(a); onlyA.ExceptWith(b);
        Assert.Equal(4, union.Count);
        Assert.True(both.SetEquals(new[] { "y" }));
        Assert.Equal(2, onlyA.Count);
        Assert.True(both.IsSubsetOf(a));
    }

    [Test]
    public static void SortedSet()
    {
        var set = new SortedSet<int> { 5, 1, 3, 1 };
        Assert.Equal("1,3,5", string.Join(",", set));
        Assert.Equal(1, set.Min);
        Assert.Equal(5, set.Max);
    }
}

static class ArrayTests
{
    [Test]
    public static void SortIntegers()
    {
        int[] values = [5, -1, 3, 3, 0, int.MaxValue, int.MinValue];
        Array.Sort(values);
        Assert.Equal("-2147483648,-1,0,3,3,5,2147483647", string.Join(",", values));
    }

    [Test]
    public static void SortStringsOrdinal()
    {
        string[] words = ["delta", "alpha", "charlie", "Bravo"];
        Array.Sort(words, StringComparer.Ordinal);
        Assert.Equal("Bravo,alpha,charlie,delta", string.Join(",", words));
    }

    [Test]
    public static void SortWithComparisonAndKeys()
    {
        string[] words = ["ccc", "a", "bb"];
        Array.Sort(words, (x, y) => x.Length.CompareTo(y.Length));
        int[] keys = [3, 1, 2];
        char[] items = ['c', 'a', 'b'];
        Array.Sort(keys, items);
        Assert.Equal("a,bb,ccc", string.Join(",", words));
        Assert.Equal("abc", new string(items));
    }

    [Test]
    public static void SortLargeArray()
    {
        var random = new Random(1234);
        var values = new int[20000];
        for (int i = 0; i < values.Length; i++)
            values[i] = random.Next();
        Array.Sort(values);
        for (int i = 1; i < values.Length; i++)
            if (values[i - 1] > values[i])
                Assert.Fail($"out of order at {i}");
    }

    [Test]
    public static void SortDoublesWithNaN()
    {
        double[] values = [2.5, double.NaN, -1, double.NegativeInfinity];
        Array.Sort(values);
        Assert.Equal("NaN,-Infinity,-1,2.5", string.Join(",", values));
    }

    [Test]
    public static void SearchCopyResizeFill()
    {
        int[] values = [1, 3, 5, 7];
        Assert.Equal(2, Array.BinarySearch(values, 5));
        Assert.True(Array.BinarySearch(values, 4) < 0);
        Array.Resize(ref values, 6);
        Array.Copy(values, 0, values, 2, 4);
        Assert.Equal("1,3,1,3,5,7", string.Join(",", values));
        Array.Fill(values, 9, 4, 2);
        Assert.Equal(-1, Array.IndexOf(values, 7));
        Assert.Equal(5, Array.LastIndexOf(values, 9));
        Array.Clear(values);
        Assert.Equal(0, values[0]);
    }
}

static class OtherCollectionTests
{
    [Test]
    public static void QueueAndStack()
    {
        var queue = new Queue<int>();
        var stack = new Stack<int>();
        for (int i = 0; i < 100; i++) { queue.Enqueue(i); stack.Push(i); }
        Assert.Equal(0, queue.Dequeue());
        Assert.Equal(99, stack.Pop());
        Assert.Equal(1, queue.Peek());
        Assert.Equal(99, stack.Count);
    }

    [Test]
    public static void PriorityQueue()
    {
        var queue = new PriorityQueue<string, int>();
        queue.Enqueue("low", 5);
        queue.Enqueue("high", 1);
        queue.Enqueue("mid", 3);
        Assert.Equal("high", queue.Dequeue());
        Assert.Equal("mid", queue.Dequeue());
    }

    [Test]
    public static void LinkedList()
    {
        var list = new LinkedList<int>();
        list.AddLast(2);
        list.AddFirst(1);
        list.AddAfter(list.Last!, 3);
        list.Remove(2);
        Assert.Equal("1,3", string.Join(",", list));
    }
}
