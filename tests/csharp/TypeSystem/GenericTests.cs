using System;
using System.Collections.Generic;
using Graft.Testing;

namespace TypeSystem;

sealed class Box<T>
{
    public T Value;
    public Box(T value) { Value = value; }
    public string Describe() => typeof(T).Name + ":" + Value?.ToString();
    public static int Created;
    static Box() { Created = 1; }
}

struct Pair<TFirst, TSecond>(TFirst first, TSecond second)
{
    public TFirst First = first;
    public TSecond Second = second;
    public override string ToString() => $"({First}, {Second})";
}

abstract class Visitor
{
    public abstract string Visit<T>(T value);
}

sealed class NamingVisitor : Visitor
{
    public override string Visit<T>(T value) => typeof(T).Name + "=" + value;
}

interface IConverter
{
    TOut Convert<TIn, TOut>(TIn value) where TOut : class;
}

sealed class ToStringConverter : IConverter
{
    public TOut Convert<TIn, TOut>(TIn value) where TOut : class => (value!.ToString() as TOut)!;
}

static class GenericTests
{
    [Test]
    public static void GenericOverValueTypes()
    {
        Assert.Equal("Int32:42", new Box<int>(42).Describe());
        Assert.Equal("Double:1.5", new Box<double>(1.5).Describe());
        Assert.Equal("Int64:7", new Box<long>(7).Describe());
    }

    [Test]
    public static void GenericOverReferenceTypes()
    {
        Assert.Equal("String:text", new Box<string>("text").Describe());
        Assert.Equal("Object:System.Object", new Box<object>(new object()).Describe());
    }

    [Test]
    public static void GenericStructWithTwoArguments()
    {
        var pair = new Pair<int, string>(1, "one");
        Assert.Equal("(1, one)", pair.ToString());
    }

    [Test]
    public static void GenericStaticsAreEachInstantiations()
    {
        Box<int>.Created = 5;
        Assert.Equal(5, Box<int>.Created);
        Assert.Equal(1, Box<byte>.Created);
    }

    [Test]
    public static void GenericVirtualMethod()
    {
        Visitor visitor = new NamingVisitor();
        Assert.Equal("Int32=3", visitor.Visit(3));
        Assert.Equal("String=s", visitor.Visit("s"));
        Assert.Equal("Pair`2=(1, 2)", visitor.Visit(new Pair<int, int>(1, 2)));
    }

    [Test]
    public static void GenericInterfaceMethod()
    {
        IConverter converter = new ToStringConverter();
        Assert.Equal("12", converter.Convert<int, string>(12));
    }

    [Test]
    public static void ConstraintsNewAndStruct()
    {
        Assert.Equal(0, Make<int>());
        Assert.NotNull(Make<List<int>>());
        Assert.Equal(0, Make<Pair<int, int>>().First);
    }

    static T Make<T>() where T : new() => new T();

    [Test]
    public static void GenericTypeNames()
    {
        Assert.Equal("List`1", typeof(List<string>).Name);
        Assert.Equal("Dictionary`2", typeof(Dictionary<int, Box<string>>).Name);
        Assert.True(typeof(List<int>) != typeof(List<long>));
    }

    [Test]
    public static void DefaultOfT()
    {
        Assert.Equal(0, DefaultOf<int>());
        Assert.Null(DefaultOf<string>());
        Assert.Equal(default(Pair<long, string>).Second, DefaultOf<Pair<long, string>>().Second);
    }

    static T? DefaultOf<T>() => default;

    [Test]
    public static void CovariantAndContravariantInterfaces()
    {
        IEnumerable<object> objects = new List<string> { "a", "b" };
        Comparison<object> byHash = (a, b) => 0;
        IComparer<string> comparer = Comparer<object>.Create(byHash);
        int count = 0;
        foreach (object o in objects) count++;
        Assert.Equal(2, count);
        Assert.Equal(0, comparer.Compare("x", "y"));
    }
}
