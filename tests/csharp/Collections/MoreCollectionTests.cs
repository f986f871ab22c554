using System;
using System.Collections;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Collections.ObjectModel;
using Graft.Testing;

namespace Collections;

static class MoreCollectionTests
{
    [Test]
    public static void SpanSortAndSearch()
    {
        Span<int> values = [9, 4, 7, 1];
        values.Sort();
        Assert.Equal("1,4,7,9", string.Join(",", values.ToArray()));
        Assert.Equal(2, values.BinarySearch(7));
        Assert.True(values.Contains(4));
    }

    [Test]
    public static void SortedListAndBitArray()
    {
        var sorted = new SortedList<string, int>(StringComparer.Ordinal) { ["b"] = 2, ["a"] = 1, ["C"] = 3 };
        Assert.Equal("C,a,b", string.Join(",", sorted.Keys));
        var bits = new BitArray(10);
        bits[3] = true;
        bits.Not();
        int set = 0;
        foreach (bool b in bits) if (b) set++;
        Assert.Equal(9, set);
    }

    [Test]
    public static void ConcurrentDictionaryOnOneThread()
    {
        var map = new ConcurrentDictionary<string, int>();
        Assert.True(map.TryAdd("a", 1));
        Assert.Equal(2, map.AddOrUpdate("a", 0, (_, old) => old + 1));
        Assert.Equal(5, map.GetOrAdd("b", _ => 5));
        Assert.True(map.TryRemove("a", out int removed) && removed == 2);
        Assert.Equal(1, map.Count);
    }

    [Test]
    public static void ImmutableCollections()
    {
        var empty = ImmutableList<int>.Empty;
        var one = empty.Add(1);
        var two = one.Add(2);
        Assert.Equal(0, empty.Count);
        Assert.Equal(1, one.Count);
        Assert.Equal("1,2", string.Join(",", two));
        var array = ImmutableArray.Create(3, 1, 2).Sort();
        Assert.Equal("1,2,3", string.Join(",", array));
        var map = ImmutableDictionary<string, int>.Empty.Add("k", 1).SetItem("k", 2);
        Assert.Equal(2, map["k"]);
    }

    [Test]
    public static void ReadOnlyWrappersAndObservable()
    {
        var list = new List<int> { 1, 2 };
        ReadOnlyCollection<int> view = list.AsReadOnly();
        list.Add(3);
        Assert.Equal(3, view.Count);
        Assert.Throws<NotSupportedException>(() => ((IList<int>)view).Add(4));
        var observed = new ObservableCollection<string>();
        int changes = 0;
        observed.CollectionChanged += (_, _) => changes++;
        observed.Add("x");
        observed.Remove("x");
        Assert.Equal(2, changes);
    }

    [Test]
    public static void DictionaryEnumerationAfterRemovalsAndReuse()
    {
        var map = new Dictionary<int, string>();
        for (int i = 0; i < 10; i++) map[i] = i.ToString();
        for (int i = 0; i < 10; i += 3) map.Remove(i);
        map[100] = "100";
        var keys = new List<int>(map.Keys);
        keys.Sort();
        Assert.Equal("1,2,4,5,7,8,100", string.Join(",", keys));
        map.TrimExcess();
        Assert.Equal(7, map.Count);
    }

    [Test]
    public static void StructuralEqualityOfArraysAndTuples()
    {
        IStructuralEquatable a = new[] { 1, 2, 3 };
        Assert.True(a.Equals(new[] { 1, 2, 3 }, EqualityComparer<int>.Default));
        var set = new HashSet<(int, string)> { (1, "a"), (1, "a"), (2, "b") };
        Assert.Equal(2, set.Count);
    }
}
