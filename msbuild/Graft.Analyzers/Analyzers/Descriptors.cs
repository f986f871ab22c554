using Microsoft.CodeAnalysis;

namespace Graft.Analyzers;

/// <summary>
/// The plug codes, the same as the patcher's (rust/graft-diag/src/codes.rs, docs/diagnostics.md):
/// the patcher reports them at build time, the analyzer while the user types.
/// </summary>
public static class Descriptors
{
    const string Category = "Graft.Plugs";

    static DiagnosticDescriptor Error(int code, string title, string message) =>
        new($"GRAFT{code:D4}", title, message, Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor TargetTypeNotFound = Error(1001,
        "Plug target type not found",
        "The plug's target type '{0}' is not in any assembly the kernel compiles: check the name (Namespace.Type, Outer+Inner, List`1) or set IsOptional = true");

    public static readonly DiagnosticDescriptor MemberNotFound = Error(1002,
        "Plug target member not found",
        "'{0}' has no member '{1}' to plug{2}");

    public static readonly DiagnosticDescriptor AThisMissing = Error(1003,
        "Plug for an instance member lacks aThis",
        "'{0}' is an instance member: its plug takes the object first, as a parameter '{1} aThis'");

    public static readonly DiagnosticDescriptor AThisWrongType = Error(1004,
        "aThis is not of the target type",
        "The plug's 'aThis' is of type '{0}', but it receives a '{1}': make it '{1}' or 'object'{2}");

    public static readonly DiagnosticDescriptor SignatureMismatch = Error(1005,
        "Plug signature does not match its target",
        "The plug '{0}' matches no '{1}' of '{2}' ({3}); the target's: {4}");

    public static readonly DiagnosticDescriptor ClassNotStatic = Error(1006,
        "Plug class is not static",
        "The plug class '{0}' is not static: make it 'static class {0}'");

    public static readonly DiagnosticDescriptor Conflict = Error(1007,
        "Two plugs for one target member",
        "'{0}' and '{1}' both plug '{2}': keep one of them");

    public static readonly DiagnosticDescriptor ArchitectureMismatch = Error(1008,
        "Plug architecture mismatch",
        "'{0}' is limited to {1}, but {2}: it is never applied");

    public static readonly DiagnosticDescriptor Invalid = Error(1009,
        "Malformed plug",
        "Malformed plug: {0}");

    public static readonly DiagnosticDescriptor AddedMemberExists = Error(1011,
        "Added member already exists on the target",
        "'{0}' has no [PlugMember], so it is added to '{1}', which already has '{2}': mark it [PlugMember] to replace that member, or rename it");

    public static readonly DiagnosticDescriptor UnpluggedNativeCall = new("GRAFT1010",
        "Call reaches a framework member with no body in a kernel",
        "'{0}' has no body in a kernel ({1}) and no plug covers it: plug it with [Plug(typeof({2}))] or do without it",
        Category, DiagnosticSeverity.Warning, isEnabledByDefault: true);
}
