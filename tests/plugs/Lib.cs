// The target library of the plug tests (rust/graft-stages/tests/plugs.rs):
// ordinary C# that App.cs calls; Plugs.cs and Gen3.cs replace parts of it.
using System;
using System.Runtime.InteropServices;

namespace Lib
{
    public class Counter
    {
        private int _count;
        private static int s_created;
        public static string Banner;

        static Counter() { Banner = "original cctor"; }

        public Counter(string name)
        {
            Name = name;
            s_created++;
        }

        public string Name { get; }
        public int Add(int x) { _count += x; return _count; }
        public int Add(long x) => -1;
        public static int Created => s_created;
        public static string Version => "1.0";
        public string Status => "original status";
        public static string Describe(Counter c) => "original";
        public T Echo<T>(T value) => default;
        public int Native(int x) => NativeImpl(x);

        [DllImport("graft-no-such-library")]
        private static extern int NativeImpl(int x);
    }

    public struct Point
    {
        public int X, Y;
        public Point(int x, int y) { X = x; Y = y; }
        public int Sum() => X + Y;
    }

    public static class Outer
    {
        public static class Inner
        {
            public static string Value() => "inner";
        }
    }

    public static class Natives
    {
        // No body and no DllImport: the type cannot load until a plug gives it one.
#pragma warning disable CS0626
        public static extern int Extern(int x);
#pragma warning restore CS0626
    }

    public class Box<T>
    {
        private readonly T _value;
        public Box(T value) { _value = value; }
        public T Get() => _value;
        public string Describe() => "box";
        public static string Kind(T value) => "kind";
    }

    public static class Gen3Target
    {
        public static string Hello() => "original hello";
        public static int Twice(int x) => x;
    }
}
