using System;
using System.Collections.Generic;
using Graft.Kernel;

namespace HelloKernel;

interface IGreeter
{
    string Greet(string who);
}

abstract class Shape
{
    public abstract string Name { get; }
    public virtual int Corners => 0;
    public override string ToString() => $"{Name} with {Corners} corners";
}

sealed class Triangle : Shape, IGreeter
{
    public override string Name => "triangle";
    public override int Corners => 3;
    public string Greet(string who) => $"Hello, {who}, from a {Name}";
}

sealed class Square : Shape, IGreeter
{
    public override string Name => "square";
    public override int Corners => 4;
    public string Greet(string who) => $"Hi, {who}, says the {Name}";
}

static class Boot
{
    public static readonly string Banner;
    public static readonly int Answer;

    static Boot()
    {
        Answer = 6 * 7;
        Banner = "Graft kernel " + Answer.ToString();
    }
}

static class Program
{
    static int Main()
    {
        Serial.WriteLine("Hello from C# on bare metal!");
        Serial.WriteLine(Boot.Banner);

        var shapes = new List<Shape> { new Triangle(), new Square() };
        int corners = 0;
        foreach (Shape shape in shapes)
        {
            corners += shape.Corners;                       // virtual call
            Serial.WriteLine(shape.ToString());
            if (shape is IGreeter greeter)                  // cast
                Serial.WriteLine(greeter.Greet("kernel"));  // interface call
        }

        var squares = new Dictionary<string, int>();
        for (int i = 1; i <= 5; i++)
            squares[$"sq{i}"] = i * i;
        int sum = 0;
        foreach (KeyValuePair<string, int> pair in squares)
            sum += pair.Value;

        object boxed = sum;
        Serial.WriteLine($"{shapes.Count} shapes, {corners} corners, sum of squares {(int)boxed}, sq3 = {squares["sq3"]}");
        Serial.WriteLine($"pi is about {3.14159:F2}, 2^40 = {1L << 40}, answer = {Boot.Answer}");
        try
        {
            throw new InvalidOperationException("no disk yet");
        }
        catch (InvalidOperationException e)                 // exception dispatch
        {
            Serial.WriteLine($"caught: {e.Message}");
        }

        Serial.WriteLine("Main returns 0");
        return 0;
    }
}
