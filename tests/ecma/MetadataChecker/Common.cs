using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace Graft.Ecma.Checker;

sealed class Problems(string file, int limit)
{
    public readonly string File = file;
    public readonly List<string> Lines = new();
    public int Count;

    public void Add(string where, string message)
    {
        Count++;
        if (Lines.Count < limit) Lines.Add($"{File}: {where}: {message}");
    }
}

static class Layouts
{
    /// <summary>Size in bytes of the data an RVA field points at, or -1 when it cannot be told from this module.</summary>
    public static int FieldDataSize(MetadataReader md, FieldDefinitionHandle fh)
    {
        var f = md.GetFieldDefinition(fh);
        var br = md.GetBlobReader(f.Signature);
        if (br.ReadSignatureHeader().Kind != SignatureKind.Field) return -1;
        var code = br.ReadSignatureTypeCode();
        while (code is SignatureTypeCode.RequiredModifier or SignatureTypeCode.OptionalModifier)
        {
            br.ReadTypeHandle();
            code = br.ReadSignatureTypeCode();
        }
        switch (code)
        {
            case SignatureTypeCode.Boolean: case SignatureTypeCode.SByte: case SignatureTypeCode.Byte: return 1;
            case SignatureTypeCode.Char: case SignatureTypeCode.Int16: case SignatureTypeCode.UInt16: return 2;
            case SignatureTypeCode.Int32: case SignatureTypeCode.UInt32: case SignatureTypeCode.Single: return 4;
            case SignatureTypeCode.Int64: case SignatureTypeCode.UInt64: case SignatureTypeCode.Double: return 8;
            case SignatureTypeCode.TypeHandle:
                {
                    var th = br.ReadTypeHandle();
                    if (th.Kind != HandleKind.TypeDefinition) return -1;
                    var layout = md.GetTypeDefinition((TypeDefinitionHandle)th).GetLayout();
                    return layout.IsDefault || layout.Size == 0 ? -1 : layout.Size;
                }
            default: return -1;
        }
    }

    /// <summary>The embedded resource bytes of a ManifestResource whose Implementation is nil, or an error text.</summary>
    public static unsafe (nint Ptr, int Length, string? Error) Resource(PEReader pe, ManifestResource res)
    {
        var dir = pe.PEHeaders.CorHeader!.ResourcesDirectory;
        long offset = res.Offset;
        if (dir.Size == 0) return (0, 0, "embedded resource but the CLI header has no resources directory");
        if (offset < 0 || offset + 4 > dir.Size) return (0, 0, $"offset 0x{offset:X} outside the resources directory (0x{dir.Size:X} bytes)");
        var block = pe.GetSectionData(dir.RelativeVirtualAddress);
        if (block.Length < dir.Size) return (0, 0, $"resources directory RVA 0x{dir.RelativeVirtualAddress:X} size 0x{dir.Size:X} runs past its section");
        byte* p = block.Pointer + offset;
        int len = p[0] | p[1] << 8 | p[2] << 16 | p[3] << 24;
        if (len < 0 || offset + 4 + len > dir.Size) return (0, 0, $"resource length 0x{(uint)len:X} at offset 0x{offset:X} runs past the resources directory");
        return ((nint)(p + 4), len, null);
    }

    public static string TokenText(int token) =>
        $"{Schema.TableName(token >>> 24)}[{token & 0xFFFFFF}]";

    public static string HandleText(EntityHandle h) =>
        h.IsNil ? "nil" : TokenText(MetadataTokens.GetToken(h));
}
