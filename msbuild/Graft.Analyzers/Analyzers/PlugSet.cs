using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace Graft.Analyzers;

/// <summary>
/// Every plug a compilation sees, checked once per compilation: the plug classes of its own
/// source (with their diagnostics) and of the referenced assemblies that use Graft's or gen3's
/// attributes (only their targets: for conflicts and for which framework members are covered).
/// </summary>
/// <remarks>
/// Where the target is found: typeof targets are symbols; a name is looked up in the
/// compilation's references, then in the embedded list of the NativeAOT runtime pack's
/// implementation types (internal ones such as System.ConsolePal are not in the reference
/// assemblies a kernel compiles against). A type known only from that list has its member NAMES
/// checked, not their signatures; a member missing from a reference assembly but present in the
/// implementation (a private one) is taken as found, unchecked.
/// </remarks>
public sealed class PlugSet
{
    readonly Compilation compilation;
    readonly PlugArchitecture kernelArchitecture;
    readonly FrameworkMembers framework;
    readonly Dictionary<ISymbol, List<Diagnostic>> diagnostics = new(SymbolEqualityComparer.Default);
    // Target key (documentation ID, or "Type::member/signature" for a target known by name) -> plug members.
    readonly Dictionary<string, List<ISymbol>> plugsByTarget = new();
    // "Type::member" of every plugged member, for the covered-by names of FrameworkMembers.
    readonly HashSet<string> pluggedNames = new();
    readonly List<(ISymbol Plug, string Key, string Target)> sourcePlugs = new();

    PlugSet(Compilation compilation, PlugArchitecture kernelArchitecture, FrameworkMembers framework)
    {
        this.compilation = compilation;
        this.kernelArchitecture = kernelArchitecture;
        this.framework = framework;
    }

    public static PlugSet Build(Compilation compilation, PlugArchitecture kernelArchitecture, FrameworkMembers framework)
    {
        var set = new PlugSet(compilation, kernelArchitecture, framework);
        foreach (var type in SymbolNames.AllTypes(compilation.Assembly.GlobalNamespace))
            set.Check((INamedTypeSymbol)type, fromSource: true);
        foreach (var reference in compilation.References)
        {
            if (compilation.GetAssemblyOrModuleSymbol(reference) is IAssemblySymbol assembly && HoldsPlugs(assembly))
            {
                foreach (var type in SymbolNames.AllTypes(assembly.GlobalNamespace))
                    set.Check((INamedTypeSymbol)type, fromSource: false);
            }
        }
        set.ReportConflicts();
        return set;
    }

    static bool HoldsPlugs(IAssemblySymbol assembly) =>
        assembly.Name == "Graft.Kernel" || assembly.Modules.Any(module => module.ReferencedAssemblies.Any(a => a.Name is "Graft.Kernel" or "Cosmos.Build.API"));

    /// <summary>The diagnostics of one type of the compilation's source.</summary>
    public IEnumerable<Diagnostic> DiagnosticsOf(ISymbol type) =>
        diagnostics.TryGetValue(type, out var list) ? list : Enumerable.Empty<Diagnostic>();

    /// <summary>Whether a plug covers this framework method (itself, or an internal method it reaches native code through).</summary>
    public bool Covers(IMethodSymbol method, FrameworkMembers.Bodiless bodiless) =>
        plugsByTarget.ContainsKey(method.OriginalDefinition.GetDocumentationCommentId() ?? "")
        || bodiless.CoveredBy.Any(pluggedNames.Contains);

    void Report(ISymbol type, DiagnosticDescriptor descriptor, Location? location, ImmutableDictionary<string, string?>? properties, params object?[] arguments)
    {
        if (!diagnostics.TryGetValue(type, out var list))
            diagnostics[type] = list = new List<Diagnostic>();
        list.Add(Diagnostic.Create(descriptor, location, properties, arguments));
    }

    static Location? Where(AttributeData attribute) => attribute.ApplicationSyntaxReference?.GetSyntax().GetLocation();

    void Check(INamedTypeSymbol type, bool fromSource)
    {
        var plug = PlugAttributeData.Of(type);
        var members = type.GetMembers().Select(m => (Member: m, Data: PlugMemberData.Of(m))).Where(m => m.Data != null).ToList();
        if (plug == null)
        {
            if (fromSource)
            {
                foreach (var (member, data) in members)
                    Report(type, Descriptors.Invalid, Where(data!.Attribute), null, $"[PlugMember] on '{member.Name}', but '{type.Name}' has no [Plug] attribute naming its target");
            }
            return;
        }
        if (fromSource && !type.IsStatic)
            Report(type, Descriptors.ClassNotStatic, type.Locations.FirstOrDefault(), null, type.Name);
        if (fromSource && type.IsGenericType)
        {
            Report(type, Descriptors.Invalid, type.Locations.FirstOrDefault(), null, $"the plug class '{type.Name}' is generic: a plug class cannot have type parameters");
            return;
        }
        if (fromSource)
            CheckArchitecture(type, type, plug.Architecture, PlugArchitecture.Any);

        var target = ResolveTarget(type, plug, fromSource);
        if (target == null)
            return;
        foreach (var (member, data) in members)
        {
            if (fromSource)
                CheckArchitecture(type, member, data!.Architecture, plug.Architecture);
            CheckMember(type, member, data!, target, fromSource);
        }
    }

    void CheckArchitecture(INamedTypeSymbol type, ISymbol plug, PlugArchitecture architecture, PlugArchitecture classArchitecture)
    {
        if (architecture == PlugArchitecture.Any)
            return;
        if (classArchitecture != PlugArchitecture.Any && classArchitecture != architecture)
            Report(type, Descriptors.ArchitectureMismatch, plug.Locations.FirstOrDefault(), null, plug.Name, architecture, $"its plug class '{type.Name}' is limited to {classArchitecture}");
        else if (kernelArchitecture != PlugArchitecture.Any && kernelArchitecture != architecture)
            Report(type, Descriptors.ArchitectureNotThisKernel, plug.Locations.FirstOrDefault(), null, plug.Name, architecture, kernelArchitecture);
    }

    /// <summary>A plug's target: a symbol, or a framework type known only by name.</summary>
    sealed class Target(INamedTypeSymbol? symbol, string metadataName, FrameworkMembers.TypeEntry? implementation)
    {
        public INamedTypeSymbol? Symbol { get; } = symbol;
        public string MetadataName { get; } = metadataName;
        /// <summary>The implementation type's member names, private ones included, where the list has it.</summary>
        public FrameworkMembers.TypeEntry? Implementation { get; } = implementation;
    }

    Target? ResolveTarget(INamedTypeSymbol type, PlugAttributeData plug, bool fromSource)
    {
        var location = Where(plug.Attribute);
        if (plug.TargetType != null)
        {
            if (plug.TargetType.TypeKind == TypeKind.Error)
                return null; // the compiler reports the unknown type
            var name = SymbolNames.MetadataName(plug.TargetType);
            return new Target(plug.TargetType, name, framework.FindType(name, null));
        }
        var written = plug.TargetName?.Trim();
        if (string.IsNullOrEmpty(written))
        {
            if (fromSource)
                Report(type, Descriptors.Invalid, location, null, "[Plug] names no target: give typeof(Type) or the type's full name, as [Plug(\"System.ConsolePal\")]");
            return null;
        }
        var comma = written!.IndexOf(',');
        var metadataName = (comma < 0 ? written : written.Substring(0, comma)).Trim();
        var assembly = comma < 0 ? null : written.Substring(comma + 1).Trim();
        if (metadataName.Length == 0 || metadataName.Any(char.IsWhiteSpace) || metadataName.IndexOfAny(new[] { '<', '>', '[', ']' }) >= 0 || assembly == "")
        {
            if (fromSource)
                Report(type, Descriptors.Invalid, location, null, $"the target name '{written}' is not a type's metadata name (Namespace.Type, Outer+Inner, List`1, optionally ', Assembly')");
            return null;
        }
        var found = compilation.GetTypesByMetadataName(metadataName)
            .FirstOrDefault(t => assembly == null || string.Equals(t.ContainingAssembly.Name, assembly, System.StringComparison.OrdinalIgnoreCase));
        var implementation = framework.FindType(metadataName, found == null ? assembly : null);
        if (found != null || implementation != null)
            return new Target(found?.OriginalDefinition, metadataName, implementation);
        if (fromSource && !plug.IsOptional)
            Report(type, Descriptors.TargetTypeNotFound, location, null, written);
        return null;
    }

    void CheckMember(INamedTypeSymbol type, ISymbol plug, PlugMemberData data, Target target, bool fromSource)
    {
        void Fail(DiagnosticDescriptor descriptor, ImmutableDictionary<string, string?>? properties, params object?[] arguments)
        {
            if (fromSource)
                Report(type, descriptor, plug.Locations.FirstOrDefault(), properties, arguments);
        }

        if (data.TargetName != null && data.TargetName.Trim().Length == 0)
        {
            Fail(Descriptors.Invalid, null, $"[PlugMember(\"\")] on '{plug.Name}' names no member: leave the name out to plug the member called '{plug.Name}'");
            return;
        }
        var name = data.TargetName ?? plug.Name switch { "Ctor" when plug is IMethodSymbol => ".ctor", "CCtor" when plug is IMethodSymbol => ".cctor", _ => plug.Name };
        var targetDisplay = target.Symbol?.ToDisplayString() ?? target.MetadataName;

        var candidates = target.Symbol?.GetMembers(name).Where(m => plug switch
        {
            IMethodSymbol => m is IMethodSymbol,
            IFieldSymbol => m is IFieldSymbol,
            IPropertySymbol => m is IPropertySymbol,
            _ => false,
        }).ToList() ?? new List<ISymbol>();

        if (candidates.Count == 0)
        {
            if (target.Implementation != null && target.Implementation.Members.Contains(name))
            {
                Record(plug, $"{target.MetadataName}::{name}/{SymbolNames.Signature(plug)}", target.MetadataName, name, $"{targetDisplay}.{name}");
                return;
            }
            if (!data.IsOptional)
                Fail(Descriptors.MemberNotFound, null, targetDisplay, name, Closest(target, name));
            return;
        }

        switch (plug)
        {
            case IMethodSymbol method:
                CheckMethod(method, target.Symbol!, name, candidates.Cast<IMethodSymbol>().ToList(), Fail);
                break;
            case IFieldSymbol field:
                var targetField = (IFieldSymbol)candidates[0];
                if (!TypesMatch(field.Type, targetField.Type))
                    Fail(Descriptors.SignatureMismatch, null, plug.Name, name, targetDisplay, $"the field is a '{field.Type.ToDisplayString()}'", SymbolNames.Signature(targetField) + " : " + targetField.Type.ToDisplayString());
                else
                    Record(plug, targetField);
                break;
            case IPropertySymbol property:
                var targetProperty = (IPropertySymbol)candidates[0];
                if (!targetProperty.IsStatic)
                    Fail(Descriptors.SignatureMismatch, null, plug.Name, name, targetDisplay, "an instance property is plugged through its accessors: methods get_" + name + "(aThis) and set_" + name + "(aThis, value)", SymbolNames.Signature(targetProperty));
                else if (!TypesMatch(property.Type, targetProperty.Type))
                    Fail(Descriptors.SignatureMismatch, null, plug.Name, name, targetDisplay, $"the property is a '{property.Type.ToDisplayString()}'", SymbolNames.Signature(targetProperty) + " : " + targetProperty.Type.ToDisplayString());
                else
                    Record(plug, targetProperty);
                break;
        }
    }

    delegate void Failure(DiagnosticDescriptor descriptor, ImmutableDictionary<string, string?>? properties, params object?[] arguments);

    void CheckMethod(IMethodSymbol plug, INamedTypeSymbol target, string name, List<IMethodSymbol> candidates, Failure fail)
    {
        var hasAThis = plug.Parameters.Length > 0 && plug.Parameters[0].Name == "aThis";
        var rest = hasAThis ? plug.Parameters.RemoveAt(0) : plug.Parameters;
        var matched = candidates.FirstOrDefault(c => c.IsStatic != hasAThis && SameShape(plug, rest, c));
        if (matched != null)
        {
            if (!matched.IsStatic && !AThisFits(plug.Parameters[0], target))
            {
                var hint = target.IsValueType ? $", 'ref {target.ToDisplayString()}' or '{target.ToDisplayString()}*'" : "";
                fail(Descriptors.AThisWrongType, AThisProperties(target, "retype"), plug.Parameters[0].Type.ToDisplayString(), target.ToDisplayString(), hint);
                return;
            }
            Record(plug, matched);
            return;
        }
        var signatures = string.Join("; ", candidates.Select(SymbolNames.Signature));
        if (!hasAThis)
        {
            foreach (var candidate in candidates.Where(c => !c.IsStatic))
            {
                if (SameShape(plug, plug.Parameters, candidate))
                {
                    fail(Descriptors.AThisMissing, AThisProperties(target, "insert"), SymbolNames.Signature(candidate), AThisShown(target));
                    return;
                }
                if (plug.Parameters.Length == candidate.Parameters.Length + 1 && SameShape(plug, plug.Parameters.RemoveAt(0), candidate))
                {
                    fail(Descriptors.AThisMissing, AThisProperties(target, "rename"), SymbolNames.Signature(candidate), AThisShown(target));
                    return;
                }
            }
        }
        var why = candidates.All(c => c.IsStatic) && hasAThis ? "the target is static: it takes no aThis"
            : candidates.All(c => !c.IsStatic) && !hasAThis ? "the target is an instance member: the plug's first parameter is aThis"
            : "the parameters, return type or generic arity differ";
        fail(Descriptors.SignatureMismatch, null, SymbolNames.Signature(plug), name, target.ToDisplayString(), why, signatures);
    }

    static ImmutableDictionary<string, string?> AThisProperties(INamedTypeSymbol target, string fix) =>
        ImmutableDictionary<string, string?>.Empty.Add("AThisType", AThisType(target)).Add("AThisFix", fix);

    /// <summary>The type an aThis is written with: the target, or object when the kernel cannot name it.</summary>
    static string AThisType(INamedTypeSymbol target)
    {
        if (!IsNameable(target))
            return "object";
        var written = target.IsUnboundGenericType || target.TypeParameters.Length > 0 ? "object" : target.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);
        return target.IsValueType && written != "object" ? "ref " + written : written;
    }

    /// <summary>The aThis type as a message shows it (without global::).</summary>
    static string AThisShown(INamedTypeSymbol target) => AThisType(target).Replace("global::", "");

    static bool IsNameable(ITypeSymbol type)
    {
        for (ISymbol? s = type; s is INamedTypeSymbol t; s = t.ContainingType)
        {
            if (t.DeclaredAccessibility is not (Accessibility.Public or Accessibility.NotApplicable) && t.ContainingAssembly.Name != "")
                return t.Locations.Any(l => l.IsInSource);
        }
        return true;
    }

    static bool AThisFits(IParameterSymbol aThis, INamedTypeSymbol target)
    {
        var type = aThis.Type;
        if (type.SpecialType == SpecialType.System_Object)
            return aThis.RefKind == RefKind.None;
        if (type is IPointerTypeSymbol pointer)
            return target.IsValueType && SymbolEqualityComparer.Default.Equals(pointer.PointedAtType.OriginalDefinition, target);
        if (!SymbolEqualityComparer.Default.Equals(type.OriginalDefinition, target))
            return false;
        return target.IsValueType || aThis.RefKind == RefKind.None;
    }

    /// <summary>Same parameters (types and by-ref-ness), return type and generic arity.</summary>
    static bool SameShape(IMethodSymbol plug, ImmutableArray<IParameterSymbol> parameters, IMethodSymbol target)
    {
        if (parameters.Length != target.Parameters.Length || plug.Arity != target.Arity)
            return false;
        for (var i = 0; i < parameters.Length; i++)
        {
            if (IsByRef(parameters[i].RefKind) != IsByRef(target.Parameters[i].RefKind) || !TypesMatch(parameters[i].Type, target.Parameters[i].Type))
                return false;
        }
        var targetReturn = target.MethodKind is MethodKind.Constructor or MethodKind.StaticConstructor ? null : target.ReturnType;
        if (targetReturn == null || targetReturn.SpecialType == SpecialType.System_Void)
            return plug.ReturnsVoid;
        return plug.ReturnsByRef == target.ReturnsByRef && TypesMatch(plug.ReturnType, targetReturn);
    }

    // In a signature, out, in and ref are all a managed pointer.
    static bool IsByRef(RefKind kind) => kind != RefKind.None;

    /// <summary>
    /// Whether a plug's type stands for the target's: the same type; the same method type
    /// parameter; anything for a type parameter of the target type (a static plug class cannot
    /// name it); object for a type the kernel cannot name (internal to the framework).
    /// </summary>
    static bool TypesMatch(ITypeSymbol plug, ITypeSymbol target)
    {
        switch (target)
        {
            case ITypeParameterSymbol { TypeParameterKind: TypeParameterKind.Method } methodParameter:
                return plug is ITypeParameterSymbol { TypeParameterKind: TypeParameterKind.Method } p && p.Ordinal == methodParameter.Ordinal;
            case ITypeParameterSymbol:
                return true;
            case IArrayTypeSymbol array:
                return plug is IArrayTypeSymbol a && a.Rank == array.Rank && TypesMatch(a.ElementType, array.ElementType);
            case IPointerTypeSymbol pointer:
                return plug is IPointerTypeSymbol p2 && TypesMatch(p2.PointedAtType, pointer.PointedAtType);
            case INamedTypeSymbol named when named.IsGenericType && plug is INamedTypeSymbol other && other.IsGenericType:
                return SymbolEqualityComparer.Default.Equals(other.OriginalDefinition, named.OriginalDefinition)
                    && other.TypeArguments.Zip(named.TypeArguments, TypesMatch).All(x => x);
        }
        if (SymbolEqualityComparer.Default.Equals(plug, target))
            return true;
        return !IsNameable(target) && plug.SpecialType == SpecialType.System_Object;
    }

    string Closest(Target target, string name)
    {
        // The three closest names; a name's first overload stands for the others.
        IEnumerable<string> shown;
        if (target.Symbol != null)
        {
            shown = target.Symbol.GetMembers()
                .Where(m => !m.IsImplicitlyDeclared || m is IMethodSymbol { MethodKind: MethodKind.Constructor })
                .Where(m => m is IMethodSymbol { MethodKind: not MethodKind.PropertyGet and not MethodKind.PropertySet } or IFieldSymbol or IPropertySymbol)
                .GroupBy(m => m.Name)
                .OrderBy(g => SymbolNames.Distance(name, g.Key)).ThenBy(g => g.Key, System.StringComparer.Ordinal)
                .Take(3).Select(g => SymbolNames.Signature(g.First()) + (g.Count() > 1 ? $" (+{g.Count() - 1} overloads)" : ""));
        }
        else
        {
            shown = target.Implementation!.Members.OrderBy(m => SymbolNames.Distance(name, m)).ThenBy(m => m, System.StringComparer.Ordinal).Take(3);
        }
        var list = shown.ToList();
        return list.Count == 0 ? "" : "; the closest: " + string.Join("; ", list);
    }

    void Record(ISymbol plug, ISymbol target)
    {
        var containing = target.ContainingType;
        Record(plug, target.OriginalDefinition.GetDocumentationCommentId() ?? SymbolNames.Signature(target),
            SymbolNames.MetadataName(containing), target.MetadataName, SymbolNames.Signature(target));
    }

    void Record(ISymbol plug, string key, string typeName, string memberName, string display)
    {
        if (!plugsByTarget.TryGetValue(key, out var plugs))
            plugsByTarget[key] = plugs = new List<ISymbol>();
        plugs.Add(plug);
        pluggedNames.Add(typeName + "::" + memberName);
        if (plug.Locations.Any(l => l.IsInSource))
            sourcePlugs.Add((plug, key, display));
    }

    /// <summary>Two plugs for one target: one error, at the later plug of the source, naming both.</summary>
    void ReportConflicts()
    {
        foreach (var (plug, key, display) in sourcePlugs)
        {
            var others = plugsByTarget[key];
            if (others.Count < 2)
                continue;
            var first = others.OrderBy(p => p.Locations.Any(l => l.IsInSource) ? 1 : 0)
                .ThenBy(p => p.Locations.FirstOrDefault()?.SourceTree?.FilePath, System.StringComparer.Ordinal)
                .ThenBy(p => p.Locations.FirstOrDefault()?.SourceSpan.Start).First();
            if (SymbolEqualityComparer.Default.Equals(first, plug))
                continue;
            Report(plug.ContainingType, Descriptors.Conflict, plug.Locations.FirstOrDefault(), null,
                first.ToDisplayString(), plug.ToDisplayString(), display);
        }
    }
}
