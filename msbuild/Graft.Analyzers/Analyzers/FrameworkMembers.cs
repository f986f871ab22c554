using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;

namespace Graft.Analyzers;

/// <summary>
/// What the reference assemblies a kernel compiles against do not show, read once from the
/// embedded framework-members.txt.gz (written at pack time by Graft.Analyzers.MemberList from the
/// NativeAOT runtime pack's implementation assemblies): every type with its member names,
/// internal and private ones included, and the public methods that have no body in a kernel.
/// </summary>
public sealed class FrameworkMembers
{
    /// <summary>A framework type: its assembly and the names of its members (split on first use: most are never asked for).</summary>
    public sealed class TypeEntry(string assembly, string members)
    {
        readonly Lazy<HashSet<string>> names = new(() => new HashSet<string>(members.Split(new[] { ' ' }, StringSplitOptions.RemoveEmptyEntries), StringComparer.Ordinal));
        public string Assembly { get; } = assembly;
        public HashSet<string> Members => names.Value;
    }

    /// <summary>A public method with no body in a kernel: why, and the internal methods a plug could cover it through.</summary>
    public sealed class Bodiless(string why, string[] coveredBy)
    {
        public string Why { get; } = why;
        public string[] CoveredBy { get; } = coveredBy;
    }

    static readonly Lazy<FrameworkMembers> Embedded = new(() =>
    {
        using var stream = typeof(FrameworkMembers).Assembly.GetManifestResourceStream("Graft.Analyzers.framework-members.txt.gz")
            ?? throw new InvalidOperationException("Graft.Analyzers was built without framework-members.txt.gz");
        using var reader = new StreamReader(new GZipStream(stream, CompressionMode.Decompress));
        return Parse(reader);
    });

    public static FrameworkMembers Instance => Embedded.Value;

    readonly Dictionary<string, List<TypeEntry>> types = new(StringComparer.Ordinal);
    readonly Dictionary<string, Bodiless> bodiless = new(StringComparer.Ordinal);

    public static FrameworkMembers Parse(TextReader reader)
    {
        var list = new FrameworkMembers();
        string? line;
        while ((line = reader.ReadLine()) != null)
        {
            var fields = line.Split('\t');
            if (fields[0] == "T" && fields.Length == 4)
            {
                if (!list.types.TryGetValue(fields[2], out var entries))
                    list.types[fields[2]] = entries = new List<TypeEntry>();
                entries.Add(new TypeEntry(fields[1], fields[3]));
            }
            else if (fields[0] == "X" && fields.Length == 4)
            {
                list.bodiless[fields[1]] = new Bodiless(fields[2], fields[3].Split(new[] { ' ' }, StringSplitOptions.RemoveEmptyEntries));
            }
        }
        return list;
    }

    /// <summary>The framework type with this metadata name (in this assembly, when one is named).</summary>
    public TypeEntry? FindType(string metadataName, string? assembly)
    {
        if (!types.TryGetValue(metadataName, out var entries))
            return null;
        foreach (var entry in entries)
        {
            if (assembly == null || string.Equals(entry.Assembly, assembly, StringComparison.OrdinalIgnoreCase))
                return entry;
        }
        return null;
    }

    /// <summary>Why the method with this documentation ID has no body in a kernel, or null.</summary>
    public Bodiless? FindBodiless(string documentationId) =>
        bodiless.TryGetValue(documentationId, out var entry) ? entry : null;
}
