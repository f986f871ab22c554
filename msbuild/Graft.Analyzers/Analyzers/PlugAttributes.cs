using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace Graft.Analyzers;

/// <summary>The architectures of Graft.PlugArchitecture (sdk/lib/Graft.Kernel/Plugs.cs), by value.</summary>
public enum PlugArchitecture
{
    Any = 0,
    X64 = 1,
    Arm64 = 2,
}

/// <summary>A [Plug] attribute as read from source or metadata: Graft's or gen3's (Cosmos.Build.API.Attributes).</summary>
public sealed class PlugAttributeData
{
    public const string GraftPlug = "Graft.PlugAttribute";
    public const string GraftPlugMember = "Graft.PlugMemberAttribute";
    public const string Gen3Plug = "Cosmos.Build.API.Attributes.PlugAttribute";
    public const string Gen3PlugMember = "Cosmos.Build.API.Attributes.PlugMemberAttribute";

    public AttributeData Attribute { get; private set; } = null!;
    /// <summary>The target given with typeof.</summary>
    public INamedTypeSymbol? TargetType { get; private set; }
    /// <summary>The target given by name, as written ("System.ConsolePal, System.Console").</summary>
    public string? TargetName { get; private set; }
    public bool IsOptional { get; private set; }
    public PlugArchitecture Architecture { get; private set; }
    /// <summary>gen3's attribute (its plug class need not be static).</summary>
    public bool IsGen3 { get; private set; }
    /// <summary>gen3's replaceBase, which Graft does not apply.</summary>
    public bool ReplaceBase { get; private set; }

    public static PlugAttributeData? Of(ISymbol type)
    {
        foreach (var attribute in type.GetAttributes())
        {
            var name = attribute.AttributeClass?.ToDisplayString();
            if (name == GraftPlug || name == Gen3Plug)
                return Read(attribute, name == Gen3Plug);
        }
        return null;
    }

    static PlugAttributeData Read(AttributeData attribute, bool gen3)
    {
        var plug = new PlugAttributeData { Attribute = attribute, IsGen3 = gen3 };
        var bools = attribute.ConstructorArguments.Where(a => a.Value is bool).Select(a => (bool)a.Value!).ToList();
        foreach (var argument in attribute.ConstructorArguments)
        {
            if (argument.Kind == TypedConstantKind.Type)
                plug.TargetType = (argument.Value as INamedTypeSymbol)?.OriginalDefinition;
            else if (argument.Value is string text)
                plug.TargetName = text;
        }
        // gen3: (string targetName, bool isOptional, bool replaceBase), (bool replaceBase), (bool isOptional, bool replaceBase).
        if (plug.TargetName != null ? bools.Count >= 1 : bools.Count == 2)
            plug.IsOptional = bools[0];
        if (plug.TargetName != null ? bools.Count >= 2 : bools.Count >= 1)
            plug.ReplaceBase = bools[bools.Count - 1];
        foreach (var named in attribute.NamedArguments)
        {
            switch (named.Key)
            {
                case "IsOptional" when named.Value.Value is bool optional: plug.IsOptional = optional; break;
                case "Architecture" when named.Value.Value is int architecture: plug.Architecture = (PlugArchitecture)architecture; break;
                case "TargetName" when named.Value.Value is string text: plug.TargetName = text; break;
                case "Target" when named.Value.Value is INamedTypeSymbol type: plug.TargetType = type.OriginalDefinition; break;
                case "ReplaceBase" when named.Value.Value is bool replaceBase: plug.ReplaceBase = replaceBase; break;
            }
        }
        return plug;
    }
}

/// <summary>A [PlugMember] attribute: Graft's or gen3's.</summary>
public sealed class PlugMemberData
{
    public AttributeData Attribute { get; private set; } = null!;
    /// <summary>The target member's name when given ("" counts as not given in gen3, as malformed in Graft).</summary>
    public string? TargetName { get; private set; }
    public bool IsGen3 { get; private set; }
    public bool IsOptional { get; private set; }
    public PlugArchitecture Architecture { get; private set; }

    public static PlugMemberData? Of(ISymbol member)
    {
        foreach (var attribute in member.GetAttributes())
        {
            var name = attribute.AttributeClass?.ToDisplayString();
            if (name != PlugAttributeData.GraftPlugMember && name != PlugAttributeData.Gen3PlugMember)
                continue;
            var data = new PlugMemberData { Attribute = attribute, IsGen3 = name == PlugAttributeData.Gen3PlugMember };
            if (attribute.ConstructorArguments.Length > 0 && attribute.ConstructorArguments[0].Value is string text)
                data.TargetName = text;
            foreach (var named in attribute.NamedArguments)
            {
                switch (named.Key)
                {
                    case "IsOptional" when named.Value.Value is bool optional: data.IsOptional = optional; break;
                    case "Architecture" when named.Value.Value is int architecture: data.Architecture = (PlugArchitecture)architecture; break;
                    case "TargetName" when named.Value.Value is string named_: data.TargetName = named_; break;
                }
            }
            if (data.IsGen3 && data.TargetName == "")
                data.TargetName = null;
            return data;
        }
        return null;
    }
}

public static class SymbolNames
{
    /// <summary>A type's metadata name as [Plug("...")] writes it: Namespace.Outer+Inner, List`1.</summary>
    public static string MetadataName(INamedTypeSymbol type)
    {
        if (type.ContainingType != null)
            return MetadataName(type.ContainingType) + "+" + type.MetadataName;
        var ns = type.ContainingNamespace;
        return ns == null || ns.IsGlobalNamespace ? type.MetadataName : ns.ToDisplayString() + "." + type.MetadataName;
    }

    public static string Signature(ISymbol member) => member.ToDisplayString(SymbolDisplayFormat.CSharpErrorMessageFormat);

    public static ImmutableArray<ISymbol> AllTypes(INamespaceSymbol root)
    {
        var types = ImmutableArray.CreateBuilder<ISymbol>();
        void Walk(INamespaceOrTypeSymbol container)
        {
            foreach (var member in container.GetMembers())
            {
                if (member is INamespaceSymbol ns)
                    Walk(ns);
                else if (member is INamedTypeSymbol type)
                {
                    types.Add(type);
                    Walk(type);
                }
            }
        }
        Walk(root);
        return types.ToImmutable();
    }

    /// <summary>Levenshtein distance, ignoring case: how far a written name is from a candidate.</summary>
    public static int Distance(string a, string b)
    {
        a = a.ToLowerInvariant();
        b = b.ToLowerInvariant();
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
            previous[j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
                current[j] = System.Math.Min(System.Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}
