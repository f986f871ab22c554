//! The metadata root (II.24.2.1), its streams, heaps and tables. Works on a
//! PE image's metadata and on a standalone portable PDB alike.

use super::error::{Error, Result};
use super::heaps::{BlobHeap, GuidHeap, StringHeap, UserStringHeap};
use super::tables::{NUM_TABLES, Tables};
use crate::le::*;
use crate::raw::cli::METADATA_SIGNATURE;
use crate::raw::tables::all_tables;
use crate::raw::{Col, TableId};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StreamHeader<'data> {
    pub name: &'data [u8],
    /// Offset and size relative to the metadata root.
    pub offset: u32,
    pub size: u32,
}

/// The `#Pdb` stream of a portable PDB.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PdbStream {
    pub id: [u8; 20],
    pub entry_point: u32,
    pub referenced_tables: u64,
    pub type_system_rows: [u32; NUM_TABLES],
}

#[derive(Clone, Debug)]
pub struct Metadata<'data> {
    pub data: &'data [u8],
    pub major: u16,
    pub minor: u16,
    pub reserved: u32,
    /// The version string field as stored (padded to 4 bytes).
    pub version_field: &'data [u8],
    pub flags: u16,
    pub streams: Vec<StreamHeader<'data>>,
    /// Index in `streams` of the tables stream.
    pub tables_stream: usize,
    pub strings: StringHeap<'data>,
    pub user_strings: UserStringHeap<'data>,
    pub blobs: BlobHeap<'data>,
    pub guids: GuidHeap<'data>,
    pub tables: Tables<'data>,
    pub pdb: Option<PdbStream>,
}

impl<'data> Metadata<'data> {
    /// Parses and validates every table cell against heap and table bounds.
    pub fn parse(data: &'data [u8]) -> Result<Self> {
        Self::parse_with(data, None)
    }

    /// `type_system_rows` lets a caller supply row counts for a PDB whose
    /// `#Pdb` stream is absent (never needed for well-formed input).
    pub fn parse_with(data: &'data [u8], type_system_rows: Option<[u32; NUM_TABLES]>) -> Result<Self> {
        if u32_at(data, 0) != Some(METADATA_SIGNATURE) {
            return Err(Error::at("metadata root signature is not BSJB", 0));
        }
        let major = u16_at(data, 4).unwrap_or(0);
        let minor = u16_at(data, 6).unwrap_or(0);
        let reserved = u32_at(data, 8).ok_or(Error::at("metadata root truncated", 8))?;
        let vlen = u32_at(data, 12).ok_or(Error::at("metadata root truncated", 12))? as usize;
        if vlen > 255 || 16 + vlen + 4 > data.len() {
            return Err(Error::at("metadata version string length out of range", 12));
        }
        let version_field = &data[16..16 + vlen];
        let mut off = 16 + vlen;
        let flags = u16_at(data, off).ok_or(Error::at("metadata root truncated", off as u64))?;
        let nstreams = u16_at(data, off + 2).ok_or(Error::at("metadata root truncated", off as u64))? as usize;
        off += 4;
        let mut streams = Vec::with_capacity(nstreams.min(16));
        for _ in 0..nstreams {
            let soff = u32_at(data, off).ok_or(Error::at("stream header truncated", off as u64))?;
            let size = u32_at(data, off + 4).ok_or(Error::at("stream header truncated", off as u64))?;
            let name_start = off + 8;
            let rest = data.get(name_start..).ok_or(Error::at("stream header truncated", off as u64))?;
            let nlen = rest.iter().take(32).position(|&c| c == 0).ok_or(Error::at("stream name not terminated within 32 bytes", name_start as u64))?;
            let name = &rest[..nlen];
            if soff as u64 + size as u64 > data.len() as u64 {
                return Err(Error::at("stream runs past the end of the metadata", off as u64));
            }
            streams.push(StreamHeader { name, offset: soff, size });
            off = name_start + align_up(nlen + 1, 4);
        }
        let find = |n: &[u8]| streams.iter().position(|s| s.name == n);
        let slice = |i: Option<usize>| -> &'data [u8] {
            i.map_or(&[][..], |i| &data[streams[i].offset as usize..(streams[i].offset + streams[i].size) as usize])
        };
        let tables_stream = find(b"#~").or_else(|| find(b"#-")).ok_or(Error::at("no #~ or #- tables stream", 0))?;
        let all_wide = find(b"#JTD").is_some();
        let pdb = match find(b"#Pdb") {
            Some(i) => Some(parse_pdb_stream(slice(Some(i)), streams[i].offset)?),
            None => None,
        };
        let ext = pdb.map(|p| p.type_system_rows).or(type_system_rows);
        let tables = Tables::parse(slice(Some(tables_stream)), ext.as_ref(), all_wide)
            .map_err(|e| Error { offset: e.offset + streams[tables_stream].offset as u64, ..e })?;
        let md = Metadata {
            data, major, minor, reserved, version_field, flags,
            tables_stream,
            strings: StringHeap { data: slice(find(b"#Strings")) },
            user_strings: UserStringHeap { data: slice(find(b"#US")) },
            blobs: BlobHeap { data: slice(find(b"#Blob")) },
            guids: GuidHeap { data: slice(find(b"#GUID")) },
            streams, tables, pdb,
        };
        md.validate()?;
        Ok(md)
    }

    /// Checks every cell: heap offsets inside their heap, row indexes within
    /// their table (list columns may point one past the end).
    fn validate(&self) -> Result<()> {
        let ext = self.pdb.map(|p| p.type_system_rows);
        let rows_of = |t: TableId| -> u32 {
            let r = self.tables.rows[t.0 as usize];
            if r == 0 { ext.map_or(0, |e| e[t.0 as usize]) } else { r }
        };
        let nstrings = self.strings.data.len() as u32;
        let nblobs = self.blobs.data.len() as u32;
        let nguids = self.guids.len();
        for id in all_tables() {
            let Some(table) = self.tables.table(id) else { continue };
            let schema = id.schema().expect("defined");
            for (c, (_, col)) in schema.cols.iter().enumerate() {
                // Hoist the bound per column: this loop runs over every cell.
                let (limit, coded) = match col {
                    Col::U16 | Col::U32 => continue,
                    Col::Str => (nstrings.max(1) - 1, None),
                    Col::Blob => (nblobs.max(1) - 1, None),
                    Col::Guid => (nguids, None),
                    Col::Table(t) => (rows_of(*t) + 1, None),
                    Col::Coded(ci) => (0, Some(ci)),
                };
                for r in 1..=table.rows {
                    let v = table.get(r, c);
                    let ok = match coded {
                        None => v <= limit,
                        Some(ci) => match ci.decode(v) {
                            Some((t, row)) => row <= rows_of(t) || (row == 0),
                            None => v == 0,
                        },
                    };
                    if !ok {
                        return Err(Error {
                            what: match col {
                                Col::Str => "#Strings offset out of range",
                                Col::Blob => "#Blob offset out of range",
                                Col::Guid => "#GUID index out of range",
                                Col::Table(_) => "row index out of range",
                                _ => "coded index out of range",
                            },
                            offset: (table.stream_offset + (r - 1) * table.layout.row_size) as u64,
                            table: Some(id),
                            row: r,
                        });
                    }
                }
            }
        }
        Ok(())
    }

    /// The tables stream header.
    pub fn tables_stream_header(&self) -> &StreamHeader<'data> {
        &self.streams[self.tables_stream]
    }

    pub fn stream(&self, name: &[u8]) -> Option<&StreamHeader<'data>> {
        self.streams.iter().find(|s| s.name == name)
    }

    pub fn version(&self) -> &'data str {
        let end = self.version_field.iter().position(|&c| c == 0).unwrap_or(self.version_field.len());
        std::str::from_utf8(&self.version_field[..end]).unwrap_or("")
    }
}

fn parse_pdb_stream(b: &[u8], base: u32) -> Result<PdbStream> {
    let err = |o: usize| Error::at("#Pdb stream truncated", base as u64 + o as u64);
    let id: [u8; 20] = b.get(0..20).ok_or(err(0))?.try_into().map_err(|_| err(0))?;
    let entry_point = u32_at(b, 20).ok_or(err(20))?;
    let referenced_tables = u64_at(b, 24).ok_or(err(24))?;
    let mut type_system_rows = [0u32; NUM_TABLES];
    let mut o = 32;
    for (i, r) in type_system_rows.iter_mut().enumerate() {
        if referenced_tables & (1u64 << i) != 0 {
            *r = u32_at(b, o).ok_or(err(o))?;
            o += 4;
        }
    }
    Ok(PdbStream { id, entry_point, referenced_tables, type_system_rows })
}
