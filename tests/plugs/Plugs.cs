// Graft plugs on Lib, one rule each (the expected lines are in
// rust/graft-stages/tests/plugs.rs).
using System.Runtime.CompilerServices;
using Graft;

namespace Plugs
{
    [Plug(typeof(Lib.Counter))]
    public static class CounterPlug
    {
        // Instance method: the object comes first as aThis.
        [PlugMember]
        public static int Add(Lib.Counter aThis, int x)
        {
            Count(aThis) += x * 10;
            Calls(aThis)++;
            return Count(aThis);
        }

        // The target's private instance field, through an accessor.
        [PlugMember("_count")]
        private static extern ref int Count(Lib.Counter aThis);

        // A new instance field of the target (no [PlugMember]).
        private static extern ref int Calls(Lib.Counter aThis);

        // The target's private static field.
        [PlugMember]
        private static int s_created;

        // The target's public static field.
        [PlugMember]
        private static string Banner;

        // A new static field and a private helper, added to the target.
        private static int s_added;
        private static string Helper() => "helper" + s_added + s_suffix;

        // A static field initializer: the plug class's static constructor
        // runs first in the target's (here before the CCtor plug below).
        private static string s_suffix = "!";

        // A property through its accessor's name.
        [PlugMember("get_Created")]
        public static int Created() => s_created * 100;

        // An instance property's getter.
        [PlugMember("get_Status")]
        public static string Status(Lib.Counter aThis) => "plugged status " + Calls(aThis) + " " + Helper();

        // A static property, plugged as a property.
        [PlugMember]
        public static string Version => "plugged " + s_added;

        // The constructor keeps its base call, then runs this.
        [PlugMember]
        public static void Ctor(Lib.Counter aThis, string name)
        {
            Count(aThis) = 1000;
            NameField(aThis) = name + "!";
            s_created += 1;
            s_added = 7;
        }

        [PlugMember("<Name>k__BackingField")]
        private static extern ref string NameField(Lib.Counter aThis);

        [PlugMember]
        public static void CCtor() => Banner = "plugged cctor" + s_suffix;

        // A generic method.
        [PlugMember]
        public static T Echo<T>(Lib.Counter aThis, T value) => value;

        // A P/Invoke becomes a managed method.
        [PlugMember]
        private static int NativeImpl(int x) => x * 2;

        // UnsafeAccessor works as it is (copied into the target with the plug).
        [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "_count")]
        private static extern ref int CountViaUnsafe(Lib.Counter c);

        [PlugMember]
        public static string Describe(Lib.Counter c) => "described " + CountViaUnsafe(c);
    }

    // Another architecture: skipped on x64 (and no conflict with CounterPlug.Add).
    [Plug(typeof(Lib.Counter), Architecture = PlugArchitecture.Arm64)]
    public static class CounterArm64Plug
    {
        [PlugMember]
        public static int Add(Lib.Counter aThis, int x) => -64;
    }

    // By name; an extern method without DllImport gets a body.
    [Plug("Lib.Natives")]
    public static class NativesPlug
    {
        [PlugMember]
        public static int Extern(int x) => x + s_offset;

        // An initializer for a target with no static constructor: one is added.
        private static int s_offset = 41;
    }

    // A value type's instance method: aThis by reference.
    [Plug(typeof(Lib.Point))]
    public static class PointPlug
    {
        [PlugMember]
        public static int Sum(ref Lib.Point aThis) => aThis.X * aThis.Y;
    }

    // A nested type by name.
    [Plug("Lib.Outer+Inner")]
    public static class InnerPlug
    {
        [PlugMember]
        public static string Value() => "plugged inner";
    }

    // A generic type by its metadata name: the plug class has the target's
    // type parameters, in order, and uses them in its signatures (!0 is the
    // target's T).
    [Plug("Lib.Box`1")]
    public static class BoxPlug<T>
    {
        [PlugMember]
        public static string Describe(Lib.Box<T> aThis) => "box of " + typeof(T).Name + " " + aThis.Get();

        [PlugMember]
        public static string Kind(T value) => "kind " + typeof(T).Name + " " + value;
    }

    // An optional plug whose target does not exist: skipped.
    [Plug("Lib.NotThere", IsOptional = true)]
    public static class OptionalPlug
    {
        [PlugMember]
        public static int Anything() => 0;
    }
}
