#!/usr/bin/env python3
# Make small corrupted copies of an assembly for MetadataChecker's negative tests (never committed).
import struct, sys
src, outdir = sys.argv[1], sys.argv[2]
data = bytearray(open(src, 'rb').read())
pe = struct.unpack_from('<I', data, 0x3c)[0]
nsec = struct.unpack_from('<H', data, pe + 6)[0]
optsize = struct.unpack_from('<H', data, pe + 20)[0]
opt = pe + 24
magic = struct.unpack_from('<H', data, opt)[0]
dd = opt + (96 if magic == 0x10b else 112)
secs = []
for i in range(nsec):
    s = opt + optsize + 40 * i
    vsize, va, rawsize, rawptr = struct.unpack_from('<IIII', data, s + 8)
    secs.append((va, max(vsize, rawsize), rawptr))
def off(rva):
    for va, size, raw in secs:
        if va <= rva < va + size: return rva - va + raw
    raise Exception('rva %x' % rva)
cli_rva = struct.unpack_from('<I', data, dd + 14 * 8)[0]
cli = off(cli_rva)
md_rva, md_size = struct.unpack_from('<II', data, cli + 8)
md = off(md_rva)
vlen = struct.unpack_from('<I', data, md + 12)[0]
p = md + 16 + vlen + 2
n = struct.unpack_from('<H', data, p)[0]; p += 2
streams = {}
for _ in range(n):
    o, sz = struct.unpack_from('<II', data, p); p += 8
    e = data.index(0, p); name = data[p:e].decode(); p += ((e - p) + 4) & ~3
    streams[name] = (md + o, sz)
ts, tsz = streams['#~']
heaps = data[ts + 6]
valid = struct.unpack_from('<Q', data, ts + 8)[0]
nt = bin(valid).count('1')
tables = ts + 24 + 4 * nt
s_ = 4 if heaps & 1 else 2; g_ = 4 if heaps & 2 else 2
module_row = 2 + s_ + 3 * g_

def write(name, buf):
    open(f'{outdir}/{name}', 'wb').write(buf); print(f'{outdir}/{name}')

# 1. TypeRef[1].ResolutionScope := 0xFFFF (tag TypeRef, row 0x3FFF: names no row)
b = bytearray(data); struct.pack_into('<H', b, tables + module_row, 0xFFFF); write('typeref-scope.dll', b)
# 2. TypeDef[1] (the <Module> row) overwritten with 0xFF bytes: every index column is out of range
rows = []
for t in range(64):
    if valid >> t & 1: rows.append((t, struct.unpack_from('<I', data, ts + 24 + 4 * len(rows))[0]))
nrows = dict(rows)
typeref_row = 2 + 2 * s_  # ResolutionScope is 2 bytes in any small assembly
typedef1 = tables + module_row * nrows.get(0, 0) + typeref_row * nrows.get(1, 0)
b = bytearray(data); b[typedef1: typedef1 + 14] = b'\xff' * 14; write('typedef-row-ff.dll', b)
# 3. truncated metadata: cut the file in the middle of the table stream
write('truncated.dll', bytearray(data[: tables + 40]))
# 4. #US heap: first user string length byte made huge
us, ussz = streams['#US']; b = bytearray(data); b[us + 1] = 0xBF; b[us + 2] = 0xFF; write('us-length.dll', b)
