using System;
using System.Collections.Generic;
using Graft.Testing;

namespace TypeSystem;

class Base
{
    public readonly List<string> Log;
    protected string field = Record("base field");
    public Base() { Log = Order; Log.Add("base constructor"); Describe(); }
    protected virtual void Describe() => Log.Add("base describe");
    protected static readonly List<string> Order = new();
    protected static string Record(string what) { Order.Add(what); return what; }
}

sealed class Derived : Base
{
    readonly string name = Record("derived field");
    public Derived() { Log.Add("derived constructor " + name); }
    protected override void Describe() => Log.Add("derived describe, name " + (name ?? "null"));
}

readonly struct Money(long cents) : IComparable<Money>
{
    public long Cents { get; } = cents;
    public static Money operator +(Money a, Money b) => new(a.Cents + b.Cents);
    public static Money operator checked +(Money a, Money b) => new(checked(a.Cents + b.Cents));
    public static bool operator <(Money a, Money b) => a.Cents < b.Cents;
    public static bool operator >(Money a, Money b) => a.Cents > b.Cents;
    public static implicit operator Money(int euros) => new(euros * 100L);
    public static explicit operator long(Money m) => m.Cents;
    public int CompareTo(Money other) => Cents.CompareTo(other.Cents);
    public override string ToString() => $"{Cents / 100}.{Cents % 100:D2}";
}

sealed class Grid
{
    readonly int[,] cells = new int[3, 3];
    public int this[int row, int column] { get => cells[row, column]; set => cells[row, column] = value; }
    public int this[string name] => name == "center" ? cells[1, 1] : -1;
}

sealed class Settings
{
    public required string Name { get; init; }
    public int Retries { get; init; } = 3;
}

struct Plain { public int A; public string B; }

static class StringExtensions
{
    public static string Shout(this string s) => s.ToUpperInvariant() + "!";
    public static int Doubled(this int x) => x * 2;
}

static class MemberTests
{
    [Test]
    public static void ConstructionOrderAndVirtualCallFromBaseConstructor()
    {
        var d = new Derived();
        // Field initializers run before the base constructor; the virtual call from the base
        // constructor already reaches the override, which sees the derived field set.
        Assert.Equal("derived field,base field,base constructor,derived describe, name derived field,derived constructor derived field", string.Join(",", d.Log));
    }

    [Test]
    public static void UserDefinedOperatorsAndConversions()
    {
        Money a = 5;                                     // implicit from int
        Money b = new(250);
        Assert.Equal("7.50", (a + b).ToString());
        Assert.True(b < a);
        Assert.Equal(500L, (long)a);
    }

    [Test]
    public static void CheckedUserDefinedOperator()
    {
        Money max = new(long.MaxValue);
        Money one = new(1);
        Assert.Equal(long.MinValue, unchecked(max + one).Cents);
        Assert.Throws<OverflowException>(() => _ = checked(max + one));
    }

    [Test]
    public static void SortingThroughIComparableOfT()
    {
        var amounts = new List<Money> { 3, new(150), 1 };
        amounts.Sort();
        Assert.Equal("1.00,1.50,3.00", string.Join(",", amounts));
    }

    [Test]
    public static void Indexers()
    {
        var grid = new Grid();
        grid[1, 1] = 5;
        Assert.Equal(5, grid["center"]);
        Assert.Equal(-1, grid["corner"]);
    }

    [Test]
    public static void InitAndRequiredProperties()
    {
        var s = new Settings { Name = "kernel" };
        var t = new Settings { Name = "other", Retries = 1 };
        Assert.Equal(3, s.Retries);
        Assert.Equal(1, t.Retries);
    }

    [Test]
    public static void ExtensionMethods()
    {
        Assert.Equal("HI!", "hi".Shout());
        Assert.Equal(8, 4.Doubled());
    }

    [Test]
    public static void DefaultStructEqualsComparesFields()
    {
        var a = new Plain { A = 1, B = "x" };
        var b = new Plain { A = 1, B = "x" };
        var c = new Plain { A = 1, B = "y" };
        Assert.True(a.Equals(b));
        Assert.False(a.Equals(c));
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
    }

    [Test]
    public static void InParametersAndReadonlyStructs()
    {
        var m = new Money(123);
        Assert.Equal(123L, CentsOf(in m));
    }

    static long CentsOf(in Money m) => m.Cents;

    [Test]
    public static void NullableReferenceFlowAndNullOperators()
    {
        string? maybe = Environment.NewLine.Length > 5 ? "never" : null;
        Assert.Equal(0, maybe?.Length ?? 0);
        maybe ??= "set";
        Assert.Equal("set", maybe);
        List<int>? list = null;
        Assert.Null(list?[0]);
    }

    [Test]
    public static void ObjectInitializersAndCollectionExpressions()
    {
        List<int> list = [1, .. new[] { 2, 3 }, 4];
        Dictionary<string, int> map = new() { ["a"] = 1 };
        int[] empty = [];
        Assert.Equal("1,2,3,4", string.Join(",", list));
        Assert.Equal(1, map["a"]);
        Assert.Equal(0, empty.Length);
    }
}
