// Cosmos gen3 plugs, with gen3's attribute types declared under their own
// namespace and constructor shapes; the patcher reads them by full name.
using System;

namespace Cosmos.Build.API.Attributes
{
    [AttributeUsage(AttributeTargets.Class, Inherited = false)]
    public sealed class PlugAttribute : Attribute
    {
        public PlugAttribute(string targetName, bool isOptional = false, bool replaceBase = false)
        {
            TargetName = targetName;
            IsOptional = isOptional;
            ReplaceBase = replaceBase;
        }

        public PlugAttribute(Type target) : this(target.FullName) { }

        public string TargetName { get; set; }
        public bool IsOptional { get; set; }
        public bool ReplaceBase { get; set; }
    }

    [AttributeUsage(AttributeTargets.Method | AttributeTargets.Field | AttributeTargets.Property, Inherited = false)]
    public class PlugMemberAttribute : Attribute
    {
        public PlugMemberAttribute(string targetName) => TargetName = targetName;
        public PlugMemberAttribute() : this(string.Empty) { }
        public string TargetName { get; set; }
    }
}

namespace Gen3Plugs
{
    using Cosmos.Build.API.Attributes;

    // Gen3 plug classes need not be static.
    [Plug(typeof(Lib.Gen3Target))]
    public class Gen3TargetPlug
    {
        [PlugMember]
        public static string Hello() => "gen3 hello";
    }

    [Plug("Lib.Gen3Target")]
    public class Gen3ByNamePlug
    {
        [PlugMember("Twice")]
        public static int TwiceIt(int x) => x * 2;
    }

    // Positional isOptional (gen3's constructor shape): skipped.
    [Plug("Lib.NotThereEither", true)]
    public class Gen3OptionalPlug
    {
        [PlugMember]
        public static int Anything() => 0;
    }
}
