// Reads the metadata root, stream headers and the #~/#- table stream header directly from the bytes
// that MetadataReader exposes, computes every column's offset and width, and reads raw cells.
using System.Buffers.Binary;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Text;

namespace Graft.Ecma.Checker;

sealed unsafe class RawMetadata
{
    public readonly MetadataReader Reader;
    public readonly byte* Base;
    public readonly int Length;
    public readonly List<string> Problems = new();

    public string Version = "";
    public ushort MajorVersion, MinorVersion, RootFlags;
    public readonly List<(string Name, int Offset, int Size)> Streams = new();
    public string TableStreamName = "";
    public byte TablesMajor, TablesMinor, HeapSizes;
    public ulong Valid, Sorted;
    public int TablesHeaderSize;

    public readonly int[] Rows = new int[Schema.TableCount];
    /// <summary>Row counts used to size indexes: own rows, or for a PDB the type-system rows from #Pdb.</summary>
    public readonly int[] SizingRows = new int[Schema.TableCount];
    public readonly int[] RowSize = new int[Schema.TableCount];
    public readonly int[] TableOffset = new int[Schema.TableCount];
    public readonly int[][] ColOffset = new int[Schema.TableCount][];
    public readonly int[][] ColSize = new int[Schema.TableCount][];
    public bool LayoutOk = true;

    public int StringHeapSize, BlobHeapSize, GuidHeapSize, UserStringHeapSize;
    // #Pdb stream (portable PDB only)
    public bool HasPdbStream;
    public int PdbStreamOffset;
    public byte[] PdbId = [];
    public uint PdbEntryPoint;
    public ulong PdbReferencedTables;
    public readonly int[] PdbExternalRows = new int[Schema.TableCount];

    public RawMetadata(MetadataReader reader)
    {
        Reader = reader;
        Base = reader.MetadataPointer;
        Length = reader.MetadataLength;
        ParseRoot();
        ComputeLayout();
    }

    uint U32(int off) => off + 4 <= Length ? BinaryPrimitives.ReadUInt32LittleEndian(new ReadOnlySpan<byte>(Base + off, 4)) : throw new BadImageFormatException($"read past metadata end at 0x{off:X}");
    ushort U16(int off) => off + 2 <= Length ? BinaryPrimitives.ReadUInt16LittleEndian(new ReadOnlySpan<byte>(Base + off, 2)) : throw new BadImageFormatException($"read past metadata end at 0x{off:X}");

    void ParseRoot()
    {
        if (U32(0) != 0x424A5342) throw new BadImageFormatException("metadata root signature is not BSJB");
        MajorVersion = U16(4);
        MinorVersion = U16(6);
        int verLen = (int)U32(12);
        if (verLen < 0 || 16 + verLen > Length) throw new BadImageFormatException("metadata version length out of range");
        var ver = new ReadOnlySpan<byte>(Base + 16, verLen);
        int z = ver.IndexOf((byte)0);
        Version = Encoding.UTF8.GetString(z >= 0 ? ver[..z] : ver);
        int p = 16 + verLen;
        RootFlags = U16(p);
        int count = U16(p + 2);
        p += 4;
        for (int i = 0; i < count; i++)
        {
            int off = (int)U32(p), size = (int)U32(p + 4);
            p += 8;
            int start = p;
            while (p < Length && Base[p] != 0 && p - start < 32) p++;
            string name = Encoding.ASCII.GetString(Base + start, p - start);
            p = start + ((p - start + 1 + 3) & ~3);
            if (off < 0 || size < 0 || (long)off + size > Length)
                Problems.Add($"stream {name} [0x{off:X}, +0x{size:X}) lies outside the metadata (0x{Length:X} bytes)");
            Streams.Add((name, off, size));
        }
        foreach (var (name, off, size) in Streams)
        {
            switch (name)
            {
                case "#~": case "#-": TableStreamName = name; ParseTableHeader(off, size); break;
                case "#Strings": StringHeapSize = size; break;
                case "#Blob": BlobHeapSize = size; break;
                case "#GUID": GuidHeapSize = size; break;
                case "#US": UserStringHeapSize = size; break;
                case "#Pdb": ParsePdbStream(off, size); break;
            }
        }
        if (TableStreamName == "") throw new BadImageFormatException("no #~ or #- stream");
    }

    void ParseTableHeader(int off, int size)
    {
        TablesMajor = Base[off + 4];
        TablesMinor = Base[off + 5];
        HeapSizes = Base[off + 6];
        Valid = (ulong)U32(off + 8) | ((ulong)U32(off + 12) << 32);
        Sorted = (ulong)U32(off + 16) | ((ulong)U32(off + 20) << 32);
        int p = off + 24;
        for (int t = 0; t < 64; t++)
        {
            if ((Valid & (1UL << t)) == 0) continue;
            uint n = U32(p);
            p += 4;
            if (t >= Schema.TableCount || Schema.Tables[t] == null)
            {
                Problems.Add($"#~ header: valid bit set for unknown table 0x{t:X2} ({n} rows)");
                continue;
            }
            Rows[t] = (int)n;
        }
        if ((HeapSizes & 0x40) != 0) p += 4; // extra data
        TablesHeaderSize = p - off;
        TableStreamStart = off;
        TableStreamSize = size;
    }

    public int TableStreamStart, TableStreamSize;

    void ParsePdbStream(int off, int size)
    {
        HasPdbStream = true;
        PdbStreamOffset = off;
        PdbId = new ReadOnlySpan<byte>(Base + off, 20).ToArray();
        PdbEntryPoint = U32(off + 20);
        PdbReferencedTables = (ulong)U32(off + 24) | ((ulong)U32(off + 28) << 32);
        int p = off + 32;
        for (int t = 0; t < 64; t++)
        {
            if ((PdbReferencedTables & (1UL << t)) == 0) continue;
            uint n = U32(p);
            p += 4;
            if (t < Schema.TableCount) PdbExternalRows[t] = (int)n;
            else Problems.Add($"#Pdb: referenced-tables bit set for unknown table 0x{t:X2}");
        }
        if (p > off + size) Problems.Add($"#Pdb stream is {size} bytes but its header needs {p - off}");
    }

    void ComputeLayout()
    {
        for (int t = 0; t < Schema.TableCount; t++)
            SizingRows[t] = HasPdbStream && t < Schema.Document ? Math.Max(PdbExternalRows[t], Rows[t]) : Rows[t];
        bool minimalDelta = (HeapSizes & 0x20) != 0;
        int strSize = (HeapSizes & 1) != 0 ? 4 : 2, guidSize = (HeapSizes & 2) != 0 ? 4 : 2, blobSize = (HeapSizes & 4) != 0 ? 4 : 2;
        int offset = TableStreamStart + TablesHeaderSize;
        for (int t = 0; t < Schema.TableCount; t++)
        {
            var schema = Schema.Tables[t];
            if (schema == null) continue;
            var cols = schema.Columns;
            var co = new int[cols.Length];
            var cs = new int[cols.Length];
            int o = 0;
            for (int c = 0; c < cols.Length; c++)
            {
                int w = cols[c].Kind switch
                {
                    ColKind.U8 => 1,
                    ColKind.U16 => 2,
                    ColKind.U32 => 4,
                    ColKind.String => strSize,
                    ColKind.Guid => guidSize,
                    ColKind.Blob => blobSize,
                    ColKind.Table => minimalDelta || SizingRows[cols[c].Target] > 0xFFFF ? 4 : 2,
                    ColKind.Coded => minimalDelta ? 4 : CodedSize(cols[c].CodedKind),
                    _ => throw new InvalidOperationException(),
                };
                co[c] = o;
                cs[c] = w;
                o += w;
            }
            ColOffset[t] = co;
            ColSize[t] = cs;
            RowSize[t] = o;
            TableOffset[t] = offset;
            if (Rows[t] > 0)
            {
                int srmSize = Reader.GetTableRowSize((TableIndex)t);
                int srmOff = Reader.GetTableMetadataOffset((TableIndex)t);
                if (srmSize != o) { Problems.Add($"{schema.Name}: computed row size {o} but the reader uses {srmSize}"); LayoutOk = false; }
                if (srmOff != offset) { Problems.Add($"{schema.Name}: computed table offset 0x{offset:X} but the reader uses 0x{srmOff:X}"); LayoutOk = false; }
                offset += Rows[t] * o;
            }
        }
        if (offset > TableStreamStart + TableStreamSize)
        {
            Problems.Add($"tables end at 0x{offset:X}, past the end of the {TableStreamName} stream (0x{TableStreamStart + TableStreamSize:X})");
            LayoutOk = false;
        }
        TablesEnd = offset;
    }

    public int TablesEnd;

    int CodedSize(Coded c)
    {
        var (bits, targets) = Schema.CodedInfo(c);
        int max = 0;
        foreach (var t in targets) if (t >= 0) max = Math.Max(max, SizingRows[t]);
        return max < (1 << (16 - bits)) ? 2 : 4;
    }

    /// <summary>Raw value of a cell; row is 1-based.</summary>
    public uint Cell(int table, int row, int col)
    {
        int off = TableOffset[table] + (row - 1) * RowSize[table] + ColOffset[table][col];
        byte* p = Base + off;
        return ColSize[table][col] switch
        {
            1 => *p,
            2 => (uint)(p[0] | p[1] << 8),
            _ => (uint)(p[0] | p[1] << 8 | p[2] << 16 | p[3] << 24),
        };
    }

    public ReadOnlySpan<byte> RowBytes(int table, int row) =>
        new(Base + TableOffset[table] + (row - 1) * RowSize[table], RowSize[table]);

    public bool IsSortedBit(int table) => (Sorted & (1UL << table)) != 0;

    /// <summary>Decode a coded index into (table, row); table = -1 for an unused/out-of-range tag.</summary>
    public static (int Table, int Row) DecodeCoded(Coded c, uint value)
    {
        var (bits, targets) = Schema.CodedInfo(c);
        int tag = (int)(value & ((1u << bits) - 1));
        int row = (int)(value >> bits);
        return (tag < targets.Length ? targets[tag] : -1, row);
    }

    /// <summary>Row count used to bound references to a table (PDB: external type-system rows).</summary>
    public int RefRows(int table) => SizingRows[table];

    public ReadOnlySpan<byte> Slice(int offset, int length) => new(Base + offset, length);
}
