using System;
using System.Collections.Generic;
using System.Linq;
using Graft.Testing;

namespace Language;

static class LinqTests
{
    static readonly string[] Words = ["delta", "alpha", "charlie", "bravo", "echo", "alpha"];

    [Test]
    public static void WhereSelect()
    {
        var lengths = Words.Where(w => w.Contains('a')).Select(w => w.Length);
        Assert.Equal("5,5,7,5,5", string.Join(",", lengths));
    }

    [Test]
    public static void OrderBy()
    {
        var sorted = Words.Distinct().OrderBy(w => w.Length);
        Assert.Equal("echo,delta,alpha,bravo,charlie", string.Join(",", sorted));
    }

    [Test]
    public static void OrderByDescendingWithComparer()
    {
        var sorted = Words.Distinct().OrderByDescending(w => w, StringComparer.Ordinal);
        Assert.Equal("echo,delta,charlie,bravo,alpha", string.Join(",", sorted));
    }

    [Test]
    public static void ThenBy()
    {
        var sorted = Words.Distinct().OrderBy(w => w.Length).ThenBy(w => w[1]);
        Assert.Equal("echo,delta,alpha,bravo,charlie", string.Join(",", sorted));
    }

    [Test]
    public static void GroupBy()
    {
        var groups = Words.GroupBy(w => w.Length).OrderBy(g => g.Key).Select(g => $"{g.Key}:{g.Count()}");
        Assert.Equal("4:1,5:4,7:1", string.Join(",", groups));
    }

    [Test]
    public static void Aggregates()
    {
        int[] numbers = [4, 8, 15, 16, 23, 42];
        Assert.Equal(108, numbers.Sum());
        Assert.Equal(42, numbers.Max());
        Assert.Equal(4, numbers.Min());
        Assert.Equal(18.0, numbers.Average());
        Assert.Equal(3, numbers.Count(n => n % 2 == 1 || n > 20));
        Assert.Equal(4 * 8 * 15, numbers.Take(3).Aggregate(1, (a, b) => a * b));
    }

    [Test]
    public static void QuantifiersAndElements()
    {
        int[] numbers = [1, 2, 3];
        Assert.True(numbers.Any(n => n > 2));
        Assert.False(numbers.All(n => n > 1));
        Assert.True(numbers.Contains(2));
        Assert.Equal(3, numbers.Last());
        Assert.Equal(0, numbers.FirstOrDefault(n => n > 5));
        Assert.Throws<InvalidOperationException>(() => numbers.First(n => n > 5));
    }

    [Test]
    public static void QuerySyntaxJoin()
    {
        var people = new[] { (Id: 1, Name: "Ada"), (Id: 2, Name: "Alan") };
        var jobs = new[] { (PersonId: 2, Job: "codebreaker"), (PersonId: 1, Job: "programmer") };
        var joined = from p in people
                     join j in jobs on p.Id equals j.PersonId
                     orderby p.Name
                     select p.Name + " " + j.Job;
        Assert.Equal("Ada programmer,Alan codebreaker", string.Join(",", joined));
    }

    [Test]
    public static void SelectManyZipAndSetOperations()
    {
        var pairs = new[] { 1, 2 }.SelectMany(a => new[] { "x", "y" }, (a, b) => b + a);
        Assert.Equal("x1,y1,x2,y2", string.Join(",", pairs));
        Assert.Equal("1a,2b", string.Join(",", new[] { 1, 2, 3 }.Zip("ab", (n, c) => n + c.ToString())));
        Assert.Equal("1,2,3,4", string.Join(",", new[] { 1, 2, 3 }.Union(new[] { 2, 4 })));
        Assert.Equal("2", string.Join(",", new[] { 1, 2, 3 }.Intersect(new[] { 2, 4 })));
        Assert.Equal("1,3", string.Join(",", new[] { 1, 2, 3 }.Except(new[] { 2, 4 })));
    }

    [Test]
    public static void ToDictionaryAndLookup()
    {
        var byName = Words.Distinct().ToDictionary(w => w, w => w.Length);
        var byFirst = Words.ToLookup(w => w[0]);
        Assert.Equal(7, byName["charlie"]);
        Assert.Equal(2, byFirst['a'].Count());
    }

    [Test]
    public static void DeferredExecution()
    {
        var source = new List<int> { 1, 2 };
        var query = source.Select(x => x * 10);
        source.Add(3);
        Assert.Equal("10,20,30", string.Join(",", query));
    }

    [Test]
    public static void RangeRepeatSkipTakeChunk()
    {
        Assert.Equal("3,4,5", string.Join(",", Enumerable.Range(1, 10).Skip(2).Take(3)));
        Assert.Equal("x,x", string.Join(",", Enumerable.Repeat("x", 2)));
        Assert.Equal(3, Enumerable.Range(0, 7).Chunk(3).Count());
        Assert.Equal("9,8", string.Join(",", Enumerable.Range(0, 10).Reverse().TakeWhile(n => n > 7)));
    }

    [Test]
    public static void MinByMaxByDistinctBy()
    {
        Assert.Equal("charlie", Words.MaxBy(w => w.Length));
        Assert.Equal("echo", Words.MinBy(w => w.Length));
        Assert.Equal(3, Words.DistinctBy(w => w.Length).Count());
    }
}
