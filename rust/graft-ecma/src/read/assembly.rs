//! A whole assembly image: PE container, CLI header, metadata, and the
//! parts reached through RVAs (method bodies, resources, debug data).

use super::error::{Error, ReadError, Result};
use super::metadata::Metadata;
use super::pe::PeFile;
use crate::il::body::MethodBody;
use crate::le::*;
use crate::raw::cli::{self, header as ch};
use crate::raw::pe::{debug, dir};
use crate::raw::TableId;

/// An RVA and size pair.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Dir {
    pub rva: u32,
    pub size: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CliHeader {
    /// File offset of the header.
    pub offset: usize,
    pub major: u16,
    pub minor: u16,
    pub metadata: Dir,
    pub flags: u32,
    pub entry_point: u32,
    pub resources: Dir,
    pub strong_name_signature: Dir,
    pub vtable_fixups: Dir,
    pub managed_native_header: Dir,
}

/// ReadyToRun native code present in the image.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadyToRun {
    pub header: Dir,
    pub major: u16,
    pub minor: u16,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DebugEntry<'data> {
    /// File offset of the 28-byte directory entry.
    pub entry_offset: usize,
    pub kind: u32,
    pub major: u16,
    pub minor: u16,
    pub stamp: u32,
    /// File offset and bytes of the entry's data.
    pub data_offset: u32,
    pub data: &'data [u8],
}

impl DebugEntry<'_> {
    /// CodeView RSDS: (PDB id GUID, age, path).
    pub fn codeview(&self) -> Option<([u8; 16], u32, &str)> {
        if self.kind != debug::TYPE_CODEVIEW || u32_at(self.data, 0)? != debug::CODEVIEW_RSDS {
            return None;
        }
        let guid: [u8; 16] = self.data.get(4..20)?.try_into().ok()?;
        let age = u32_at(self.data, 20)?;
        let rest = self.data.get(24..)?;
        let end = rest.iter().position(|&c| c == 0)?;
        Some((guid, age, std::str::from_utf8(&rest[..end]).ok()?))
    }

    /// PdbChecksum: (algorithm name, checksum bytes).
    pub fn pdb_checksum(&self) -> Option<(&str, &[u8])> {
        if self.kind != debug::TYPE_PDB_CHECKSUM {
            return None;
        }
        let end = self.data.iter().position(|&c| c == 0)?;
        Some((std::str::from_utf8(&self.data[..end]).ok()?, &self.data[end + 1..]))
    }

    /// Embedded portable PDB, inflated. `limit` bounds the output size.
    pub fn embedded_pdb(&self, limit: usize) -> Option<Result<Vec<u8>>> {
        if self.kind != debug::TYPE_EMBEDDED_PORTABLE_PDB {
            return None;
        }
        let err = Error::at("bad embedded portable PDB", self.data_offset as u64);
        if u32_at(self.data, 0) != Some(debug::EMBEDDED_PDB_MPDB) {
            return Some(Err(err));
        }
        let size = u32_at(self.data, 4).unwrap_or(0) as usize;
        if size > limit {
            return Some(Err(Error::at("embedded portable PDB larger than allowed", self.data_offset as u64)));
        }
        Some(
            miniz_oxide::inflate::decompress_to_vec_with_limit(&self.data[8..], size)
                .map_err(|_| err)
                .and_then(|v| if v.len() == size { Ok(v) } else { Err(err) }),
        )
    }
}

/// A managed resource: name and where its bytes are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ManagedResource<'data> {
    pub row: u32,
    pub name: &'data str,
    /// File offset of the 4-byte length prefix, `None` for resources that
    /// live in another file or assembly.
    pub offset: Option<usize>,
    pub data: &'data [u8],
}

/// A read assembly; borrows the input.
#[derive(Clone, Debug)]
pub struct Assembly<'data> {
    pub data: &'data [u8],
    pub pe: PeFile<'data>,
    pub cli: CliHeader,
    /// File offset of the metadata root.
    pub metadata_offset: usize,
    pub metadata: Metadata<'data>,
}

fn dir_at(b: &[u8], o: usize) -> Dir {
    Dir { rva: u32_at(b, o).unwrap_or(0), size: u32_at(b, o + 4).unwrap_or(0) }
}

impl<'data> Assembly<'data> {
    pub fn read(data: &'data [u8]) -> Result<Self> {
        let pe = PeFile::parse(data)?;
        let (cli_rva, cli_size) = pe.dir(dir::CLR_RUNTIME_HEADER);
        if cli_rva == 0 {
            return Err(Error::at("no CLI header: not a .NET assembly", pe.dirs_offset as u64));
        }
        if (cli_size as usize) < ch::SIZE {
            return Err(Error::at("CLI header directory too small", pe.dirs_offset as u64));
        }
        let h = pe.slice_at(cli_rva, ch::SIZE as u32, "CLI header outside the image")?;
        let offset = pe.rva_to_offset(cli_rva).read_error("CLI header outside the image", 0)?;
        let cli = CliHeader {
            offset,
            major: u16_at(h, 4).unwrap_or(0),
            minor: u16_at(h, 6).unwrap_or(0),
            metadata: dir_at(h, ch::METADATA),
            flags: u32_at(h, ch::FLAGS).unwrap_or(0),
            entry_point: u32_at(h, ch::ENTRY_POINT).unwrap_or(0),
            resources: dir_at(h, ch::RESOURCES),
            strong_name_signature: dir_at(h, ch::STRONG_NAME_SIGNATURE),
            vtable_fixups: dir_at(h, ch::VTABLE_FIXUPS),
            managed_native_header: dir_at(h, ch::MANAGED_NATIVE_HEADER),
        };
        let md = pe.slice_at(cli.metadata.rva, cli.metadata.size, "metadata outside the image")?;
        let metadata_offset = pe.rva_to_offset(cli.metadata.rva).unwrap_or(0);
        let metadata = Metadata::parse(md).map_err(|e| Error { offset: e.offset + metadata_offset as u64, ..e })?;
        Ok(Assembly { data, pe, cli, metadata_offset, metadata })
    }

    /// ReadyToRun native code, if the image has it.
    pub fn ready_to_run(&self) -> Option<ReadyToRun> {
        let d = self.cli.managed_native_header;
        if d.rva == 0 {
            return None;
        }
        let h = self.pe.slice_at(d.rva, 8, "").ok()?;
        if u32_at(h, 0)? != cli::READYTORUN_SIGNATURE {
            return None;
        }
        Some(ReadyToRun { header: d, major: u16_at(h, 4)?, minor: u16_at(h, 6)? })
    }

    pub fn is_strong_name_signed(&self) -> bool {
        self.cli.flags & cli::FLAG_STRONGNAMESIGNED != 0 && self.cli.strong_name_signature.size != 0
    }

    /// The method body of MethodDef `row`, `None` for methods without IL.
    pub fn method_body(&self, row: u32) -> Result<Option<MethodBody<'data>>> {
        let rva = self.metadata.tables.get(TableId::METHOD_DEF, row, 0);
        if rva == 0 {
            return Ok(None);
        }
        let bytes = self.pe.rest_at(rva, "method body RVA outside the image").map_err(|e| e.with_row(TableId::METHOD_DEF, row))?;
        let offset = self.pe.rva_to_offset(rva).unwrap_or(0);
        MethodBody::parse(bytes, offset).map(Some).map_err(|e| e.with_row(TableId::METHOD_DEF, row))
    }

    /// Debug directory entries.
    pub fn debug_entries(&self) -> Result<Vec<DebugEntry<'data>>> {
        let (rva, size) = self.pe.dir(dir::DEBUG);
        if rva == 0 || size == 0 {
            return Ok(Vec::new());
        }
        let table = self.pe.slice_at(rva, size, "debug directory outside the image")?;
        let base = self.pe.rva_to_offset(rva).unwrap_or(0);
        let mut out = Vec::new();
        for (i, e) in table.chunks_exact(debug::ENTRY_SIZE).enumerate() {
            let size = u32_at(e, 16).unwrap_or(0) as usize;
            let ptr = u32_at(e, 24).unwrap_or(0) as usize;
            let data = if size == 0 {
                &[][..]
            } else {
                self.data.get(ptr..ptr.saturating_add(size)).read_error("debug data outside the file", base + i * 28)?
            };
            out.push(DebugEntry {
                entry_offset: base + i * debug::ENTRY_SIZE,
                stamp: u32_at(e, 4).unwrap_or(0),
                major: u16_at(e, 8).unwrap_or(0),
                minor: u16_at(e, 10).unwrap_or(0),
                kind: u32_at(e, 12).unwrap_or(0),
                data_offset: ptr as u32,
                data,
            });
        }
        Ok(out)
    }

    /// Managed resources (ManifestResource rows) with their bytes when embedded.
    pub fn resources(&self) -> Result<Vec<ManagedResource<'data>>> {
        let md = &self.metadata;
        let Some(t) = md.tables.table(TableId::MANIFEST_RESOURCE) else { return Ok(Vec::new()) };
        let mut out = Vec::with_capacity(t.rows as usize);
        for r in 1..=t.rows {
            let name = md.strings.get(t.get(r, 2)).map_err(|e| e.with_row(TableId::MANIFEST_RESOURCE, r))?;
            if t.get(r, 3) != 0 {
                out.push(ManagedResource { row: r, name, offset: None, data: &[] });
                continue;
            }
            let res = self.pe.slice_at(self.cli.resources.rva, self.cli.resources.size, "resources outside the image")?;
            let o = t.get(r, 0) as usize;
            let len = u32_at(res, o).ok_or(Error::row("resource offset out of range", TableId::MANIFEST_RESOURCE, r))? as usize;
            let data = res.get(o + 4..(o + 4).saturating_add(len)).ok_or(Error::row("resource runs past the resources directory", TableId::MANIFEST_RESOURCE, r))?;
            let base = self.pe.rva_to_offset(self.cli.resources.rva).unwrap_or(0);
            out.push(ManagedResource { row: r, name, offset: Some(base + o), data });
        }
        Ok(out)
    }

    /// Bytes of FieldRVA row `row`: from the RVA to the end of its section.
    /// The exact size follows from the field's type; callers that need it
    /// compute it (see `sig`).
    pub fn field_rva_data(&self, row: u32) -> Result<&'data [u8]> {
        let rva = self.metadata.tables.get(TableId::FIELD_RVA, row, 0);
        self.pe.rest_at(rva, "field RVA outside the image").map_err(|e| e.with_row(TableId::FIELD_RVA, row))
    }

    /// The assembly's simple name (Assembly table), if it has one.
    pub fn name(&self) -> Option<&'data str> {
        let md = &self.metadata;
        if md.tables.row_count(TableId::ASSEMBLY) == 0 {
            return None;
        }
        md.strings.get(md.tables.get(TableId::ASSEMBLY, 1, 7)).ok()
    }
}

impl<'data> Assembly<'data> {
    /// Exact bytes of FieldRVA row `row`, sized by the field's type: a
    /// primitive, or a value type defined here with an explicit ClassLayout
    /// size (what compilers emit for initialized data). `None` when the size
    /// cannot be known from this assembly alone.
    pub fn field_rva_bytes(&self, row: u32) -> Result<Option<&'data [u8]>> {
        use crate::sig::{Type, et, Signature};
        let t = &self.metadata.tables;
        let field = t.get(TableId::FIELD_RVA, row, 1);
        let sig = self.metadata.blobs.get(t.get(TableId::FIELD, field, 2)).map_err(|e| e.with_row(TableId::FIELD, field))?;
        let Signature::Field(ty) = Signature::parse(sig).map_err(|e| e.with_row(TableId::FIELD, field))? else {
            return Err(Error::row("field signature is not a field signature", TableId::FIELD, field));
        };
        let size = match ty {
            Type::Prim(et::BOOLEAN | et::I1 | et::U1) => 1,
            Type::Prim(et::CHAR | et::I2 | et::U2) => 2,
            Type::Prim(et::I4 | et::U4 | et::R4) => 4,
            Type::Prim(et::I8 | et::U8 | et::R8) => 8,
            Type::ValueType(tok) if tok >> 24 == TableId::TYPE_DEF.0 as u32 => {
                let td = tok & 0xFF_FFFF;
                match (1..=t.row_count(TableId::CLASS_LAYOUT)).find(|&r| t.get(TableId::CLASS_LAYOUT, r, 2) == td) {
                    Some(r) => t.get(TableId::CLASS_LAYOUT, r, 1),
                    None => return Ok(None),
                }
            }
            _ => return Ok(None),
        };
        let data = self.field_rva_data(row)?;
        data.get(..size as usize).map(Some).ok_or(Error::row("field RVA data runs past its section", TableId::FIELD_RVA, row))
    }
}
