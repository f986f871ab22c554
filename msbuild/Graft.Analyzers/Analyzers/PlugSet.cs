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
    readonly Dictionary<string, List<(ISymbol Plug, PlugArchitecture Architecture)>> plugsByTarget = new();
    // "Type::member" of every plugged member, for the covered-by names of FrameworkMembers.
    readonly HashSet<string> pluggedNames = new();
    readonly List<(ISymbol Plug, PlugArchitecture Architecture, string Key, string Target)> sourcePlugs = new();

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
        // gen3's plug classes need not be static.
        if (fromSource && !type.IsStatic && !plug.IsGen3)
            Report(type, Descriptors.ClassNotStatic, type.Locations.FirstOrDefault(), null, type.Name);
        if (fromSource && plug.ReplaceBase)
        {
            Report(type, Descriptors.Invalid, Where(plug.Attribute), null, $"'{type.Name}' asks for gen3's replaceBase, which Graft does not apply: plug the base type's members with a plug of their own");
            return;
        }
        if (Skipped(plug.Architecture))
            return;
        var target = ResolveTarget(type, plug, fromSource);
        if (target == null)
            return;
        // A generic plug class (BoxPlug<T> for Box`1) repeats its target's type
        // parameters; its members' signatures use its own T, which Roslyn
        // cannot compare with the target's, so the patcher checks them at build.
        if (type.IsGenericType)
        {
            var arity = target.Symbol?.Arity ?? TypeArity(target.MetadataName);
            if (fromSource && arity != type.Arity)
                Report(type, Descriptors.Invalid, type.Locations.FirstOrDefault(), null, $"the plug class '{type.Name}' has {type.Arity} type parameter(s) and its target '{target.MetadataName}' {arity}: a generic plug class declares its target's type parameters, in order");
            return;
        }
        foreach (var (member, data) in members)
        {
            if (data!.Architecture != PlugArchitecture.Any && plug.Architecture != PlugArchitecture.Any && data.Architecture != plug.Architecture)
            {
                if (fromSource)
                    Report(type, Descriptors.ArchitectureMismatch, member.Locations.FirstOrDefault(), null, member.Name, data.Architecture, $"its plug class '{type.Name}' is limited to {plug.Architecture}");
                continue;
            }
            var architecture = data.Architecture != PlugArchitecture.Any ? data.Architecture : plug.Architecture;
            if (!Skipped(architecture))
                CheckMember(type, member, data, target, architecture, fromSource);
        }
        if (fromSource && target.Symbol != null)
            CheckAddedMembers(type, target.Symbol, members.Select(m => m.Member));
    }

    /// <summary>A plug limited to another architecture than the kernel's is skipped, as the patcher skips it.</summary>
    bool Skipped(PlugArchitecture architecture) =>
        kernelArchitecture != PlugArchitecture.Any && architecture != PlugArchitecture.Any && architecture != kernelArchitecture;

    /// <summary>
    /// Members without [PlugMember] are added to the target: GRAFT1011 when it already has one of
    /// that name and signature, GRAFT1009 for a generic method (the patcher cannot add those yet).
    /// </summary>
    void CheckAddedMembers(INamedTypeSymbol type, INamedTypeSymbol target, IEnumerable<ISymbol> plugMembers)
    {
        var replacing = new HashSet<ISymbol>(plugMembers, SymbolEqualityComparer.Default);
        foreach (var member in type.GetMembers())
        {
            if (member.IsImplicitlyDeclared || replacing.Contains(member))
                continue;
            ISymbol? existing = null;
            switch (member)
            {
                case IMethodSymbol { MethodKind: MethodKind.Ordinary } method when method.IsGenericMethod:
                    Report(type, Descriptors.Invalid, member.Locations.FirstOrDefault(), null, $"'{method.Name}' has no [PlugMember], so it would be added to '{target.ToDisplayString()}', but generic methods cannot be added to a target yet");
                    continue;
                case IMethodSymbol { MethodKind: MethodKind.Ordinary } method when IsFieldAccessor(method):
                    existing = target.GetMembers(method.Name).FirstOrDefault(m => m is IFieldSymbol);
                    break;
                case IMethodSymbol { MethodKind: MethodKind.Ordinary } method:
                    existing = target.GetMembers(method.Name).OfType<IMethodSymbol>().FirstOrDefault(m => SameShape(method, method.Parameters, m));
                    break;
                case IFieldSymbol field:
                    existing = target.GetMembers(field.Name).FirstOrDefault(m => m is IFieldSymbol);
                    break;
            }
            if (existing != null)
                Report(type, Descriptors.AddedMemberExists, member.Locations.FirstOrDefault(), null, SymbolNames.Signature(member), target.ToDisplayString(), SymbolNames.Signature(existing));
        }
    }

    /// <summary>static extern ref T name(Target aThis) (or no parameter, static): the address of a field of the target.</summary>
    static bool IsFieldAccessor(IMethodSymbol method) =>
        method.IsExtern && method.ReturnsByRef && method.Parameters.Length <= 1;

    /// <summary>The arity a metadata name ends with: List`1 is 1, a nested Outer`1+Inner counts its last part.</summary>
    static int TypeArity(string metadataName)
    {
        var name = metadataName.Split(',')[0];
        var last = name.Substring(name.LastIndexOfAny(new[] { '.', '+' }) + 1);
        var tick = last.IndexOf('`');
        return tick >= 0 && int.TryParse(last.Substring(tick + 1), out var n) ? n : 0;
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

    void CheckMember(INamedTypeSymbol type, ISymbol plug, PlugMemberData data, Target target, PlugArchitecture architecture, bool fromSource)
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

        var accessor = plug is IMethodSymbol plugMethod && IsFieldAccessor(plugMethod);
        var candidates = target.Symbol?.GetMembers(name).Where(m => plug switch
        {
            IMethodSymbol when accessor => m is IFieldSymbol,
            IMethodSymbol => m is IMethodSymbol,
            IFieldSymbol => m is IFieldSymbol,
            IPropertySymbol => m is IPropertySymbol,
            _ => false,
        }).ToList() ?? new List<ISymbol>();

        if (candidates.Count == 0)
        {
            if (target.Implementation != null && target.Implementation.Members.Contains(name))
            {
                Record(plug, architecture, $"{target.MetadataName}::{name}/{SymbolNames.Signature(plug)}", target.MetadataName, name, $"{targetDisplay}.{name}");
                return;
            }
            if (!data.IsOptional)
                Fail(Descriptors.MemberNotFound, null, targetDisplay, name, Closest(target, name));
            return;
        }

        switch (plug)
        {
            case IMethodSymbol method when accessor:
                var aliased = (IFieldSymbol)candidates[0];
                if (aliased.IsStatic != (method.Parameters.Length == 0) || !TypesMatch(method.ReturnType, aliased.Type))
                    Fail(Descriptors.SignatureMismatch, null, SymbolNames.Signature(plug), name, targetDisplay,
                        $"a field's accessor is 'static extern ref {aliased.Type.ToDisplayString()} {name}({(aliased.IsStatic ? "" : target.Symbol!.ToDisplayString() + " aThis")})'", SymbolNames.Signature(aliased) + " : " + aliased.Type.ToDisplayString());
                else
                    Record(plug, architecture, aliased);
                break;
            case IMethodSymbol method:
                CheckMethod(method, target.Symbol!, name, candidates.Cast<IMethodSymbol>().ToList(), architecture, Fail);
                break;
            case IFieldSymbol field:
                var targetField = (IFieldSymbol)candidates[0];
                if (!TypesMatch(field.Type, targetField.Type))
                    Fail(Descriptors.SignatureMismatch, null, plug.Name, name, targetDisplay, $"the field is a '{field.Type.ToDisplayString()}'", SymbolNames.Signature(targetField) + " : " + targetField.Type.ToDisplayString());
                else
                    Record(plug, architecture, targetField);
                break;
            case IPropertySymbol property:
                var targetProperty = (IPropertySymbol)candidates[0];
                if (!targetProperty.IsStatic)
                    Fail(Descriptors.SignatureMismatch, null, plug.Name, name, targetDisplay, "an instance property is plugged through its accessors: methods get_" + name + "(aThis) and set_" + name + "(aThis, value)", SymbolNames.Signature(targetProperty));
                else if (!TypesMatch(property.Type, targetProperty.Type))
                    Fail(Descriptors.SignatureMismatch, null, plug.Name, name, targetDisplay, $"the property is a '{property.Type.ToDisplayString()}'", SymbolNames.Signature(targetProperty) + " : " + targetProperty.Type.ToDisplayString());
                else
                    Record(plug, architecture, targetProperty);
                break;
        }
    }

    delegate void Failure(DiagnosticDescriptor descriptor, ImmutableDictionary<string, string?>? properties, params object?[] arguments);

    void CheckMethod(IMethodSymbol plug, INamedTypeSymbol target, string name, List<IMethodSymbol> candidates, PlugArchitecture architecture, Failure fail)
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
            Record(plug, architecture, matched);
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

    void Record(ISymbol plug, PlugArchitecture architecture, ISymbol target)
    {
        var containing = target.ContainingType;
        Record(plug, architecture, target.OriginalDefinition.GetDocumentationCommentId() ?? SymbolNames.Signature(target),
            SymbolNames.MetadataName(containing), target.MetadataName, SymbolNames.Signature(target));
    }

    void Record(ISymbol plug, PlugArchitecture architecture, string key, string typeName, string memberName, string display)
    {
        if (!plugsByTarget.TryGetValue(key, out var plugs))
            plugsByTarget[key] = plugs = new List<(ISymbol, PlugArchitecture)>();
        plugs.Add((plug, architecture));
        pluggedNames.Add(typeName + "::" + memberName);
        // A property plug replaces the accessors, which is what the framework list names.
        if (plug is IPropertySymbol)
        {
            pluggedNames.Add(typeName + "::get_" + memberName);
            pluggedNames.Add(typeName + "::set_" + memberName);
        }
        if (plug.Locations.Any(l => l.IsInSource))
            sourcePlugs.Add((plug, architecture, key, display));
    }

    /// <summary>
    /// Two plugs for one target: one error, at the later plug of the source, naming both;
    /// none when each is limited to another architecture.
    /// </summary>
    void ReportConflicts()
    {
        foreach (var (plug, architecture, key, display) in sourcePlugs)
        {
            var others = plugsByTarget[key]
                .Where(p => p.Architecture == PlugArchitecture.Any || architecture == PlugArchitecture.Any || p.Architecture == architecture)
                .Select(p => p.Plug).ToList();
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
