using System;
using System.Collections;
using System.Collections.Generic;
using Graft.Testing;

namespace Language;

sealed class Countdown(int from) : IEnumerable<int>
{
    public IEnumerator<int> GetEnumerator()
    {
        for (int i = from; i > 0; i--)
            yield return i;
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

static class IteratorTests
{
    static IEnumerable<int> Range(int start, int count)
    {
        for (int i = 0; i < count; i++)
            yield return start + i;
    }

    static IEnumerable<long> Fibonacci()
    {
        long a = 0, b = 1;
        while (true)
        {
            yield return a;
            (a, b) = (b, a + b);
        }
    }

    [Test]
    public static void YieldReturn()
    {
        Assert.Equal("3,4,5", string.Join(",", Range(3, 3)));
    }

    [Test]
    public static void InfiniteIteratorIsLazy()
    {
        var first = new List<long>();
        foreach (long f in Fibonacci())
        {
            if (first.Count == 10) break;
            first.Add(f);
        }
        Assert.Equal("0,1,1,2,3,5,8,13,21,34", string.Join(",", first));
    }

    static IEnumerable<string> Logged(List<string> log)
    {
        try
        {
            log.Add("start");
            yield return "a";
            log.Add("after a");
            yield return "b";
            log.Add("after b");
        }
        finally
        {
            log.Add("finally");
        }
    }

    [Test]
    public static void IteratorRunsOnlyWhenAsked()
    {
        var log = new List<string>();
        IEnumerable<string> items = Logged(log);
        Assert.Equal(0, log.Count);
        using IEnumerator<string> e = items.GetEnumerator();
        e.MoveNext();
        Assert.Equal("start", string.Join(",", log));
    }

    [Test]
    public static void BreakRunsTheIteratorsFinally()
    {
        var log = new List<string>();
        foreach (string item in Logged(log))
            if (item == "a") break;
        Assert.Equal("start,finally", string.Join(",", log));
    }

    [Test]
    public static void FullIterationRunsEverything()
    {
        var log = new List<string>();
        var items = new List<string>(Logged(log));
        Assert.Equal("a,b", string.Join(",", items));
        Assert.Equal("start,after a,after b,finally", string.Join(",", log));
    }

    static IEnumerable<int> Throwing()
    {
        yield return 1;
        throw new InvalidOperationException("from iterator");
    }

    [Test]
    public static void ExceptionFromIterator()
    {
        int seen = 0;
        var e = Assert.Throws<InvalidOperationException>(() => { foreach (int i in Throwing()) seen += i; });
        Assert.Equal("from iterator", e.Message);
        Assert.Equal(1, seen);
    }

    [Test]
    public static void CustomEnumerable()
    {
        Assert.Equal("3,2,1", string.Join(",", new Countdown(3)));
    }

    [Test]
    public static void YieldBreakAndNesting()
    {
        static IEnumerable<int> UpTo(int limit)
        {
            foreach (int i in Range(0, 100))
            {
                if (i >= limit) yield break;
                yield return i;
            }
        }
        Assert.Equal("0,1,2", string.Join(",", UpTo(3)));
    }

    [Test]
    public static void ForeachOverSpanAndString()
    {
        int sum = 0;
        foreach (char c in "abc") sum += c;
        ReadOnlySpan<int> span = [1, 2, 3];
        foreach (int i in span) sum += i;
        Assert.Equal(294 + 6, sum);
    }
}
