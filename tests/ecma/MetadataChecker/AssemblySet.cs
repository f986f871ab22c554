// Finds referenced assemblies (next to the checked file, among the inputs, then in the running
// shared framework) to resolve enum types used in custom attribute arguments.
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace Graft.Ecma.Checker;

sealed class AssemblySet : IDisposable
{
    readonly List<string> _dirs = new();
    readonly Dictionary<string, string> _explicit = new(StringComparer.OrdinalIgnoreCase);
    readonly Dictionary<string, (PEReader Pe, MetadataReader Md)?> _open = new(StringComparer.OrdinalIgnoreCase);
    readonly Dictionary<MetadataReader, Dictionary<(string, string), TypeDefinitionHandle>> _typeIndex = new();
    readonly Dictionary<(MetadataReader, EntityHandle), PrimitiveTypeCode?> _enumCache = new();

    public void AddFile(string path) => _explicit.TryAdd(Path.GetFileNameWithoutExtension(path), Path.GetFullPath(path));

    public void AddDirectory(string dir)
    {
        dir = Path.GetFullPath(dir);
        if (!_dirs.Contains(dir)) _dirs.Add(dir);
    }

    public MetadataReader? Find(string simpleName)
    {
        if (_open.TryGetValue(simpleName, out var hit)) return hit?.Md;
        string? path = null;
        if (_explicit.TryGetValue(simpleName, out var p)) path = p;
        else
            foreach (var d in _dirs)
            {
                var candidate = Path.Combine(d, simpleName + ".dll");
                if (System.IO.File.Exists(candidate)) { path = candidate; break; }
            }
        (PEReader, MetadataReader)? entry = null;
        if (path != null)
        {
            try
            {
                var pe = new PEReader(System.IO.File.OpenRead(path));
                if (pe.HasMetadata) entry = (pe, pe.GetMetadataReader());
                else pe.Dispose();
            }
            catch (Exception) { entry = null; }
        }
        _open[simpleName] = entry;
        return entry?.Item2;
    }

    /// <summary>Register an already-open reader (the one being checked) under its assembly name.</summary>
    public void Register(MetadataReader md)
    {
        if (!md.IsAssembly) return;
        var name = md.GetString(md.GetAssemblyDefinition().Name);
        if (!_open.ContainsKey(name)) _open[name] = (null!, md);
    }

    public void Unregister(MetadataReader md)
    {
        foreach (var k in _open.Where(kv => kv.Value?.Md == md).Select(kv => kv.Key).ToList()) _open.Remove(k);
        _typeIndex.Remove(md);
        foreach (var k in _enumCache.Keys.Where(k => k.Item1 == md).ToList()) _enumCache.Remove(k);
    }

    TypeDefinitionHandle FindTopLevel(MetadataReader r, string ns, string name)
    {
        if (!_typeIndex.TryGetValue(r, out var idx))
        {
            idx = new();
            foreach (var h in r.TypeDefinitions)
            {
                var td = r.GetTypeDefinition(h);
                if (!td.GetDeclaringType().IsNil) continue;
                idx.TryAdd((r.GetString(td.Namespace), r.GetString(td.Name)), h);
            }
            _typeIndex[r] = idx;
        }
        return idx.TryGetValue((ns, name), out var th) ? th : default;
    }

    static TypeDefinitionHandle FindNested(MetadataReader r, TypeDefinitionHandle outer, string name)
    {
        foreach (var n in r.GetTypeDefinition(outer).GetNestedTypes())
            if (r.StringComparer.Equals(r.GetTypeDefinition(n).Name, name)) return n;
        return default;
    }

    /// <summary>Resolve a top-level type by namespace/name in an assembly, following forwarders.</summary>
    (MetadataReader, TypeDefinitionHandle)? ResolveTopLevel(MetadataReader r, string ns, string name, int depth)
    {
        if (depth > 16) return null;
        var h = FindTopLevel(r, ns, name);
        if (!h.IsNil) return (r, h);
        foreach (var eh in r.ExportedTypes)
        {
            var et = r.GetExportedType(eh);
            if (!r.StringComparer.Equals(et.Name, name) || !r.StringComparer.Equals(et.Namespace, ns)) continue;
            if (et.Implementation.Kind != HandleKind.AssemblyReference) continue;
            var target = Find(r.GetString(r.GetAssemblyReference((AssemblyReferenceHandle)et.Implementation).Name));
            return target == null ? null : ResolveTopLevel(target, ns, name, depth + 1);
        }
        return null;
    }

    (MetadataReader, TypeDefinitionHandle)? Resolve(MetadataReader r, EntityHandle h, int depth)
    {
        if (depth > 32) return null;
        if (h.Kind == HandleKind.TypeDefinition) return (r, (TypeDefinitionHandle)h);
        if (h.Kind != HandleKind.TypeReference) return null;
        var tr = r.GetTypeReference((TypeReferenceHandle)h);
        string ns = r.GetString(tr.Namespace), name = r.GetString(tr.Name);
        var scope = tr.ResolutionScope;
        switch (scope.Kind)
        {
            case HandleKind.AssemblyReference:
                {
                    var target = Find(r.GetString(r.GetAssemblyReference((AssemblyReferenceHandle)scope).Name));
                    return target == null ? null : ResolveTopLevel(target, ns, name, 0);
                }
            case HandleKind.ModuleDefinition:
            case HandleKind.ModuleReference:
                return ResolveTopLevel(r, ns, name, 0);
            case HandleKind.TypeReference:
                {
                    var outer = Resolve(r, (EntityHandle)scope, depth + 1);
                    if (outer is not { } o) return null;
                    var n = FindNested(o.Item1, o.Item2, name);
                    return n.IsNil ? null : (o.Item1, n);
                }
            default:
                return null;
        }
    }

    public PrimitiveTypeCode? EnumUnderlying(MetadataReader r, EntityHandle h)
    {
        if (_enumCache.TryGetValue((r, h), out var cached)) return cached;
        PrimitiveTypeCode? result = null;
        if (Resolve(r, h, 0) is { } def) result = UnderlyingOf(def.Item1, def.Item2);
        _enumCache[(r, h)] = result;
        return result;
    }

    static PrimitiveTypeCode? UnderlyingOf(MetadataReader r, TypeDefinitionHandle h)
    {
        var td = r.GetTypeDefinition(h);
        foreach (var fh in td.GetFields())
        {
            var f = r.GetFieldDefinition(fh);
            if ((f.Attributes & System.Reflection.FieldAttributes.Static) != 0) continue;
            var blob = r.GetBlobReader(f.Signature);
            if (blob.ReadSignatureHeader().Kind != SignatureKind.Field) return null;
            var code = blob.ReadSignatureTypeCode();
            return code switch
            {
                SignatureTypeCode.Boolean => PrimitiveTypeCode.Boolean,
                SignatureTypeCode.Char => PrimitiveTypeCode.Char,
                SignatureTypeCode.SByte => PrimitiveTypeCode.SByte,
                SignatureTypeCode.Byte => PrimitiveTypeCode.Byte,
                SignatureTypeCode.Int16 => PrimitiveTypeCode.Int16,
                SignatureTypeCode.UInt16 => PrimitiveTypeCode.UInt16,
                SignatureTypeCode.Int32 => PrimitiveTypeCode.Int32,
                SignatureTypeCode.UInt32 => PrimitiveTypeCode.UInt32,
                SignatureTypeCode.Int64 => PrimitiveTypeCode.Int64,
                SignatureTypeCode.UInt64 => PrimitiveTypeCode.UInt64,
                _ => null,
            };
        }
        return null;
    }

    /// <summary>Serialized names look like "Ns.Outer+Inner, Assembly, Version=...".</summary>
    public PrimitiveTypeCode? EnumUnderlyingFromSerialized(MetadataReader context, string serialized)
    {
        int comma = serialized.IndexOf(',');
        string typeName = (comma < 0 ? serialized : serialized[..comma]).Trim();
        string? asm = comma < 0 ? null : serialized[(comma + 1)..].Split(',')[0].Trim();
        if (typeName.Contains('[')) return null; // generic instantiations are never enums in CA blobs we care about
        var parts = typeName.Split('+');
        int dot = parts[0].LastIndexOf('.');
        string ns = dot < 0 ? "" : parts[0][..dot], name = dot < 0 ? parts[0] : parts[0][(dot + 1)..];
        var candidates = new List<MetadataReader>();
        if (asm != null) { if (Find(asm) is { } a) candidates.Add(a); }
        else
        {
            candidates.Add(context);
            foreach (var core in new[] { "System.Private.CoreLib", "mscorlib", "System.Runtime", "netstandard" })
                if (Find(core) is { } c) candidates.Add(c);
        }
        foreach (var r in candidates)
        {
            if (ResolveTopLevel(r, ns, name, 0) is not { } top) continue;
            var (rr, h) = top;
            for (int i = 1; i < parts.Length && !h.IsNil; i++) h = FindNested(rr, h, parts[i]);
            if (!h.IsNil) return UnderlyingOf(rr, h);
        }
        return null;
    }

    public void Dispose()
    {
        foreach (var v in _open.Values) v?.Pe?.Dispose();
        _open.Clear();
    }
}
