using System;
using System.Collections.Generic;
using System.Threading;
using Graft.Testing;

namespace Threads;

// The collector scans every thread's stack and registers: objects only a
// stopped thread refers to survive collections another thread triggers.
static class CollectorTests
{
    sealed class Node
    {
        public readonly int Value;
        public readonly string Text;
        public Node? Next;
        public Node(int value) { Value = value; Text = "node " + value; }
    }

    static Node Build(int seed, int count)
    {
        Node? head = null;
        for (int i = count - 1; i >= 0; i--)
            head = new Node(seed + i) { Next = head };
        return head!;
    }

    static int Check(Node head, int seed, int count)
    {
        int bad = 0, i = 0;
        for (Node? n = head; n != null; n = n.Next, i++)
            if (n.Value != seed + i || n.Text != "node " + (seed + i))
                bad++;
        return i == count ? bad : bad + 1;
    }

    [Test]
    public static void ThreadsAllocatingHeavilyKeepEveryObject()
    {
        int before = GC.CollectionCount(0);
        const int Threads = 4, Lists = 40, Length = 2000;
        var bad = new int[Threads];
        var threads = new Thread[Threads];
        for (int t = 0; t < Threads; t++)
        {
            int seed = t * 1_000_000;
            int self = t;
            threads[t] = new Thread(() =>
            {
                var kept = new List<Node>();
                for (int l = 0; l < Lists; l++)
                {
                    // Only this thread's stack and registers refer to the list
                    // while it is built: others collect meanwhile.
                    kept.Add(Build(seed + l * Length, Length));
                    for (int g = 0; g < 2000; g++)
                        _ = new byte[64];
                }
                for (int l = 0; l < Lists; l++)
                    bad[self] += Check(kept[l], seed + l * Length, Length);
            });
            threads[t].Start();
        }
        foreach (var thread in threads)
            thread.Join();
        int collections = GC.CollectionCount(0) - before;
        Console.WriteLine($"threads allocating: {collections} collections while 4 threads built {Threads * Lists * Length} nodes");
        Assert.True(collections > 0, "no collection ran while the threads allocated");
        for (int t = 0; t < Threads; t++)
            Assert.Equal(0, bad[t]);
    }

    [ThreadStatic] static List<string>? threadOwned;

    [Test]
    public static void ThreadStaticsOfAWaitingThreadSurviveCollections()
    {
        using var ready = new ManualResetEventSlim();
        using var go = new ManualResetEventSlim();
        int count = -1;
        var thread = new Thread(() =>
        {
            threadOwned = new List<string>();
            for (int i = 0; i < 1000; i++)
                threadOwned.Add("item " + i);
            ready.Set();
            go.Wait();
            int ok = 0;
            for (int i = 0; i < threadOwned.Count; i++)
                if (threadOwned[i] == "item " + i)
                    ok++;
            count = ok;
        });
        thread.Start();
        ready.Wait();
        for (int i = 0; i < 5; i++)
            GC.Collect();
        go.Set();
        thread.Join();
        Assert.Equal(1000, count);
    }
}
