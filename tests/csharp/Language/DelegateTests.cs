using System;
using System.Collections.Generic;
using Graft.Testing;

namespace Language;

sealed class Button
{
    public event EventHandler<int>? Clicked;
    public void Click(int times) => Clicked?.Invoke(this, times);
}

sealed class Greeter(string greeting)
{
    public string Greet(string who) => greeting + ", " + who;
}

static class DelegateTests
{
    static int Twice(int x) => x * 2;

    [Test]
    public static void StaticMethodDelegate()
    {
        Func<int, int> f = Twice;
        Assert.Equal(42, f(21));
    }

    [Test]
    public static void InstanceMethodDelegate()
    {
        Func<string, string> greet = new Greeter("Hello").Greet;
        Assert.Equal("Hello, kernel", greet("kernel"));
        Assert.Equal("Greet", greet.Method.Name);
    }

    [Test]
    public static void LambdaWithoutCapture()
    {
        Func<int, int, int> add = (a, b) => a + b;
        Assert.Equal(5, add(2, 3));
    }

    [Test]
    public static void ClosureSharesTheVariable()
    {
        int counter = 0;
        Action increment = () => counter++;
        increment();
        increment();
        Assert.Equal(2, counter);
        counter = 10;
        increment();
        Assert.Equal(11, counter);
    }

    [Test]
    public static void ClosuresInALoopCaptureEachIteration()
    {
        var actions = new List<Func<int>>();
        for (int i = 0; i < 3; i++)
        {
            int copy = i;
            actions.Add(() => copy * 10);
        }
        foreach (int i in new[] { 7, 8 })
            actions.Add(() => i);
        Assert.Equal("0,10,20,7,8", string.Join(",", actions.ConvertAll(a => a())));
    }

    [Test]
    public static void NestedClosures()
    {
        Func<int, Func<int, int>> adder = x => y => x + y;
        Func<int, int> addFive = adder(5);
        Assert.Equal(12, addFive(7));
    }

    [Test]
    public static void MulticastDelegateInvokesInOrder()
    {
        var log = new List<string>();
        Action all = () => log.Add("a");
        all += () => log.Add("b");
        Action c = () => log.Add("c");
        all += c;
        all();
        Action rest = (all - c)!;
        rest();
        Assert.Equal("a,b,c,a,b", string.Join(",", log));
        Assert.Equal(2, rest.GetInvocationList().Length);
    }

    [Test]
    public static void Events()
    {
        var button = new Button();
        int total = 0;
        EventHandler<int> handler = (sender, times) => total += times;
        button.Clicked += handler;
        button.Click(3);
        button.Clicked -= handler;
        button.Click(100);
        Assert.Equal(3, total);
    }

    [Test]
    public static void StaticLambdaAndLocalFunction()
    {
        static int Square(int x) => x * x;
        Func<int, int> cube = static x => x * x * x;
        int Offset(int x) => x + Square(2);
        Assert.Equal(27, cube(3));
        Assert.Equal(9, Offset(5));
    }

    [Test]
    public static void RecursiveLocalFunction()
    {
        static long Factorial(int n) => n <= 1 ? 1 : n * Factorial(n - 1);
        Assert.Equal(3628800L, Factorial(10));
    }

    [Test]
    public static void GenericDelegateAndPredicate()
    {
        Predicate<string> empty = string.IsNullOrEmpty;
        Converter<int, string> hex = x => x.ToString("x");
        Assert.True(empty(""));
        Assert.Equal("ff", hex(255));
    }

    [Test]
    public static void DelegateEquality()
    {
        Func<int, int> a = Twice, b = Twice;
        Assert.True(a.Equals(b));
        Assert.Equal(a, b);
    }

    [Test]
    public static void ClosureOverThis()
    {
        var holder = new Holder { Value = 4 };
        Func<int> read = holder.Reader();
        holder.Value = 9;
        Assert.Equal(9, read());
    }

    sealed class Holder
    {
        public int Value;
        public Func<int> Reader() => () => Value;
    }
}
