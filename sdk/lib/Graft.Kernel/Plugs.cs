using System;

namespace Graft;

/// <summary>
/// Marks a static class whose members replace or extend members of a target
/// type. Graft's patcher (the <c>patch</c> stage, between Roslyn and ILC)
/// rewrites the target's assembly: each plugged member gets the plug's body,
/// members the target lacks are added to it. The analyzer checks plugs while
/// you type; both report the same GRAFT1xxx codes at the plug's line.
/// </summary>
/// <remarks>
/// <para>What each member of a plug class does to the target:</para>
/// <list type="bullet">
/// <item><c>[PlugMember]</c> method: replaces the target method with the same
/// name (or the name given) and the same signature: parameter and return
/// types, generic arity, static or instance. For an instance target the
/// object comes first, as a parameter named <c>aThis</c> of the target type
/// (or <c>object</c>; <c>ref T</c> or a pointer for a value type). Name it
/// <c>Ctor</c> for a constructor (the target keeps its field initializers and
/// base/this constructor call, then runs the plug) and <c>CCtor</c> for the
/// static constructor. Property accessors are methods too: plug
/// <c>get_Length</c> as <c>[PlugMember("get_Length")] static int Length(T aThis)</c>,
/// or put <c>[PlugMember]</c> on a static property of the plug class. An
/// extern, P/Invoke, InternalCall or runtime-implemented target becomes an
/// ordinary method with the plug's body.</item>
/// <item><c>[PlugMember]</c> static field: stands for the target's static
/// field of that name (private ones too); reading or writing it in a plug
/// reads or writes the target's.</item>
/// <item><c>[PlugMember("_field")] static extern ref T Field(Target aThis);</c>:
/// the address of the target's instance field <c>_field</c> (without
/// <c>aThis</c>: of a static field), so <c>Field(aThis) += 1</c> changes it.
/// <c>[UnsafeAccessor]</c> methods work too and are copied with the plug.</item>
/// <item>Any other method or static field of the plug class is added to the
/// target (private helpers included), so plug bodies can call and use them
/// there. Static field initializers (the plug class's static constructor)
/// are added too, as a method the target's static constructor calls first
/// (before a <c>CCtor</c> plug's body; a target without one gets one).</item>
/// <item><c>static extern ref T Name(Target aThis);</c> without
/// <c>[PlugMember]</c> adds a new instance field <c>Name</c> of type
/// <c>T</c> to the target: per-object state for plugs, reached as
/// <c>Name(aThis)</c>.</item>
/// <item>A generic target type's plug class declares the same type
/// parameters, in order: <c>[Plug("Lib.Box`1")] static class BoxPlug&lt;T&gt;</c>,
/// whose <c>T</c> is the target's (<c>static T Get(Box&lt;T&gt; aThis)</c>
/// plugs <c>T Box&lt;T&gt;.Get()</c>). Such a class replaces methods only;
/// its bodies reach the target through <c>aThis</c>, not through other
/// members of the plug class (GRAFT1009).</item>
/// </list>
/// <para>Two plugs for one target member are an error naming both (GRAFT1007);
/// a member whose target is missing is an error naming the closest
/// candidates (GRAFT1002), unless it or its class is <see cref="IsOptional"/>.
/// Cosmos gen3's <c>Cosmos.Build.API.Attributes.PlugAttribute</c> and
/// <c>PlugMemberAttribute</c> are read the same way (gen3 plug classes need
/// not be static; <c>replaceBase</c> is not supported).</para>
/// </remarks>
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
    /// An assembly may be named after a comma: <c>"System.ConsolePal, System.Console"</c>;
    /// name it for names that several assemblies define (every framework
    /// assembly has an internal <c>System.SR</c>), else the first assembly
    /// that defines the name is taken.
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
