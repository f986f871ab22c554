using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using Graft.Testing;

namespace Threads;

// Tasks beyond Run and Delay: completion sources, continuations, ValueTask,
// AsyncLocal across awaits, channels.
static class AsyncTests
{
    static readonly AsyncLocal<string?> ambient = new AsyncLocal<string?>();

    static async Task<string?> ReadAfterAwaits()
    {
        await Task.Delay(5);
        await Task.Yield();
        return ambient.Value;
    }

    static async Task SetInsideAndAwait()
    {
        ambient.Value = "inner";
        await Task.Delay(5);
    }

    [Test]
    public static void AsyncLocalFlowsIntoAwaitsAndNotBackOut()
    {
        ambient.Value = "outer";
        Assert.Equal("outer", ReadAfterAwaits().GetAwaiter().GetResult());
        SetInsideAndAwait().GetAwaiter().GetResult();
        Assert.Equal("outer", ambient.Value); // the callee's change stays in its own flow
        string? onPool = null;
        Task.Run(() => onPool = ambient.Value).Wait();
        Assert.Equal("outer", onPool);
        string? unflowed = "set";
        using (ExecutionContext.SuppressFlow())
            ThreadPool.QueueUserWorkItem(_ => unflowed = ambient.Value);
        long deadline = Environment.TickCount64 + 5000;
        while (unflowed == "set" && Environment.TickCount64 < deadline)
            Thread.Sleep(1);
        Assert.Null(unflowed);
        ambient.Value = null;
    }

    [Test]
    public static void TaskCompletionSourceCompletesFromAnotherThread()
    {
        var source = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        new Thread(() => { Thread.Sleep(10); source.SetResult(42); }).Start();
        Assert.Equal(42, source.Task.GetAwaiter().GetResult());
        Assert.False(source.TrySetResult(1));

        var failing = new TaskCompletionSource();
        failing.SetException(new InvalidOperationException("set on purpose"));
        Assert.Equal("set on purpose", Assert.Throws<InvalidOperationException>(() => failing.Task.GetAwaiter().GetResult()).Message);
        var cancelled = new TaskCompletionSource<string>();
        Assert.True(cancelled.TrySetCanceled());
        Assert.Throws<TaskCanceledException>(() => cancelled.Task.GetAwaiter().GetResult());
        Assert.Equal(TaskStatus.Canceled, cancelled.Task.Status);
    }

    [Test]
    public static void ContinueWithChainsAndChoosesByOutcome()
    {
        var chain = Task.Run(() => 20)
            .ContinueWith(t => t.Result + 1)
            .ContinueWith(t => t.Result * 2);
        Assert.Equal(42, chain.Result);

        var failed = Task.Run(() => throw new FormatException("bad"));
        var onFault = failed.ContinueWith(t => t.Exception!.InnerException!.Message, TaskContinuationOptions.OnlyOnFaulted);
        var onSuccess = failed.ContinueWith(_ => "ran", TaskContinuationOptions.OnlyOnRanToCompletion);
        Assert.Equal("bad", onFault.Result);
        Assert.Throws<AggregateException>(() => onSuccess.Wait());
        Assert.True(onSuccess.IsCanceled);

        var any = Task.WhenAny(Task.Delay(2000), Task.Delay(10).ContinueWith(_ => "fast"));
        Assert.Equal("fast", ((Task<string>)any.Result).Result);
    }

    static async ValueTask<int> MaybeAsync(bool wait, int value)
    {
        if (wait)
            await Task.Delay(5);
        return value;
    }

    [Test]
    public static void ValueTaskCompletesSynchronouslyOrLater()
    {
        var now = MaybeAsync(false, 1);
        Assert.True(now.IsCompletedSuccessfully);
        Assert.Equal(1, now.Result);
        var later = MaybeAsync(true, 2);
        Assert.False(later.IsCompleted);
        Assert.Equal(2, later.AsTask().Result);
        ValueTask<int> fromResult = ValueTask.FromResult(3);
        Assert.Equal(3, fromResult.GetAwaiter().GetResult());
    }

    static async Task<long> ConsumeAll(ChannelReader<int> reader)
    {
        long sum = 0;
        await foreach (int item in reader.ReadAllAsync())
            sum += item;
        return sum;
    }

    [Test]
    public static void UnboundedChannelCarriesItemsToAnAsyncReader()
    {
        var channel = Channel.CreateUnbounded<int>(new UnboundedChannelOptions { SingleReader = true });
        var consumer = ConsumeAll(channel.Reader);
        var producer = new Thread(() =>
        {
            for (int i = 1; i <= 1000; i++)
                Assert.True(channel.Writer.TryWrite(i));
            channel.Writer.Complete();
        });
        producer.Start();
        Assert.Equal(1000L * 1001 / 2, consumer.GetAwaiter().GetResult());
        producer.Join();
        Assert.True(channel.Reader.Completion.IsCompleted);
    }

    [Test]
    public static void BoundedChannelMakesTheWriterWait()
    {
        var channel = Channel.CreateBounded<int>(2);
        Assert.True(channel.Writer.TryWrite(1));
        Assert.True(channel.Writer.TryWrite(2));
        Assert.False(channel.Writer.TryWrite(3)); // full
        var blocked = channel.Writer.WriteAsync(3).AsTask();
        Thread.Sleep(20);
        Assert.False(blocked.IsCompleted);
        Assert.True(channel.Reader.TryRead(out int first));
        Assert.True(blocked.Wait(5000), "the writer did not go on after a read");
        var order = new List<int> { first };
        while (channel.Reader.TryRead(out int next))
            order.Add(next);
        Assert.Equal("1,2,3", string.Join(",", order));
    }
}
