// `dump`: a canonical text rendering of an assembly's metadata, independent of file layout
// (heap offsets only show where the IL itself carries them), for diffing an original against a rewrite.
using System.Collections.Immutable;
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace Graft.Ecma.Checker;

sealed record DumpOptions(bool NoPe, string? PdbPath);

sealed unsafe class Dumper(string path, TextWriter o, DumpOptions opt, AssemblySet set)
{
    PEReader _pe = null!;
    MetadataReader _md = null!;
    Names _names = null!;
    readonly StringBuilder _sb = new(1 << 16);

    public void Run()
    {
        var file = System.IO.File.ReadAllBytes(path);
        using var pe = _pe = new PEReader(ImmutableCollectionsMarshal.AsImmutableArray(file));
        if (!pe.HasMetadata) throw new BadImageFormatException("image has no CLI metadata");
        _md = pe.GetMetadataReader();
        _names = new Names(_md);
        set.Register(_md);
        try
        {
            o.WriteLine("# graft-ecma metadata dump v1");
            if (!opt.NoPe) DumpPe();
            var raw = new RawMetadata(_md);
            DumpMetadata(raw, "", _md, _names);
            DumpBodies();
            DumpUserStrings();
            if (!opt.NoPe) DumpDebug();
            if (opt.PdbPath != null)
            {
                using var fs = System.IO.File.OpenRead(opt.PdbPath);
                using var prov = MetadataReaderProvider.FromPortablePdbStream(fs, MetadataStreamOptions.PrefetchMetadata);
                var pdb = prov.GetMetadataReader();
                o.WriteLine();
                o.WriteLine("[pdb]");
                DumpMetadata(new RawMetadata(pdb), "pdb:", pdb, null);
            }
        }
        finally { set.Unregister(_md); }
    }

    void DumpPe()
    {
        var h = _pe.PEHeaders;
        var coff = h.CoffHeader;
        var cor = h.CorHeader!;
        o.WriteLine();
        o.WriteLine("[pe]");
        o.WriteLine($"format={(h.PEHeader!.Magic == PEMagic.PE32Plus ? "PE32+" : "PE32")} machine={coff.Machine} characteristics={coff.Characteristics} timestamp=0x{coff.TimeDateStamp:X8}");
        var peh = h.PEHeader;
        o.WriteLine($"subsystem={peh.Subsystem} dll-characteristics={peh.DllCharacteristics} image-base=0x{peh.ImageBase:X} section-alignment=0x{peh.SectionAlignment:X} file-alignment=0x{peh.FileAlignment:X}");
        o.WriteLine($"cli={cor.MajorRuntimeVersion}.{cor.MinorRuntimeVersion} flags={cor.Flags} entry-point={EntryPointText(cor)}");
        o.WriteLine($"strong-name-signature={cor.StrongNameSignatureDirectory.Size} bytes ready-to-run={(cor.ManagedNativeHeaderDirectory.Size != 0 ? "yes" : "no")} vtable-fixups={cor.VtableFixupsDirectory.Size} bytes");
    }

    static string EntryPointText(CorHeader cor)
    {
        int ep = cor.EntryPointTokenOrRelativeVirtualAddress;
        if (ep == 0) return "none";
        return (cor.Flags & CorFlags.NativeEntryPoint) != 0 ? $"native-rva:0x{ep:X}" : Layouts.TokenText(ep);
    }

    void DumpMetadata(RawMetadata raw, string prefix, MetadataReader reader, Names? names)
    {
        o.WriteLine();
        o.WriteLine($"[{prefix}metadata]");
        o.WriteLine($"version={Text.Quote(raw.Version)} root={raw.MajorVersion}.{raw.MinorVersion} streams={string.Join(",", raw.Streams.Select(s => s.Name))}");
        o.WriteLine($"tables-stream={raw.TableStreamName} schema={raw.TablesMajor}.{raw.TablesMinor} heap-sizes=0x{raw.HeapSizes:X2} valid=0x{raw.Valid:X16} sorted=0x{raw.Sorted:X16}");
        if (raw.HasPdbStream)
        {
            o.WriteLine($"pdb-id={Convert.ToHexStringLower(raw.PdbId)} pdb-entry-point={(raw.PdbEntryPoint == 0 ? "none" : Layouts.TokenText((int)raw.PdbEntryPoint))} referenced-tables=0x{raw.PdbReferencedTables:X16}");
            var sb = new StringBuilder("type-system-rows=");
            for (int t = 0; t < Schema.Document; t++) if (raw.PdbExternalRows[t] > 0) sb.Append(Schema.TableName(t)).Append(':').Append(raw.PdbExternalRows[t]).Append(' ');
            o.WriteLine(sb.ToString().TrimEnd());
        }
        if (!raw.LayoutOk) { o.WriteLine("!layout-mismatch " + string.Join("; ", raw.Problems)); return; }
        var sig = new SigFormatter(names ?? new Names(reader));
        var dec = new SignatureDecoder<string, object?>(sig, reader, null);
        var ca = names != null ? new CaProvider(names, set) : null;
        for (int t = 0; t < Schema.TableCount; t++)
        {
            var schema = Schema.Tables[t];
            int rows = raw.Rows[t];
            if (schema == null || rows == 0) continue;
            o.WriteLine();
            o.WriteLine($"[{prefix}table {schema.Name}] rows={rows}");
            for (int row = 1; row <= rows; row++)
            {
                _sb.Clear();
                _sb.Append(schema.Name).Append('[').Append(row).Append("]:");
                for (int c = 0; c < schema.Columns.Length; c++)
                {
                    _sb.Append(' ').Append(schema.Columns[c].Name).Append('=');
                    try { Cell(raw, reader, dec, ca, t, row, c); }
                    catch (Exception e) when (e is BadImageFormatException or InvalidOperationException or ArgumentException or IndexOutOfRangeException or OverflowException or InvalidCastException)
                    {
                        _sb.Append("!error(").Append(e.GetType().Name).Append(")[").Append(raw.Cell(t, row, c).ToString("x")).Append(']');
                    }
                }
                o.WriteLine(_sb);
            }
        }
    }

    void Cell(RawMetadata raw, MetadataReader r, SignatureDecoder<string, object?> dec, CaProvider? ca, int t, int row, int c)
    {
        var col = Schema.Tables[t]!.Columns[c];
        uint v = raw.Cell(t, row, c);
        switch (col.Kind)
        {
            case ColKind.U8:
            case ColKind.U16:
            case ColKind.U32:
                if (t == Schema.MethodDef && c == 0) { _sb.Append(v == 0 ? "0" : "body"); return; }
                if (t == Schema.FieldRva && c == 0) { FieldData(raw, row, v); return; }
                if (t == Schema.ManifestResource && c == 0 && raw.Cell(t, row, 3) == 0) { ResourceData(row); return; }
                _sb.Append("0x").Append(v.ToString(col.Kind == ColKind.U8 ? "x2" : col.Kind == ColKind.U16 ? "x4" : "x8"));
                return;
            case ColKind.String:
                Text.Quote(_sb, r.GetString(MetadataTokens.StringHandle((int)v)));
                return;
            case ColKind.Guid:
                _sb.Append(v == 0 ? "nil" : r.GetGuid(MetadataTokens.GuidHandle((int)v)).ToString("D"));
                return;
            case ColKind.Table:
                Ref(col.Target, (int)v, !col.IsList);
                return;
            case ColKind.Coded:
                {
                    var (tt, rr) = RawMetadata.DecodeCoded(col.CodedKind, v);
                    if (rr == 0) _sb.Append("nil");
                    else if (tt < 0) _sb.Append("!bad-tag[0x").Append(v.ToString("x")).Append(']');
                    else Ref(tt, rr, true);
                    return;
                }
            case ColKind.Blob:
                Blob(r, dec, ca, t, c, row, (int)v);
                return;
        }
    }

    void Ref(int table, int row, bool annotate)
    {
        if (row == 0) { _sb.Append("nil"); return; }
        _sb.Append(Schema.TableName(table)).Append('[').Append(row).Append(']');
        // annotate with a name when it refers into the assembly's own type system
        if (!annotate || table >= Schema.Document || row > _md.GetTableRowCount((TableIndex)table)) return;
        var h = table switch
        {
            Schema.TypeDef => (EntityHandle)MetadataTokens.TypeDefinitionHandle(row),
            Schema.TypeRef => MetadataTokens.TypeReferenceHandle(row),
            Schema.MethodDef => MetadataTokens.MethodDefinitionHandle(row),
            Schema.Field => MetadataTokens.FieldDefinitionHandle(row),
            Schema.MemberRef => MetadataTokens.MemberReferenceHandle(row),
            _ => default,
        };
        if (h.IsNil) return;
        _sb.Append('(');
        Text.Quote(_sb, _names.Entity(h));
        _sb.Append(')');
    }

    void Hex(ReadOnlySpan<byte> bytes)
    {
        _sb.Append('[');
        Span<char> buf = stackalloc char[128];
        while (bytes.Length > 0)
        {
            var chunk = bytes[..Math.Min(64, bytes.Length)];
            Convert.TryToHexStringLower(chunk, buf, out int n);
            _sb.Append(buf[..n]);
            bytes = bytes[chunk.Length..];
        }
        _sb.Append(']');
    }

    void Blob(MetadataReader r, SignatureDecoder<string, object?> dec, CaProvider? ca, int t, int c, int row, int offset)
    {
        var h = MetadataTokens.BlobHandle(offset);
        var br = r.GetBlobReader(h);
        var bytes = new ReadOnlySpan<byte>(br.StartPointer, br.Length);
        string? decoded = null;
        if (br.Length > 0)
        {
            try
            {
                decoded = (t, c) switch
                {
                    (Schema.Field, 2) => "field " + dec.DecodeFieldSignature(ref br),
                    (Schema.MethodDef, 4) or (Schema.Property, 2) => SigFormatter.Method(dec.DecodeMethodSignature(ref br)),
                    (Schema.MemberRef, 2) => MemberRefSig(dec, ref br),
                    (Schema.StandAloneSig, 0) => StandAlone(dec, ref br),
                    (Schema.TypeSpec, 0) => dec.DecodeType(ref br),
                    (Schema.MethodSpec, 1) => "<" + string.Join(",", dec.DecodeMethodSpecificationSignature(ref br)) + ">",
                    (Schema.CustomAttribute, 2) when ca != null => CustomAttributeText(r, ca, row),
                    (Schema.Document, 0) => Text.Quote(r.GetString(MetadataTokens.DocumentNameBlobHandle(offset))),
                    (Schema.MethodDebugInformation, 1) => SequencePointsText(r, row),
                    _ => null,
                };
            }
            catch (EnumUnresolvedException) { decoded = "!enum-unresolved"; }
            catch (Exception e) when (e is BadImageFormatException or InvalidOperationException or ArgumentException or IndexOutOfRangeException or OverflowException)
            {
                decoded = "!undecodable(" + e.GetType().Name + ")";
            }
        }
        if (decoded != null) _sb.Append(decoded).Append(' ');
        Hex(bytes);
    }

    static string MemberRefSig(SignatureDecoder<string, object?> dec, ref BlobReader br)
    {
        var kind = br.ReadSignatureHeader().Kind;
        br.Reset();
        return kind == SignatureKind.Field ? "field " + dec.DecodeFieldSignature(ref br) : SigFormatter.Method(dec.DecodeMethodSignature(ref br));
    }

    static string StandAlone(SignatureDecoder<string, object?> dec, ref BlobReader br)
    {
        var kind = br.ReadSignatureHeader().Kind;
        br.Reset();
        return kind switch
        {
            SignatureKind.LocalVariables => "locals(" + string.Join(", ", dec.DecodeLocalSignature(ref br)) + ")",
            SignatureKind.Method => SigFormatter.Method(dec.DecodeMethodSignature(ref br)),
            SignatureKind.Field => "field " + dec.DecodeFieldSignature(ref br),
            _ => "!kind " + kind,
        };
    }

    static string CustomAttributeText(MetadataReader r, CaProvider ca, int row) =>
        CaProvider.Render(r.GetCustomAttribute(MetadataTokens.CustomAttributeHandle(row)).DecodeValue(ca));

    static string SequencePointsText(MetadataReader pdb, int row)
    {
        var mdi = pdb.GetMethodDebugInformation(MetadataTokens.MethodDebugInformationHandle(row));
        var sb = new StringBuilder("{");
        foreach (var sp in mdi.GetSequencePoints())
        {
            if (sb.Length > 1) sb.Append("; ");
            sb.Append("Document[").Append(MetadataTokens.GetRowNumber(sp.Document)).Append("] IL_").Append(sp.Offset.ToString("X4")).Append(' ');
            if (sp.IsHidden) sb.Append("hidden");
            else sb.Append('(').Append(sp.StartLine).Append(',').Append(sp.StartColumn).Append(")-(").Append(sp.EndLine).Append(',').Append(sp.EndColumn).Append(')');
        }
        return sb.Append('}').ToString();
    }

    void FieldData(RawMetadata raw, int row, uint rva)
    {
        int field = (int)raw.Cell(Schema.FieldRva, row, 1);
        int size = field > 0 && field <= _md.GetTableRowCount(TableIndex.Field) ? Layouts.FieldDataSize(_md, MetadataTokens.FieldDefinitionHandle(field)) : -1;
        var block = rva == 0 ? default : _pe.GetSectionData((int)rva);
        if (size < 0 || block.Length < size) { _sb.Append("!unsized-rva:0x").Append(rva.ToString("x")); return; }
        _sb.Append("data:");
        Hex(new ReadOnlySpan<byte>(block.Pointer, size));
    }

    void ResourceData(int row)
    {
        var res = _md.GetManifestResource(MetadataTokens.ManifestResourceHandle(row));
        var (ptr, len, err) = Layouts.Resource(_pe, res);
        if (err != null) { _sb.Append("!bad-resource(").Append(err).Append(')'); return; }
        _sb.Append("data:").Append(len).Append("B:sha256:").Append(Convert.ToHexStringLower(SHA256.HashData(new ReadOnlySpan<byte>((byte*)ptr, len))));
    }

    void DumpBodies()
    {
        o.WriteLine();
        o.WriteLine("[bodies]");
        Span<char> hex = stackalloc char[64];
        foreach (var h in _md.MethodDefinitions)
        {
            var m = _md.GetMethodDefinition(h);
            int rva = m.RelativeVirtualAddress;
            if (rva == 0) continue;
            _sb.Clear();
            _sb.Append("MethodDef[").Append(MetadataTokens.GetRowNumber(h)).Append("] ");
            Text.Quote(_sb, _names.Entity(h));
            if ((m.ImplAttributes & MethodImplAttributes.CodeTypeMask) != MethodImplAttributes.IL)
            {
                o.WriteLine(_sb.Append(" native-code"));
                continue;
            }
            MethodBodyBlock body;
            try { body = _pe.GetMethodBody(rva); }
            catch (BadImageFormatException e) { o.WriteLine(_sb.Append(" !bad-body ").Append(e.Message)); continue; }
            var first = _pe.GetSectionData(rva);
            bool tiny = (first.Pointer[0] & 3) == 2;
            var il = body.GetILReader();
            _sb.Append(tiny ? " tiny" : " fat").Append(" maxstack=").Append(body.MaxStack)
               .Append(" initlocals=").Append(body.LocalVariablesInitialized ? 1 : 0)
               .Append(" locals=").Append(Layouts.HandleText(body.LocalSignature))
               .Append(" il=").Append(il.Length);
            o.WriteLine(_sb);
            var bytes = new ReadOnlySpan<byte>(il.StartPointer, il.Length);
            for (int off = 0; off < bytes.Length; off += 32)
            {
                var chunk = bytes.Slice(off, Math.Min(32, bytes.Length - off));
                Convert.TryToHexStringLower(chunk, hex, out int n);
                _sb.Clear().Append("  ").Append(off.ToString("x4")).Append(": ").Append(hex[..n]);
                o.WriteLine(_sb);
            }
            foreach (var eh in body.ExceptionRegions)
            {
                _sb.Clear().Append("  eh ").Append(eh.Kind.ToString().ToLowerInvariant())
                   .Append(" try=0x").Append(eh.TryOffset.ToString("x")).Append("+0x").Append(eh.TryLength.ToString("x"))
                   .Append(" handler=0x").Append(eh.HandlerOffset.ToString("x")).Append("+0x").Append(eh.HandlerLength.ToString("x"));
                if (eh.Kind == ExceptionRegionKind.Catch) { _sb.Append(" type="); Ref(MetadataTokens.GetToken(eh.CatchType) >>> 24, MetadataTokens.GetRowNumber(eh.CatchType), true); }
                if (eh.Kind == ExceptionRegionKind.Filter) _sb.Append(" filter=0x").Append(eh.FilterOffset.ToString("x"));
                o.WriteLine(_sb);
            }
        }
    }

    void DumpUserStrings()
    {
        o.WriteLine();
        o.WriteLine("[#US]");
        int heapSize = _md.GetHeapSize(HeapIndex.UserString);
        var h = _md.GetNextHandle(MetadataTokens.UserStringHandle(0));
        while (!h.IsNil)
        {
            var next = _md.GetNextHandle(h);
            int at = MetadataTokens.GetHeapOffset(h);
            int size = (next.IsNil ? heapSize : MetadataTokens.GetHeapOffset(next)) - at;
            // a one-byte entry (length 0, no terminal byte) is the heap's alignment padding, not a
            // string (a real "" is 01 00), so it carries nothing and is left out
            if (size > 1)
            {
                _sb.Clear().Append("0x").Append(at.ToString("x")).Append(": ");
                Text.Quote(_sb, _md.GetUserString(h));
                o.WriteLine(_sb);
            }
            h = next;
        }
    }

    void DumpDebug()
    {
        o.WriteLine();
        o.WriteLine("[debug]");
        var entries = _pe.ReadDebugDirectory();
        foreach (var e in entries)
        {
            _sb.Clear().Append(e.Type).Append(" version=").Append(e.MajorVersion).Append('.').Append(e.MinorVersion.ToString("x"))
               .Append(" stamp=0x").Append(e.Stamp.ToString("x8")).Append(" size=").Append(e.DataSize);
            switch (e.Type)
            {
                case DebugDirectoryEntryType.CodeView:
                    var cv = _pe.ReadCodeViewDebugDirectoryData(e);
                    _sb.Append(" guid=").Append(cv.Guid.ToString("D")).Append(" age=").Append(cv.Age).Append(" path=");
                    Text.Quote(_sb, cv.Path);
                    break;
                case DebugDirectoryEntryType.PdbChecksum:
                    var cs = _pe.ReadPdbChecksumDebugDirectoryData(e);
                    _sb.Append(' ').Append(cs.AlgorithmName).Append(':').Append(Convert.ToHexStringLower(cs.Checksum.AsSpan()));
                    break;
                case DebugDirectoryEntryType.EmbeddedPortablePdb:
                    break;
                default:
                    if (e.DataSize > 0 && e.DataPointer > 0)
                    {
                        var all = _pe.GetEntireImage();
                        if ((long)e.DataPointer + e.DataSize <= all.Length)
                            _sb.Append(" sha256:").Append(Convert.ToHexStringLower(SHA256.HashData(new ReadOnlySpan<byte>(all.Pointer + e.DataPointer, e.DataSize))));
                    }
                    break;
            }
            o.WriteLine(_sb);
            if (e.Type == DebugDirectoryEntryType.EmbeddedPortablePdb)
            {
                using var prov = _pe.ReadEmbeddedPortablePdbDebugDirectoryData(e);
                var pdb = prov.GetMetadataReader();
                DumpMetadata(new RawMetadata(pdb), "embedded-pdb:", pdb, null);
            }
        }
    }
}
