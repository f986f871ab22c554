// `check`: reads one assembly (and its PDBs) every way System.Reflection.Metadata allows, and
// independently bounds-checks every cell of every table.
using System.Collections.Immutable;
using System.Diagnostics;
using System.Reflection;
using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Graft.Ecma.Checker;

sealed class Stats
{
    public int Tables;
    public long Rows, Cells;
    public int Bodies, NativeBodies, NoBody, EhClauses;
    public long IlBytes, Instructions, Tokens;
    public int FieldStandAloneSigs, Signatures, Attributes, AttributesEnumUnresolved, UserStrings, Blobs, Guids, Resources, FieldRvas, DebugEntries;
    public int PdbCount, PdbDocuments, PdbMethods, PdbScopes, PdbImports, PdbImportDefinitions, PdbCdis;
    public long PdbRows, SequencePoints;
}

sealed unsafe class AssemblyChecker(string path, string? pdbPath, AssemblySet set, Problems p)
{
    public readonly Stats S = new();
    PEReader _pe = null!;
    MetadataReader _md = null!;
    RawMetadata _raw = null!;
    Names _names = null!;
    SigFormatter _sig = null!;
    byte[] _file = [];
    bool[] _usStarts = [];
    byte[] _memberRefKind = []; // 1 = method, 2 = field, 0 = unreadable
    byte[] _standAloneKind = []; // 1 = method, 2 = locals, 0 = other/unreadable
    int[] _ilSize = [];
    bool[] _starts = new bool[1024];
    readonly List<(int From, int Target)> _branches = new();

    void Guard(string where, Action a)
    {
        try { a(); }
        catch (Exception e) when (e is BadImageFormatException or InvalidOperationException or ArgumentException or IndexOutOfRangeException or InvalidCastException or NotSupportedException or OverflowException or IOException or EnumUnresolvedException or NullReferenceException)
        {
            p.Add(where, $"{e.GetType().Name}: {e.Message}");
        }
    }

    public void Run()
    {
        try { _file = System.IO.File.ReadAllBytes(path); }
        catch (Exception e) { p.Add("file", e.Message); return; }
        try
        {
            _pe = new PEReader(ImmutableCollectionsMarshal.AsImmutableArray(_file));
            _ = _pe.PEHeaders;
            if (!_pe.HasMetadata) { p.Add("pe", "image has no CLI metadata"); return; }
            _md = _pe.GetMetadataReader();
        }
        catch (Exception e) { p.Add("pe", $"cannot open: {e.GetType().Name}: {e.Message}"); return; }
        using var pe = _pe;
        try { _raw = new RawMetadata(_md); }
        catch (Exception e) { p.Add("metadata", $"cannot parse metadata root: {e.Message}"); return; }
        foreach (var prob in _raw.Problems) p.Add("metadata", prob);
        _names = new Names(_md);
        _sig = new SigFormatter(_names);
        set.Register(_md);
        try
        {
            Guard("pe", CheckPe);
            Guard("tables", () => CheckRawTables(_raw, ""));
            Guard("tables", WalkApiTables);
            Guard("heaps", CheckHeaps);
            Guard("signatures", CheckSignatures);
            Guard("CustomAttribute", CheckCustomAttributes);
            Guard("bodies", CheckBodies);
            Guard("resources", CheckResourcesAndRvaData);
            Guard("debug", CheckDebugDirectory);
            if (pdbPath != null) Guard("pdb", CheckSideBySidePdb);
        }
        finally { set.Unregister(_md); }
    }

    // ---------------------------------------------------------------- PE / CLI header
    void CheckPe()
    {
        var h = _pe.PEHeaders;
        var cor = h.CorHeader!;
        if (h.MetadataStartOffset < 0 || (long)h.MetadataStartOffset + h.MetadataSize > _file.Length)
            p.Add("pe", "metadata lies outside the file");
        int ep = cor.EntryPointTokenOrRelativeVirtualAddress;
        if (ep != 0 && (cor.Flags & CorFlags.NativeEntryPoint) == 0)
        {
            if (ep >>> 24 != Schema.MethodDef && ep >>> 24 != Schema.File) p.Add("pe", $"entry point token 0x{ep:X8} is not a MethodDef or File");
            else if ((ep & 0xFFFFFF) == 0 || (ep & 0xFFFFFF) > _md.GetTableRowCount((TableIndex)(ep >>> 24))) p.Add("pe", $"entry point token 0x{ep:X8} names no row");
        }
        foreach (var (name, dir) in new[] { ("resources", cor.ResourcesDirectory), ("strong-name", cor.StrongNameSignatureDirectory),
                     ("managed-native-header", cor.ManagedNativeHeaderDirectory), ("vtable-fixups", cor.VtableFixupsDirectory) })
        {
            if (dir.Size == 0) continue;
            if (!h.TryGetDirectoryOffset(dir, out int off) || (long)off + dir.Size > _file.Length)
                p.Add("pe", $"{name} directory RVA 0x{dir.RelativeVirtualAddress:X} size 0x{dir.Size:X} is not inside the file");
        }
    }

    // ---------------------------------------------------------------- raw table cells
    static bool NilAllowed(int table, int col) => (table, col) switch
    {
        (Schema.TypeDef, 3) => true,             // Extends
        (Schema.TypeRef, 0) => true,             // ResolutionScope (nil: look in ExportedType)
        (Schema.ManifestResource, 3) => true,    // Implementation (nil: in this file)
        (Schema.ImportScope, 0) => true,         // Parent
        (Schema.MethodDebugInformation, 0) => true, // Document (nil: several or none)
        (Schema.LocalScope, 1) => true,          // ImportScope
        _ => false,
    };

    void CheckRawTables(RawMetadata raw, string prefix)
    {
        if (!raw.LayoutOk) { p.Add(prefix + "tables", "table layout disagrees with the reader; cell checks skipped"); return; }
        var reader = raw.Reader;
        for (int t = 0; t < Schema.TableCount; t++)
        {
            var schema = Schema.Tables[t];
            int rows = raw.Rows[t];
            if (schema == null || rows == 0) continue;
            S.Tables++;
            S.Rows += rows;
            if (prefix.Length > 0) S.PdbRows += rows;
            var cols = schema.Columns;
            var prevList = new uint[cols.Length];
            uint prevKey = 0;
            bool sortReported = false;
            string tname = prefix + schema.Name;
            for (int row = 1; row <= rows; row++)
            {
                for (int c = 0; c < cols.Length; c++)
                {
                    S.Cells++;
                    var col = cols[c];
                    uint v = raw.Cell(t, row, c);
                    switch (col.Kind)
                    {
                        case ColKind.String:
                            if (v >= (uint)Math.Max(raw.StringHeapSize, 1)) p.Add($"{tname}/{row}", $"{col.Name}: #Strings offset 0x{v:X} past the heap end 0x{raw.StringHeapSize:X}");
                            break;
                        case ColKind.Blob:
                            if (v >= (uint)Math.Max(raw.BlobHeapSize, 1)) p.Add($"{tname}/{row}", $"{col.Name}: #Blob offset 0x{v:X} past the heap end 0x{raw.BlobHeapSize:X}");
                            else if (v != 0)
                            {
                                try { _ = reader.GetBlobReader(MetadataTokens.BlobHandle((int)v)); }
                                catch (BadImageFormatException e) { p.Add($"{tname}/{row}", $"{col.Name}: blob at 0x{v:X}: {e.Message}"); }
                            }
                            break;
                        case ColKind.Guid:
                            if (v > (uint)(raw.GuidHeapSize / 16)) p.Add($"{tname}/{row}", $"{col.Name}: #GUID index {v} past the heap ({raw.GuidHeapSize / 16} guids)");
                            break;
                        case ColKind.Table:
                            {
                                int n = raw.RefRows(col.Target);
                                if (col.IsList)
                                {
                                    // 0 is accepted only for an empty target table (the F# compiler writes it, readers take it as empty)
                                    if (v == 0 ? n != 0 : v > (uint)n + 1) p.Add($"{tname}/{row}", $"{col.Name}: list start {v} outside {Schema.TableName(col.Target)} 1..{n + 1}");
                                    else if (v < prevList[c]) p.Add($"{tname}/{row}", $"{col.Name}: list start {v} is before the previous row's {prevList[c]}");
                                    prevList[c] = v;
                                }
                                else if (v == 0 ? !NilAllowed(t, c) : v > (uint)n)
                                    p.Add($"{tname}/{row}", $"{col.Name}: index {v} names no row of {Schema.TableName(col.Target)} ({n} rows)");
                                break;
                            }
                        case ColKind.Coded:
                            {
                                var (tt, r) = RawMetadata.DecodeCoded(col.CodedKind, v);
                                if (tt < 0) p.Add($"{tname}/{row}", $"{col.Name}: coded index 0x{v:X} has an unused tag for {col.CodedKind}");
                                else if (r == 0 ? !NilAllowed(t, c) : r > raw.RefRows(tt))
                                    p.Add($"{tname}/{row}", $"{col.Name}: {Schema.TableName(tt)}[{r}] names no row ({raw.RefRows(tt)} rows)");
                                break;
                            }
                    }
                }
                if (schema.SortKey >= 0)
                {
                    uint key = raw.Cell(t, row, schema.SortKey);
                    if (row > 1 && key < prevKey && !sortReported)
                    {
                        p.Add($"{tname}/{row}", $"table must be sorted by {cols[schema.SortKey].Name} but 0x{key:X} follows 0x{prevKey:X}");
                        sortReported = true;
                    }
                    // GenericParam: Number is the secondary key (the reader finds a method's or type's
                    // parameters as a contiguous, ordered run)
                    else if (t == Schema.GenericParam && row > 1 && key == prevKey && raw.Cell(t, row, 0) <= raw.Cell(t, row - 1, 0) && !sortReported)
                    {
                        p.Add($"{tname}/{row}", $"generic parameters of one owner must be sorted by Number but {raw.Cell(t, row, 0)} follows {raw.Cell(t, row - 1, 0)}");
                        sortReported = true;
                    }
                    prevKey = key;
                }
            }
        }
    }

    // ---------------------------------------------------------------- every table through the reader's API
    void Row(string table, int row, Action a) => At($"{table}/{row}", a);

    void At(string where, Action a)
    {
        try { a(); }
        catch (Exception e) when (e is BadImageFormatException or InvalidOperationException or ArgumentException or IndexOutOfRangeException or InvalidCastException or OverflowException)
        {
            p.Add(where, $"{e.GetType().Name}: {e.Message}");
        }
    }

    int Count(TableIndex t) => _md.GetTableRowCount(t);

    void WalkApiTables()
    {
        var md = _md;
        Row("Module", 1, () =>
        {
            var m = md.GetModuleDefinition();
            _ = md.GetString(m.Name); _ = md.GetGuid(m.Mvid); _ = md.GetGuid(m.GenerationId); _ = md.GetGuid(m.BaseGenerationId);
        });
        foreach (var h in md.TypeReferences)
            Row("TypeRef", MetadataTokens.GetRowNumber(h), () => { var tr = md.GetTypeReference(h); _ = md.GetString(tr.Name); _ = md.GetString(tr.Namespace); _ = tr.ResolutionScope; _ = _names.TypeRef(h); });
        long fieldsSeen = 0, methodsSeen = 0, paramsSeen = 0;
        foreach (var h in md.TypeDefinitions)
            Row("TypeDef", MetadataTokens.GetRowNumber(h), () =>
            {
                var td = md.GetTypeDefinition(h);
                _ = md.GetString(td.Name); _ = md.GetString(td.Namespace); _ = td.BaseType; _ = td.Attributes;
                fieldsSeen += td.GetFields().Count;
                foreach (var mh in td.GetMethods())
                {
                    methodsSeen++;
                    var m = md.GetMethodDefinition(mh);
                    if (m.GetDeclaringType() != h) p.Add($"MethodDef/{MetadataTokens.GetRowNumber(mh)}", "declaring type lookup disagrees with the TypeDef's method list");
                }
                foreach (var x in td.GetProperties()) _ = md.GetPropertyDefinition(x).Name;
                foreach (var x in td.GetEvents()) _ = md.GetEventDefinition(x).Name;
                foreach (var x in td.GetNestedTypes())
                    if (md.GetTypeDefinition(x).GetDeclaringType() != h) p.Add($"TypeDef/{MetadataTokens.GetRowNumber(x)}", "nested type's declaring type disagrees with NestedClass");
                foreach (var x in td.GetInterfaceImplementations()) _ = md.GetInterfaceImplementation(x).Interface;
                foreach (var x in td.GetGenericParameters()) _ = md.GetGenericParameter(x).Name;
                foreach (var x in td.GetMethodImplementations()) _ = md.GetMethodImplementation(x).MethodBody;
                foreach (var x in td.GetDeclarativeSecurityAttributes()) _ = md.GetDeclarativeSecurityAttribute(x).PermissionSet;
                _ = td.GetLayout(); _ = td.GetDeclaringType(); _ = _names.TypeDef(h);
            });
        if (Count(TableIndex.FieldPtr) == 0 && fieldsSeen != Count(TableIndex.Field)) p.Add("TypeDef", $"field lists cover {fieldsSeen} fields but the Field table has {Count(TableIndex.Field)} rows");
        if (Count(TableIndex.MethodPtr) == 0 && methodsSeen != Count(TableIndex.MethodDef)) p.Add("TypeDef", $"method lists cover {methodsSeen} methods but the MethodDef table has {Count(TableIndex.MethodDef)} rows");
        foreach (var h in md.FieldDefinitions)
            Row("Field", MetadataTokens.GetRowNumber(h), () =>
            {
                var f = md.GetFieldDefinition(h);
                _ = md.GetString(f.Name); _ = f.GetDeclaringType(); _ = f.GetOffset(); _ = f.GetRelativeVirtualAddress();
                var m = f.GetMarshallingDescriptor(); if (!m.IsNil) _ = md.GetBlobBytes(m);
                var c = f.GetDefaultValue(); if (!c.IsNil) _ = md.GetConstant(c).Value;
            });
        foreach (var h in md.MethodDefinitions)
            Row("MethodDef", MetadataTokens.GetRowNumber(h), () =>
            {
                var m = md.GetMethodDefinition(h);
                _ = md.GetString(m.Name); _ = m.RelativeVirtualAddress; _ = m.ImplAttributes;
                foreach (var ph in m.GetParameters())
                {
                    paramsSeen++;
                    var prm = md.GetParameter(ph);
                    _ = md.GetString(prm.Name);
                    var mm = prm.GetMarshallingDescriptor(); if (!mm.IsNil) _ = md.GetBlobBytes(mm);
                    var c = prm.GetDefaultValue(); if (!c.IsNil) _ = md.GetConstant(c).Value;
                }
                foreach (var g in m.GetGenericParameters()) _ = md.GetGenericParameter(g).Name;
                var imp = m.GetImport();
                if (!imp.Module.IsNil) { _ = md.GetString(imp.Name); _ = md.GetModuleReference(imp.Module).Name; }
                foreach (var x in m.GetDeclarativeSecurityAttributes()) _ = md.GetDeclarativeSecurityAttribute(x).Action;
            });
        if (Count(TableIndex.ParamPtr) == 0 && paramsSeen != Count(TableIndex.Param)) p.Add("MethodDef", $"parameter lists cover {paramsSeen} params but the Param table has {Count(TableIndex.Param)} rows");
        for (int i = 1; i <= Count(TableIndex.Param); i++)
        {
            int row = i;
            Row("Param", row, () => { var prm = md.GetParameter(MetadataTokens.ParameterHandle(row)); _ = md.GetString(prm.Name); _ = prm.SequenceNumber; });
        }
        for (int i = 1; i <= Count(TableIndex.InterfaceImpl); i++)
        {
            int row = i;
            Row("InterfaceImpl", row, () => _ = md.GetInterfaceImplementation(MetadataTokens.InterfaceImplementationHandle(row)).Interface);
        }
        foreach (var h in md.MemberReferences)
            Row("MemberRef", MetadataTokens.GetRowNumber(h), () => { var m = md.GetMemberReference(h); _ = md.GetString(m.Name); _ = m.Parent; _ = m.GetKind(); });
        for (int i = 1; i <= Count(TableIndex.Constant); i++)
        {
            int row = i;
            Row("Constant", row, () => CheckConstant(row));
        }
        foreach (var h in md.CustomAttributes)
            Row("CustomAttribute", MetadataTokens.GetRowNumber(h), () => { var ca = md.GetCustomAttribute(h); _ = ca.Parent; _ = ca.Constructor; _ = md.GetBlobReader(ca.Value); });
        foreach (var h in md.DeclarativeSecurityAttributes)
            Row("DeclSecurity", MetadataTokens.GetRowNumber(h), () => { var d = md.GetDeclarativeSecurityAttribute(h); _ = d.Parent; _ = md.GetBlobBytes(d.PermissionSet); });
        for (int i = 1; i <= Count(TableIndex.StandAloneSig); i++)
        {
            int row = i;
            // not GetKind(): it throws for the field signatures that F# and older compilers put in this table
            Row("StandAloneSig", row, () => _ = md.GetBlobReader(md.GetStandaloneSignature(MetadataTokens.StandaloneSignatureHandle(row)).Signature).ReadSignatureHeader());
        }
        foreach (var h in md.EventDefinitions)
            Row("Event", MetadataTokens.GetRowNumber(h), () => { var e = md.GetEventDefinition(h); _ = md.GetString(e.Name); _ = e.Type; var a = e.GetAccessors(); foreach (var o in a.Others) _ = o; });
        foreach (var h in md.PropertyDefinitions)
            Row("Property", MetadataTokens.GetRowNumber(h), () =>
            {
                var pr = md.GetPropertyDefinition(h); _ = md.GetString(pr.Name); var a = pr.GetAccessors(); foreach (var o in a.Others) _ = o;
                var c = pr.GetDefaultValue(); if (!c.IsNil) _ = md.GetConstant(c).Value;
            });
        for (int i = 1; i <= Count(TableIndex.MethodImpl); i++)
        {
            int row = i;
            Row("MethodImpl", row, () => { var m = md.GetMethodImplementation(MetadataTokens.MethodImplementationHandle(row)); _ = m.Type; _ = m.MethodBody; _ = m.MethodDeclaration; });
        }
        for (int i = 1; i <= Count(TableIndex.ModuleRef); i++)
        {
            int row = i;
            Row("ModuleRef", row, () => _ = md.GetString(md.GetModuleReference(MetadataTokens.ModuleReferenceHandle(row)).Name));
        }
        for (int i = 1; i <= Count(TableIndex.TypeSpec); i++)
        {
            int row = i;
            Row("TypeSpec", row, () => _ = md.GetTypeSpecification(MetadataTokens.TypeSpecificationHandle(row)).Signature);
        }
        if (md.IsAssembly)
            Row("Assembly", 1, () =>
            {
                var a = md.GetAssemblyDefinition();
                // not GetAssemblyName(): it builds a CultureInfo, which is not a metadata read
                _ = md.GetString(a.Name); _ = a.Version; _ = a.Flags; _ = a.HashAlgorithm; _ = md.GetBlobBytes(a.PublicKey); _ = md.GetString(a.Culture);
                foreach (var x in a.GetDeclarativeSecurityAttributes()) _ = x;
            });
        foreach (var h in md.AssemblyReferences)
            Row("AssemblyRef", MetadataTokens.GetRowNumber(h), () => { var a = md.GetAssemblyReference(h); _ = md.GetString(a.Name); _ = md.GetString(a.Culture); _ = a.Version; _ = a.Flags; _ = md.GetBlobBytes(a.PublicKeyOrToken); _ = md.GetBlobBytes(a.HashValue); });
        foreach (var h in md.AssemblyFiles)
            Row("File", MetadataTokens.GetRowNumber(h), () => { var f = md.GetAssemblyFile(h); _ = md.GetString(f.Name); _ = md.GetBlobBytes(f.HashValue); });
        foreach (var h in md.ExportedTypes)
            Row("ExportedType", MetadataTokens.GetRowNumber(h), () => { var e = md.GetExportedType(h); _ = md.GetString(e.Name); _ = md.GetString(e.Namespace); _ = e.Implementation; _ = e.IsForwarder; });
        foreach (var h in md.ManifestResources)
            Row("ManifestResource", MetadataTokens.GetRowNumber(h), () => { var r = md.GetManifestResource(h); _ = md.GetString(r.Name); _ = r.Implementation; });
        for (int i = 1; i <= Count(TableIndex.GenericParam); i++)
        {
            int row = i;
            Row("GenericParam", row, () =>
            {
                var g = md.GetGenericParameter(MetadataTokens.GenericParameterHandle(row));
                _ = md.GetString(g.Name); _ = g.Parent;
                foreach (var c in g.GetConstraints()) _ = md.GetGenericParameterConstraint(c).Type;
            });
        }
        for (int i = 1; i <= Count(TableIndex.MethodSpec); i++)
        {
            int row = i;
            Row("MethodSpec", row, () => _ = md.GetMethodSpecification(MetadataTokens.MethodSpecificationHandle(row)).Method);
        }
        for (int i = 1; i <= Count(TableIndex.GenericParamConstraint); i++)
        {
            int row = i;
            Row("GenericParamConstraint", row, () => { var c = md.GetGenericParameterConstraint(MetadataTokens.GenericParameterConstraintHandle(row)); _ = c.Parameter; _ = c.Type; });
        }
        // Tables without an SRM handle type (FieldMarshal, ClassLayout, FieldLayout, EventMap, PropertyMap,
        // MethodSemantics, ImplMap, FieldRVA, NestedClass, the Ptr/EnC/OS/Processor tables) were reached
        // above through their owners and are bounds-checked cell by cell in CheckRawTables.
    }

    void CheckConstant(int row)
    {
        var c = _md.GetConstant(MetadataTokens.ConstantHandle(row));
        _ = c.Parent;
        var br = _md.GetBlobReader(c.Value);
        int len = br.Length;
        int expect = c.TypeCode switch
        {
            ConstantTypeCode.Boolean or ConstantTypeCode.SByte or ConstantTypeCode.Byte => 1,
            ConstantTypeCode.Char or ConstantTypeCode.Int16 or ConstantTypeCode.UInt16 => 2,
            ConstantTypeCode.Int32 or ConstantTypeCode.UInt32 or ConstantTypeCode.Single or ConstantTypeCode.NullReference => 4,
            ConstantTypeCode.Int64 or ConstantTypeCode.UInt64 or ConstantTypeCode.Double => 8,
            ConstantTypeCode.String => -2,
            _ => -1,
        };
        if (expect == -1) p.Add($"Constant/{row}", $"invalid constant type 0x{(byte)c.TypeCode:X2}");
        else if (expect == -2) { if ((len & 1) != 0) p.Add($"Constant/{row}", $"string constant has odd length {len}"); }
        else if (len != expect) p.Add($"Constant/{row}", $"{c.TypeCode} constant has {len} bytes, expected {expect}");
    }

    // ---------------------------------------------------------------- heaps
    void CheckHeaps()
    {
        var md = _md;
        var r = _raw;
        foreach (var (name, off, size) in r.Streams)
        {
            if ((off & 3) != 0) p.Add($"{name}", $"stream offset 0x{off:X} is not 4-byte aligned");
            if (name == "#Strings" && size > 0 && r.Base[off] != 0) p.Add("#Strings/0x0", "heap does not start with the empty string");
            if (name == "#Strings" && size > 0 && r.Base[off + size - 1] != 0) p.Add($"#Strings/0x{size - 1:X}", "heap does not end with a NUL");
            if (name is "#Blob" or "#US" && size > 0 && r.Base[off] != 0) p.Add($"{name}/0x0", "heap does not start with the empty entry");
        }
        if (r.GuidHeapSize % 16 != 0) p.Add("#GUID", $"heap size {r.GuidHeapSize} is not a multiple of 16");
        for (int i = 1; i <= r.GuidHeapSize / 16; i++) { _ = md.GetGuid(MetadataTokens.GuidHandle(i)); S.Guids++; }

        _usStarts = new bool[r.UserStringHeapSize + 1];
        var us = MetadataTokens.UserStringHandle(0);
        int guard = 0;
        while (true)
        {
            int at = MetadataTokens.GetHeapOffset(us);
            try { us = md.GetNextHandle(us); }
            catch (BadImageFormatException e) { p.Add($"#US/0x{at:X}", e.Message); break; }
            if (us.IsNil) break;
            int off = MetadataTokens.GetHeapOffset(us);
            if (off <= at || off >= _usStarts.Length) { p.Add($"#US/0x{off:X}", "entry walk does not advance"); break; }
            _usStarts[off] = true;
            try
            {
                _ = md.GetUserString(us);
                S.UserStrings++;
            }
            catch (BadImageFormatException e) { p.Add($"#US/0x{off:X}", e.Message); }
            if (++guard > 50_000_000) break;
        }

        var blob = MetadataTokens.BlobHandle(0);
        while (true)
        {
            int at = MetadataTokens.GetHeapOffset(blob);
            try { blob = md.GetNextHandle(blob); }
            catch (BadImageFormatException e) { p.Add($"#Blob/0x{at:X}", e.Message); break; }
            if (blob.IsNil) break;
            int off = MetadataTokens.GetHeapOffset(blob);
            if (off <= at) { p.Add($"#Blob/0x{off:X}", "entry walk does not advance"); break; }
            try { _ = md.GetBlobReader(blob); S.Blobs++; }
            catch (BadImageFormatException e) { p.Add($"#Blob/0x{off:X}", e.Message); break; }
        }
    }

    // ---------------------------------------------------------------- signatures
    bool NoTrailing(ref BlobReader br, string where)
    {
        if (br.RemainingBytes != 0) { p.Add(where, $"{br.RemainingBytes} trailing byte(s) after the signature"); return false; }
        return true;
    }

    void CheckSignatures()
    {
        var md = _md;
        var dec = new SignatureDecoder<string, object?>(_sig, md, null);
        foreach (var h in md.FieldDefinitions)
        {
            string w = $"Field/{MetadataTokens.GetRowNumber(h)}";
            At(w, () =>
            {
                var br = md.GetBlobReader(md.GetFieldDefinition(h).Signature);
                dec.DecodeFieldSignature(ref br); S.Signatures++; NoTrailing(ref br, w);
            });
        }
        foreach (var h in md.MethodDefinitions)
        {
            string w = $"MethodDef/{MetadataTokens.GetRowNumber(h)}";
            At(w, () =>
            {
                var br = md.GetBlobReader(md.GetMethodDefinition(h).Signature);
                var hdr = br.ReadSignatureHeader(); br.Reset();
                if (hdr.Kind != SignatureKind.Method) p.Add(w, $"signature kind {hdr.Kind}, expected Method");
                dec.DecodeMethodSignature(ref br); S.Signatures++; NoTrailing(ref br, w);
            });
        }
        _memberRefKind = new byte[Count(TableIndex.MemberRef) + 1];
        foreach (var h in md.MemberReferences)
        {
            int row = MetadataTokens.GetRowNumber(h);
            string w = $"MemberRef/{row}";
            At(w, () =>
            {
                var m = md.GetMemberReference(h);
                var br = md.GetBlobReader(m.Signature);
                var hdr = br.ReadSignatureHeader(); br.Reset();
                if (hdr.Kind == SignatureKind.Field) { dec.DecodeFieldSignature(ref br); _memberRefKind[row] = 2; }
                else if (hdr.Kind == SignatureKind.Method) { dec.DecodeMethodSignature(ref br); _memberRefKind[row] = 1; }
                else { p.Add(w, $"signature kind {hdr.Kind}, expected Method or Field"); return; }
                S.Signatures++; NoTrailing(ref br, w);
            });
        }
        _standAloneKind = new byte[Count(TableIndex.StandAloneSig) + 1];
        for (int i = 1; i <= Count(TableIndex.StandAloneSig); i++)
        {
            int row = i;
            string w = $"StandAloneSig/{row}";
            At(w, () =>
            {
                var s = md.GetStandaloneSignature(MetadataTokens.StandaloneSignatureHandle(row));
                var br = md.GetBlobReader(s.Signature);
                var hdr = br.ReadSignatureHeader(); br.Reset();
                if (hdr.Kind == SignatureKind.LocalVariables) { dec.DecodeLocalSignature(ref br); _standAloneKind[row] = 2; }
                else if (hdr.Kind == SignatureKind.Method) { dec.DecodeMethodSignature(ref br); _standAloneKind[row] = 1; }
                else if (hdr.Kind == SignatureKind.Field) { dec.DecodeFieldSignature(ref br); _standAloneKind[row] = 3; S.FieldStandAloneSigs++; } // F#, C++/CLI and older compilers emit these
                else { p.Add(w, $"signature kind {hdr.Kind}, expected LocalVariables or Method"); return; }
                S.Signatures++; NoTrailing(ref br, w);
            });
        }
        for (int i = 1; i <= Count(TableIndex.TypeSpec); i++)
        {
            int row = i;
            string w = $"TypeSpec/{row}";
            At(w, () =>
            {
                var br = md.GetBlobReader(md.GetTypeSpecification(MetadataTokens.TypeSpecificationHandle(row)).Signature);
                dec.DecodeType(ref br); S.Signatures++; NoTrailing(ref br, w);
            });
        }
        for (int i = 1; i <= Count(TableIndex.MethodSpec); i++)
        {
            int row = i;
            string w = $"MethodSpec/{row}";
            At(w, () =>
            {
                var br = md.GetBlobReader(md.GetMethodSpecification(MetadataTokens.MethodSpecificationHandle(row)).Signature);
                dec.DecodeMethodSpecificationSignature(ref br); S.Signatures++; NoTrailing(ref br, w);
            });
        }
        foreach (var h in md.PropertyDefinitions)
        {
            string w = $"Property/{MetadataTokens.GetRowNumber(h)}";
            At(w, () =>
            {
                var br = md.GetBlobReader(md.GetPropertyDefinition(h).Signature);
                var hdr = br.ReadSignatureHeader(); br.Reset();
                if (hdr.Kind != SignatureKind.Property) p.Add(w, $"signature kind {hdr.Kind}, expected Property");
                dec.DecodeMethodSignature(ref br); S.Signatures++; NoTrailing(ref br, w);
            });
        }
    }

    // ---------------------------------------------------------------- custom attributes
    void CheckCustomAttributes()
    {
        var md = _md;
        var prov = new CaProvider(_names, set);
        foreach (var h in md.CustomAttributes)
        {
            int row = MetadataTokens.GetRowNumber(h);
            try
            {
                var ca = md.GetCustomAttribute(h);
                if (ca.Constructor.Kind is not (HandleKind.MethodDefinition or HandleKind.MemberReference))
                { p.Add($"CustomAttribute/{row}", $"constructor is a {ca.Constructor.Kind}"); continue; }
                if (ca.Value.IsNil) { S.Attributes++; continue; }
                _ = ca.DecodeValue(prov);
                S.Attributes++;
            }
            catch (EnumUnresolvedException) { S.AttributesEnumUnresolved++; }
            catch (Exception e) when (e is BadImageFormatException or InvalidOperationException or ArgumentException or IndexOutOfRangeException or InvalidCastException or OverflowException)
            {
                p.Add($"CustomAttribute/{row}", $"value blob: {e.GetType().Name}: {e.Message}");
            }
        }
    }

    // ---------------------------------------------------------------- method bodies and IL
    void CheckBodies()
    {
        var md = _md;
        _ilSize = new int[Count(TableIndex.MethodDef) + 1];
        Array.Fill(_ilSize, -1);
        foreach (var h in md.MethodDefinitions)
        {
            int row = MetadataTokens.GetRowNumber(h);
            string w = $"MethodDef/{row}";
            try
            {
                var m = md.GetMethodDefinition(h);
                int rva = m.RelativeVirtualAddress;
                var impl = m.ImplAttributes;
                var codeType = impl & MethodImplAttributes.CodeTypeMask;
                if (rva == 0)
                {
                    // No body: abstract, P/Invoke, InternalCall, runtime-implemented, or a C# `extern` without
                    // DllImport (UnsafeAccessor, [Intrinsic]) which Roslyn emits with no flags at all. All legal.
                    S.NoBody++;
                    continue;
                }
                if ((m.Attributes & MethodAttributes.Abstract) != 0) p.Add(w, $"abstract method has a body at RVA 0x{rva:X}");
                if (codeType != MethodImplAttributes.IL) { S.NativeBodies++; continue; }
                var body = _pe.GetMethodBody(rva);
                S.Bodies++;
                var il = body.GetILReader();
                _ilSize[row] = il.Length;
                S.IlBytes += il.Length;
                if (!body.LocalSignature.IsNil)
                {
                    int ls = MetadataTokens.GetRowNumber(body.LocalSignature);
                    if (ls > Count(TableIndex.StandAloneSig)) p.Add(w, $"local signature StandAloneSig[{ls}] names no row");
                    else if (_standAloneKind.Length > ls && _standAloneKind[ls] != 2) p.Add(w, $"local signature StandAloneSig[{ls}] is not a LocalVariables signature");
                }
                WalkIl(w, il.StartPointer, il.Length);
                foreach (var eh in body.ExceptionRegions)
                {
                    S.EhClauses++;
                    CheckRegion(w, "try", eh.TryOffset, eh.TryLength, il.Length);
                    CheckRegion(w, "handler", eh.HandlerOffset, eh.HandlerLength, il.Length);
                    if (eh.Kind == ExceptionRegionKind.Catch)
                    {
                        if (eh.CatchType.Kind is not (HandleKind.TypeDefinition or HandleKind.TypeReference or HandleKind.TypeSpecification) || eh.CatchType.IsNil)
                            p.Add(w, $"catch clause type is {eh.CatchType.Kind}");
                        else CheckRow(w, "catch type", eh.CatchType);
                    }
                    else if (eh.Kind == ExceptionRegionKind.Filter)
                    {
                        if (eh.FilterOffset < 0 || eh.FilterOffset >= il.Length || !_starts[eh.FilterOffset])
                            p.Add(w, $"filter offset 0x{eh.FilterOffset:X} is not an instruction start");
                    }
                    else if (eh.Kind is not (ExceptionRegionKind.Finally or ExceptionRegionKind.Fault))
                        p.Add(w, $"exception clause kind {(int)eh.Kind} is unknown");
                }
            }
            catch (Exception e) when (e is BadImageFormatException or InvalidOperationException or ArgumentException or IndexOutOfRangeException or OverflowException)
            {
                p.Add(w, $"body: {e.GetType().Name}: {e.Message}");
            }
        }
    }

    void CheckRow(string w, string what, EntityHandle h)
    {
        int row = MetadataTokens.GetRowNumber(h);
        int table = MetadataTokens.GetToken(h) >>> 24;
        if (row == 0 || row > _md.GetTableRowCount((TableIndex)table)) p.Add(w, $"{what} {Schema.TableName(table)}[{row}] names no row");
    }

    void CheckRegion(string w, string what, int offset, int length, int ilLength)
    {
        long end = (long)offset + length;
        if (offset < 0 || length <= 0 || end > ilLength) p.Add(w, $"{what} region [0x{offset:X}, 0x{end:X}) is outside the IL (0x{ilLength:X} bytes)");
        else if (!_starts[offset] || !_starts[end]) p.Add(w, $"{what} region [0x{offset:X}, 0x{end:X}) does not start and end on instruction boundaries");
    }

    void WalkIl(string w, byte* il, int len)
    {
        if (_starts.Length < len + 1) _starts = new bool[Math.Max(len + 1, _starts.Length * 2)];
        Array.Clear(_starts, 0, len + 1);
        _branches.Clear();
        int pos = 0;
        while (pos < len)
        {
            int start = pos;
            _starts[start] = true;
            S.Instructions++;
            byte b = il[pos++];
            OperandType? ot;
            if (b == 0xFE)
            {
                if (pos >= len) { p.Add($"{w}/IL_{start:X4}", "two-byte opcode truncated at the end of the body"); return; }
                byte b2 = il[pos++];
                ot = OpCodeTable.TwoByte[b2];
                if (ot == null) { p.Add($"{w}/IL_{start:X4}", $"unknown opcode FE {b2:X2}"); return; }
            }
            else
            {
                ot = OpCodeTable.OneByte[b];
                if (ot == null) { p.Add($"{w}/IL_{start:X4}", $"unknown opcode {b:X2}"); return; }
            }
            int size = OpCodeTable.OperandSize(ot.Value);
            if (size < 0)
            {
                if (pos + 4 > len) { p.Add($"{w}/IL_{start:X4}", "switch count truncated"); return; }
                uint n = *(uint*)(il + pos);
                pos += 4;
                if (n > (uint)(len - pos) / 4) { p.Add($"{w}/IL_{start:X4}", $"switch with {n} targets runs past the end of the body"); return; }
                int next = pos + (int)n * 4;
                for (int i = 0; i < n; i++) _branches.Add((start, next + *(int*)(il + pos + i * 4)));
                pos = next;
                continue;
            }
            if (pos + size > len) { p.Add($"{w}/IL_{start:X4}", $"operand of {size} bytes runs past the end of the body"); return; }
            switch (ot.Value)
            {
                case OperandType.ShortInlineBrTarget: _branches.Add((start, pos + 1 + (sbyte)il[pos])); break;
                case OperandType.InlineBrTarget: _branches.Add((start, (int)(pos + 4 + (long)*(int*)(il + pos)))); break;
                case OperandType.InlineField:
                case OperandType.InlineMethod:
                case OperandType.InlineType:
                case OperandType.InlineTok:
                case OperandType.InlineSig:
                case OperandType.InlineString:
                    CheckToken(w, start, ot.Value, *(int*)(il + pos));
                    break;
            }
            pos += size;
        }
        _starts[len] = true;
        foreach (var (from, target) in _branches)
            if (target < 0 || target >= len || !_starts[target])
                p.Add($"{w}/IL_{from:X4}", $"branch target 0x{target:X} is not an instruction start");
    }

    void CheckToken(string w, int at, OperandType ot, int token)
    {
        S.Tokens++;
        int table = token >>> 24, row = token & 0xFFFFFF;
        bool okTable = ot switch
        {
            OperandType.InlineString => table == 0x70,
            OperandType.InlineField => table is Schema.Field or Schema.MemberRef,
            OperandType.InlineMethod => table is Schema.MethodDef or Schema.MemberRef or Schema.MethodSpec,
            OperandType.InlineType => table is Schema.TypeDef or Schema.TypeRef or Schema.TypeSpec,
            OperandType.InlineTok => table is Schema.TypeDef or Schema.TypeRef or Schema.TypeSpec or Schema.Field or Schema.MethodDef or Schema.MemberRef or Schema.MethodSpec,
            OperandType.InlineSig => table == Schema.StandAloneSig,
            _ => false,
        };
        if (!okTable) { p.Add($"{w}/IL_{at:X4}", $"{ot} operand 0x{token:X8} names the wrong table"); return; }
        if (table == 0x70)
        {
            if (row == 0 || row >= _usStarts.Length || !_usStarts[row]) p.Add($"{w}/IL_{at:X4}", $"string token 0x{token:X8} is not the start of a #US entry");
            return;
        }
        if (row == 0 || row > _md.GetTableRowCount((TableIndex)table)) { p.Add($"{w}/IL_{at:X4}", $"token 0x{token:X8} names no row ({Schema.TableName(table)} has {_md.GetTableRowCount((TableIndex)table)})"); return; }
        if (table == Schema.MemberRef && row < _memberRefKind.Length)
        {
            byte k = _memberRefKind[row];
            if (ot == OperandType.InlineField && k == 1) p.Add($"{w}/IL_{at:X4}", $"field operand 0x{token:X8} is a method MemberRef");
            if (ot == OperandType.InlineMethod && k == 2) p.Add($"{w}/IL_{at:X4}", $"method operand 0x{token:X8} is a field MemberRef");
        }
        if (ot == OperandType.InlineSig && row < _standAloneKind.Length && _standAloneKind[row] != 1)
            p.Add($"{w}/IL_{at:X4}", $"calli signature 0x{token:X8} is not a method signature");
    }

    // ---------------------------------------------------------------- resources and RVA field data
    void CheckResourcesAndRvaData()
    {
        var md = _md;
        foreach (var h in md.ManifestResources)
        {
            int row = MetadataTokens.GetRowNumber(h);
            var res = md.GetManifestResource(h);
            if (!res.Implementation.IsNil) continue;
            var (_, len, err) = Layouts.Resource(_pe, res);
            if (err != null) p.Add($"ManifestResource/{row}", err);
            else S.Resources++;
        }
        foreach (var h in md.FieldDefinitions)
        {
            var f = md.GetFieldDefinition(h);
            int rva = f.GetRelativeVirtualAddress();
            if (rva == 0) continue;
            string w = $"Field/{MetadataTokens.GetRowNumber(h)}";
            S.FieldRvas++;
            if ((f.Attributes & FieldAttributes.HasFieldRVA) == 0) p.Add(w, "has a FieldRVA row but not the HasFieldRVA flag");
            var block = _pe.GetSectionData(rva);
            if (block.Length == 0) { p.Add(w, $"field data RVA 0x{rva:X} is in no section"); continue; }
            int size = Layouts.FieldDataSize(md, h);
            if (size > 0 && block.Length < size) p.Add(w, $"field data at RVA 0x{rva:X} needs {size} bytes but its section has {block.Length} left");
        }
    }

    // ---------------------------------------------------------------- debug directory and PDBs
    (Guid Guid, uint Stamp)? _codeViewId;
    readonly List<PdbChecksumDebugDirectoryData> _checksums = new();

    void CheckDebugDirectory()
    {
        var entries = _pe.ReadDebugDirectory();
        for (int i = 0; i < entries.Length; i++)
        {
            var e = entries[i];
            string w = $"debug/{i}";
            S.DebugEntries++;
            if (e.DataSize > 0 && (e.DataPointer <= 0 || (long)e.DataPointer + e.DataSize > _file.Length))
            { p.Add(w, $"{e.Type} data [0x{e.DataPointer:X}, +0x{e.DataSize:X}) is outside the file"); continue; }
            try
            {
                switch (e.Type)
                {
                    case DebugDirectoryEntryType.CodeView:
                        {
                            var cv = _pe.ReadCodeViewDebugDirectoryData(e);
                            if (e.IsPortableCodeView) _codeViewId = (cv.Guid, e.Stamp);
                            break;
                        }
                    case DebugDirectoryEntryType.PdbChecksum:
                        _checksums.Add(_pe.ReadPdbChecksumDebugDirectoryData(e));
                        break;
                    case DebugDirectoryEntryType.EmbeddedPortablePdb:
                        {
                            using var prov = _pe.ReadEmbeddedPortablePdbDebugDirectoryData(e);
                            CheckPdb(prov.GetMetadataReader(), "embedded-pdb:");
                            break;
                        }
                    case DebugDirectoryEntryType.Reproducible:
                        if (e.DataSize != 0) p.Add(w, "Reproducible entry has data");
                        break;
                }
            }
            catch (Exception ex) when (ex is BadImageFormatException or InvalidOperationException or ArgumentException or IOException or InvalidDataException)
            {
                p.Add(w, $"{e.Type}: {ex.GetType().Name}: {ex.Message}");
            }
        }
    }

    void CheckSideBySidePdb()
    {
        using var fs = System.IO.File.OpenRead(pdbPath!);
        using var prov = MetadataReaderProvider.FromPortablePdbStream(fs, MetadataStreamOptions.PrefetchMetadata);
        CheckPdb(prov.GetMetadataReader(), "pdb:");
    }

    void CheckImport(MetadataReader pdb, string w, ImportDefinition imp)
    {
        S.PdbImportDefinitions++;
        var k = imp.Kind;
        bool hasAlias = k is ImportDefinitionKind.ImportXmlNamespace or ImportDefinitionKind.ImportAssemblyReferenceAlias or ImportDefinitionKind.AliasAssemblyReference
            or ImportDefinitionKind.AliasNamespace or ImportDefinitionKind.AliasAssemblyNamespace or ImportDefinitionKind.AliasType;
        bool hasAssembly = k is ImportDefinitionKind.ImportAssemblyNamespace or ImportDefinitionKind.AliasAssemblyReference or ImportDefinitionKind.AliasAssemblyNamespace;
        bool hasNamespace = k is ImportDefinitionKind.ImportNamespace or ImportDefinitionKind.ImportAssemblyNamespace or ImportDefinitionKind.ImportXmlNamespace
            or ImportDefinitionKind.AliasNamespace or ImportDefinitionKind.AliasAssemblyNamespace;
        bool hasType = k is ImportDefinitionKind.ImportType or ImportDefinitionKind.AliasType;
        if (k < ImportDefinitionKind.ImportNamespace || k > ImportDefinitionKind.AliasType) { p.Add(w, $"import kind {(int)k} is unknown"); return; }
        if (hasAlias) _ = pdb.GetBlobBytes(imp.Alias);
        if (hasNamespace) _ = pdb.GetBlobBytes(imp.TargetNamespace);
        if (hasAssembly && !imp.TargetAssembly.IsNil && MetadataTokens.GetRowNumber(imp.TargetAssembly) > _md.GetTableRowCount(TableIndex.AssemblyRef))
            p.Add(w, $"import names AssemblyRef[{MetadataTokens.GetRowNumber(imp.TargetAssembly)}] which does not exist");
        if (hasType)
        {
            var t = imp.TargetType;
            if (t.Kind is not (HandleKind.TypeDefinition or HandleKind.TypeReference or HandleKind.TypeSpecification) || t.IsNil)
                p.Add(w, $"type import target is a {t.Kind}");
            else CheckRow(w, "type import target", t);
        }
    }

    void CheckPdb(MetadataReader pdb, string label)
    {
        S.PdbCount++;
        var raw = new RawMetadata(pdb);
        foreach (var prob in raw.Problems) p.Add(label + "metadata", prob);
        if (!raw.HasPdbStream) { p.Add(label + "metadata", "no #Pdb stream: not a portable PDB"); return; }
        CheckRawTables(raw, label);

        // the PDB must describe this assembly: ids, checksums, row counts
        if (_codeViewId is { } id)
        {
            var want = new byte[20];
            id.Guid.TryWriteBytes(want);
            BitConverter.TryWriteBytes(want.AsSpan(16), id.Stamp);
            if (!want.AsSpan().SequenceEqual(raw.PdbId))
                p.Add(label + "#Pdb", $"PDB id {Convert.ToHexStringLower(raw.PdbId)} does not match the CodeView entry {Convert.ToHexStringLower(want)}");
        }
        else p.Add(label + "#Pdb", "assembly has no portable CodeView debug directory entry for this PDB");
        foreach (var cs in _checksums)
        {
            using HashAlgorithm? alg = cs.AlgorithmName switch { "SHA256" => SHA256.Create(), "SHA384" => SHA384.Create(), "SHA512" => SHA512.Create(), _ => null };
            if (alg == null) { p.Add(label + "checksum", $"unknown PDB checksum algorithm {cs.AlgorithmName}"); continue; }
            var bytes = raw.Slice(0, raw.Length).ToArray();
            Array.Clear(bytes, raw.PdbStreamOffset, 20);
            var hash = alg.ComputeHash(bytes);
            if (!hash.AsSpan().SequenceEqual(cs.Checksum.AsSpan()))
                p.Add(label + "checksum", $"{cs.AlgorithmName} of the PDB is {Convert.ToHexStringLower(hash)} but the PdbChecksum entry says {Convert.ToHexStringLower(cs.Checksum.AsSpan())}");
        }
        for (int t = 0; t < Schema.Document; t++)
        {
            int own = _md.GetTableRowCount((TableIndex)t);
            bool referenced = (raw.PdbReferencedTables & (1UL << t)) != 0;
            if (referenced ? raw.PdbExternalRows[t] != own : own != 0)
                p.Add(label + "#Pdb", $"type-system row count for {Schema.TableName(t)} is {(referenced ? raw.PdbExternalRows[t] : 0)} but the assembly has {own}");
        }
        int methods = _md.GetTableRowCount(TableIndex.MethodDef);
        if (raw.PdbEntryPoint != 0 && (raw.PdbEntryPoint >> 24 != Schema.MethodDef || (raw.PdbEntryPoint & 0xFFFFFF) > methods))
            p.Add(label + "#Pdb", $"entry point 0x{raw.PdbEntryPoint:X8} is not a MethodDef of the assembly");

        int docs = pdb.GetTableRowCount(TableIndex.Document);
        foreach (var h in pdb.Documents)
            Row(label + "Document", MetadataTokens.GetRowNumber(h), () =>
            {
                var d = pdb.GetDocument(h);
                _ = pdb.GetString(d.Name); _ = pdb.GetGuid(d.HashAlgorithm); _ = pdb.GetBlobBytes(d.Hash); _ = pdb.GetGuid(d.Language);
                S.PdbDocuments++;
            });
        int mdiRows = pdb.GetTableRowCount(TableIndex.MethodDebugInformation);
        if (mdiRows != 0 && mdiRows != methods) p.Add(label + "MethodDebugInformation", $"has {mdiRows} rows; must be 0 or the MethodDef count {methods}");
        foreach (var h in pdb.MethodDebugInformation)
        {
            int row = MetadataTokens.GetRowNumber(h);
            Row(label + "MethodDebugInformation", row, () =>
            {
                var mdi = pdb.GetMethodDebugInformation(h);
                var def = h.ToDefinitionHandle();
                int mrow = MetadataTokens.GetRowNumber(def);
                if (mrow == 0 || mrow > methods) { p.Add($"{label}MethodDebugInformation/{row}", $"maps to MethodDef[{mrow}] which does not exist"); return; }
                S.PdbMethods++;
                if (!mdi.LocalSignature.IsNil && MetadataTokens.GetRowNumber(mdi.LocalSignature) > _md.GetTableRowCount(TableIndex.StandAloneSig))
                    p.Add($"{label}MethodDebugInformation/{row}", $"local signature {Layouts.HandleText(mdi.LocalSignature)} names no row");
                if (mdi.SequencePointsBlob.IsNil) return;
                int ilSize = mrow < _ilSize.Length ? _ilSize[mrow] : -1;
                foreach (var sp in mdi.GetSequencePoints())
                {
                    S.SequencePoints++;
                    int drow = MetadataTokens.GetRowNumber(sp.Document);
                    if (drow == 0 || drow > docs) p.Add($"{label}MethodDebugInformation/{row}", $"sequence point at IL 0x{sp.Offset:X} names Document[{drow}] of {docs}");
                    if (ilSize >= 0 && sp.Offset >= ilSize) p.Add($"{label}MethodDebugInformation/{row}", $"sequence point IL offset 0x{sp.Offset:X} is past the body (0x{ilSize:X} bytes)");
                    if (ilSize < 0 && _ilSize.Length > mrow) p.Add($"{label}MethodDebugInformation/{row}", "sequence points for a method without an IL body");
                }
                var kick = mdi.GetStateMachineKickoffMethod();
                if (!kick.IsNil && MetadataTokens.GetRowNumber(kick) > methods) p.Add($"{label}MethodDebugInformation/{row}", "state machine kickoff method names no MethodDef");
            });
        }
        foreach (var h in pdb.LocalScopes)
        {
            int row = MetadataTokens.GetRowNumber(h);
            Row(label + "LocalScope", row, () =>
            {
                var s = pdb.GetLocalScope(h);
                S.PdbScopes++;
                int mrow = MetadataTokens.GetRowNumber(s.Method);
                int ilSize = mrow < _ilSize.Length ? _ilSize[mrow] : -1;
                if (ilSize >= 0 && (long)s.StartOffset + s.Length > ilSize) p.Add($"{label}LocalScope/{row}", $"scope [0x{s.StartOffset:X}, +0x{s.Length:X}) is past the body (0x{ilSize:X} bytes)");
                foreach (var v in s.GetLocalVariables()) _ = pdb.GetString(pdb.GetLocalVariable(v).Name);
                foreach (var c in s.GetLocalConstants()) { var lc = pdb.GetLocalConstant(c); _ = pdb.GetString(lc.Name); _ = pdb.GetBlobReader(lc.Signature); }
            });
        }
        foreach (var h in pdb.ImportScopes)
        {
            int row = MetadataTokens.GetRowNumber(h);
            Row(label + "ImportScope", row, () =>
            {
                var s = pdb.GetImportScope(h);
                S.PdbImports++;
                foreach (var imp in s.GetImports()) CheckImport(pdb, $"{label}ImportScope/{row}", imp);
            });
        }
        foreach (var h in pdb.CustomDebugInformation)
        {
            int row = MetadataTokens.GetRowNumber(h);
            Row(label + "CustomDebugInformation", row, () =>
            {
                var c = pdb.GetCustomDebugInformation(h);
                _ = c.Parent; _ = pdb.GetGuid(c.Kind); _ = pdb.GetBlobReader(c.Value);
                S.PdbCdis++;
            });
        }
    }
}
