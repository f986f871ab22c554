using System;
using System.Collections.Generic;
using Graft.Testing;

namespace TypeSystem;

abstract class Animal
{
    public abstract string Sound { get; }
    public virtual string Describe() => GetType().Name + " says " + Sound;
    public string Plain() => "animal";
}

class Dog : Animal
{
    public override string Sound => "woof";
}

sealed class Puppy : Dog
{
    public override string Describe() => "small " + base.Describe();
    public new string Plain() => "puppy";
}

interface IShape
{
    double Area { get; }
    string Name => "shape " + Area.ToString();          // default interface method
}

interface IScalable
{
    IShape Scale(int factor);
}

sealed class Square(int side) : IShape, IScalable
{
    public double Area => side * side;
    public IShape Scale(int factor) => new Square(side * factor);
}

sealed class Circle : IShape
{
    public double Area => 3;
    public string Name => "circle";                     // overrides the default
}

interface IExplicit { string Who(); }
sealed class Explicit : IExplicit
{
    string IExplicit.Who() => "explicit";
    public string Who() => "public";
}

interface IAdditive<T> where T : IAdditive<T>
{
    static abstract T Zero { get; }
    static abstract T operator +(T left, T right);
}

readonly struct Meters(int value) : IAdditive<Meters>, IEquatable<Meters>
{
    public int Value { get; } = value;
    public bool Equals(Meters other) => Value == other.Value;
    public override bool Equals(object? other) => other is Meters m && Equals(m);
    public override int GetHashCode() => Value;
    public override string ToString() => Value + " m";
    public static Meters Zero => new(0);
    public static Meters operator +(Meters left, Meters right) => new(left.Value + right.Value);
}

static class ObjectTests
{
    [Test]
    public static void VirtualCallReachesTheOverride()
    {
        Animal animal = new Dog();
        Assert.Equal("Dog says woof", animal.Describe());
    }

    [Test]
    public static void BaseCallFromOverride()
    {
        Animal animal = new Puppy();
        Assert.Equal("small Puppy says woof", animal.Describe());
    }

    [Test]
    public static void NewHidesOnlyThroughTheDerivedType()
    {
        var puppy = new Puppy();
        Animal asAnimal = puppy;
        Assert.Equal("puppy", puppy.Plain());
        Assert.Equal("animal", asAnimal.Plain());
    }

    [Test]
    public static void TypeChecksAndCasts()
    {
        object o = new Puppy();
        Assert.True(o is Dog);
        Assert.True(o is Animal);
        Assert.False(o is IShape);
        Assert.Null(o as IShape);
        Assert.Equal("TypeSystem.Dog", typeof(Puppy).BaseType!.FullName);
    }

    [Test]
    public static void InterfaceCall()
    {
        IShape shape = new Square(3);
        Assert.Equal(9.0, shape.Area);
    }

    [Test]
    public static void DefaultInterfaceMethod()
    {
        IShape square = new Square(2);
        IShape circle = new Circle();
        Assert.Equal("shape 4", square.Name);
        Assert.Equal("circle", circle.Name);
    }

    [Test]
    public static void ExplicitInterfaceImplementation()
    {
        var e = new Explicit();
        Assert.Equal("public", e.Who());
        Assert.Equal("explicit", ((IExplicit)e).Who());
    }

    [Test]
    public static void InterfaceReturningInterface()
    {
        IScalable scalable = new Square(2);
        Assert.Equal(36.0, scalable.Scale(3).Area);
    }

    static T Sum<T>(IEnumerable<T> values) where T : IAdditive<T>
    {
        T total = T.Zero;
        foreach (T value in values)
            total += value;
        return total;
    }

    [Test]
    public static void StaticAbstractInterfaceMembers()
    {
        Assert.Equal(new Meters(6), Sum(new[] { new Meters(1), new Meters(2), new Meters(3) }));
    }

    [Test]
    public static void GenericMathOverInt()
    {
        Assert.Equal(10, Add<int>(3, 7));
        Assert.Equal(2.5, Add<double>(1.25, 1.25));
    }

    static T Add<T>(T a, T b) where T : System.Numerics.INumber<T> => a + b;

    [Test]
    public static void ObjectMethods()
    {
        var a = new Dog();
        Assert.True(a.Equals(a));
        Assert.False(a.Equals(new Dog()));
        Assert.Equal("TypeSystem.Dog", a.ToString());
        Assert.Equal(a.GetHashCode(), a.GetHashCode());
    }

    [Test]
    public static void ArraysOfReferencesAreCovariant()
    {
        Animal[] animals = new Dog[] { new Dog(), new Puppy() };
        object[] objects = animals;
        Assert.Equal(2, objects.Length);
        Assert.Equal("Dog[]", animals.GetType().Name);
    }

    [Test]
    public static void MultidimensionalAndJaggedArrays()
    {
        var grid = new int[3, 4];
        grid[2, 3] = 5;
        int[][] jagged = [new int[1], new int[2]];
        jagged[1][1] = 7;
        Assert.Equal(12, grid.Length);
        Assert.Equal(4, grid.GetLength(1));
        Assert.Equal(5, grid[2, 3]);
        Assert.Equal(7, jagged[1][1]);
    }
}
