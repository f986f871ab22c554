using System;

namespace Graft;

/// <summary>
/// Marks a static class whose members replace or extend members of a target
/// type. Graft's patcher (the <c>patch</c> stage, between Roslyn and ILC)
/// rewrites the target's assembly: each plugged member gets the plug's body,
/// members the target lacks are added to it. The analyzer checks plugs while
/// you type; both report the same GRAFT1xxx codes at the plug's line.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class PlugAttribute : Attribute
{
    /// <summary>Plugs <paramref name="target"/>.</summary>
    public PlugAttribute(Type target) => Target = target;

    /// <summary>
    /// Plugs the type with this full metadata name, for types the kernel
    /// cannot name with <c>typeof</c> (internal or private ones of CoreLib):
    /// <c>"System.ConsolePal"</c>, nested types as <c>"Outer+Inner"</c>,
    /// generic types by arity as <c>"System.Collections.Generic.List`1"</c>.
    /// An assembly may be named after a comma: <c>"System.ConsolePal, System.Console"</c>.
    /// </summary>
    public PlugAttribute(string targetName) => TargetName = targetName;

    /// <summary>The target, when given with <c>typeof</c>.</summary>
    public Type? Target { get; }

    /// <summary>The target's full name, when given as a string.</summary>
    public string? TargetName { get; }

    /// <summary>
    /// A missing target is skipped quietly (noted at <c>-v:n</c>) instead of
    /// being an error.
    /// </summary>
    public bool IsOptional { get; set; }

    /// <summary>The plug applies only when the kernel is built for this architecture.</summary>
    public PlugArchitecture Architecture { get; set; }
}

/// <summary>
/// Marks a member of a plug class that stands for a member of the target:
/// a method whose body replaces the target method's (an instance target's
/// object comes first, as a parameter named <c>aThis</c>), a field that
/// aliases the target's field, or a property whose accessors replace the
/// target's. Without a name the member's own name is the target's.
/// </summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Field | AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class PlugMemberAttribute : Attribute
{
    /// <summary>Plugs the target member with the same name.</summary>
    public PlugMemberAttribute() { }

    /// <summary>Plugs the target member called <paramref name="targetName"/>.</summary>
    public PlugMemberAttribute(string targetName) => TargetName = targetName;

    /// <summary>The target member's name, when it differs from the plug's.</summary>
    public string? TargetName { get; }

    /// <summary>A missing target member is skipped quietly instead of being an error.</summary>
    public bool IsOptional { get; set; }

    /// <summary>The member applies only when the kernel is built for this architecture.</summary>
    public PlugArchitecture Architecture { get; set; }
}

/// <summary>The architectures a plug or plug member can be limited to.</summary>
public enum PlugArchitecture
{
    /// <summary>Every architecture (the default).</summary>
    Any = 0,
    /// <summary>x86-64.</summary>
    X64 = 1,
    /// <summary>AArch64.</summary>
    Arm64 = 2,
}
