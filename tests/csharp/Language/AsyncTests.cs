using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading.Tasks;
using Graft.Testing;

namespace Language;

// async and await where every await completes at once: the compiler's state machines, Task
// and ValueTask results, exceptions through awaits, custom awaiters, async iterators.
// Task brings in the thread pool: its natives are in sdk/runtime/threads/threads.c, and none of
// these tests starts a thread (that would stop the kernel at SystemNative_CreateThread's stub).
static class AsyncTests
{
    static async Task<int> AddAsync(int a, int b)
    {
        await Task.CompletedTask;
        return a + b;
    }

    static async ValueTask<string> NameAsync(int n)
    {
        int sum = await AddAsync(n, 1);
        return "n" + sum;
    }

    [Test]
    public static void CompletedAwaitsRunSynchronously()
    {
        Task<int> task = AddAsync(2, 3);
        Assert.True(task.IsCompletedSuccessfully);
        Assert.Equal(5, task.Result);
    }

    [Test]
    public static void ValueTaskChain()
    {
        ValueTask<string> task = NameAsync(4);
        Assert.True(task.IsCompleted);
        Assert.Equal("n5", task.Result);
    }

    static async Task ThrowAfterAwaitAsync()
    {
        await Task.CompletedTask;
        throw new InvalidOperationException("async failure");
    }

    static async Task<string> CatchAsync()
    {
        try
        {
            await ThrowAfterAwaitAsync();
            return "not thrown";
        }
        catch (InvalidOperationException e)
        {
            return "caught " + e.Message;
        }
    }

    [Test]
    public static void ExceptionThroughAwait()
    {
        Assert.Equal("caught async failure", CatchAsync().Result);
    }

    [Test]
    public static void FaultedTaskHoldsTheException()
    {
        Task task = ThrowAfterAwaitAsync();
        Assert.True(task.IsFaulted);
        Assert.Equal("async failure", task.Exception!.InnerException!.Message);
        var e = Assert.Throws<InvalidOperationException>(() => task.GetAwaiter().GetResult());
        Assert.Equal("async failure", e.Message);
    }

    [Test]
    public static void TaskFromResultAndWhenAll()
    {
        Task<int[]> all = Task.WhenAll(Task.FromResult(1), AddAsync(1, 1), Task.FromResult(3));
        Assert.True(all.IsCompletedSuccessfully);
        Assert.Equal("1,2,3", string.Join(",", all.Result));
    }

    sealed class Ready(int value)
    {
        public Awaiter GetAwaiter() => new(value);

        public readonly struct Awaiter(int value) : INotifyCompletion
        {
            public bool IsCompleted => true;
            public int GetResult() => value * 10;
            public void OnCompleted(Action continuation) => continuation();
        }
    }

    static async Task<int> AwaitCustomAsync() => await new Ready(4) + await new Ready(2);

    [Test]
    public static void CustomAwaiter()
    {
        Assert.Equal(60, AwaitCustomAsync().Result);
    }

    static async IAsyncEnumerable<int> CountAsync(int n)
    {
        for (int i = 0; i < n; i++)
        {
            await Task.CompletedTask;
            yield return i;
        }
    }

    static async Task<int> SumAsync()
    {
        int sum = 0;
        await foreach (int i in CountAsync(5))
            sum += i;
        return sum;
    }

    [Test]
    public static void AsyncIterator()
    {
        Assert.Equal(10, SumAsync().Result);
    }

    [Test]
    public static void TaskCompletionSourceAndContinuation()
    {
        var source = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var log = new List<string>();
        Task<string> task = source.Task;
        Assert.False(task.IsCompleted);
        source.SetResult("done");
        Assert.True(task.IsCompletedSuccessfully);
        log.Add(task.Result);
        Assert.Equal("done", string.Join(",", log));
    }
}
