//! Changes to an assembly, held next to the borrowed original. Tables stay
//! borrowed until a row in them changes; heaps only grow.

mod heap;
mod import;
mod members;
mod tables;

pub use heap::{Heap, HeapKind};
pub use import::{Importer, Resolver};
pub use members::{NewMethod, NewParam};
pub use tables::TableData;

use crate::il::NewBody;
use crate::raw::TableId;
use crate::read::{Assembly, Error, Metadata, Tables};
use tables::NUM_TABLES;

/// RVA column values with this bit set name a body in [`Editor::bodies`]
/// until the writer assigns real RVAs. Keeping it in the row means it moves
/// with the row when rows are inserted.
pub const PENDING_BODY: u32 = 0x8000_0000;

/// The error type of edits: a read error naming table and row, or a
/// request the engine cannot honour.
pub type EditError = Error;

pub struct Editor<'a, 'data> {
    /// The image being edited; `None` when editing standalone metadata (a
    /// portable PDB).
    pub asm: Option<&'a Assembly<'data>>,
    pub md: &'a Metadata<'data>,
    pub(crate) tables: Vec<TableData<'data>>,
    pub strings: Heap<'data>,
    pub blobs: Heap<'data>,
    pub user_strings: Heap<'data>,
    pub guids: Heap<'data>,
    /// Bodies to write, indexed by `RVA & !PENDING_BODY`.
    pub bodies: Vec<NewBody>,
    /// Original row -> current row, present once rows were inserted into
    /// MethodDef / Field; untouched IL is patched through these.
    pub(crate) method_map: Option<Vec<u32>>,
    pub(crate) field_map: Option<Vec<u32>>,
    pub entry_point: u32,
    /// New data for debug directory entries: (file offset of the 28-byte
    /// entry, bytes). The writer places the bytes and fixes the entry.
    pub debug_data: Vec<(usize, Vec<u8>)>,
    /// Anything changed at all (tables, heaps, bodies)?
    pub dirty: bool,
}

impl<'a, 'data> Editor<'a, 'data> {
    pub fn new(asm: &'a Assembly<'data>) -> Self {
        let mut e = Self::for_metadata(&asm.metadata);
        e.asm = Some(asm);
        e.entry_point = asm.cli.entry_point;
        e
    }

    /// Edits metadata that is not inside a PE image (a portable PDB).
    pub fn for_metadata(md: &'a Metadata<'data>) -> Self {
        let tables = (0..NUM_TABLES)
            .map(|i| match md.tables.tables[i] {
                Some(t) => TableData::Raw(t),
                None => TableData::Empty,
            })
            .collect();
        Editor {
            asm: None,
            md,
            tables,
            strings: Heap::new(HeapKind::Strings, md.strings.data),
            blobs: Heap::new(HeapKind::Blob, md.blobs.data),
            user_strings: Heap::new(HeapKind::UserString, md.user_strings.data),
            guids: Heap::new(HeapKind::Guid, md.guids.data),
            bodies: Vec::new(),
            method_map: None,
            field_map: None,
            entry_point: md.pdb.map_or(0, |p| p.entry_point),
            debug_data: Vec::new(),
            dirty: false,
        }
    }

    pub fn original_tables(&self) -> &Tables<'data> {
        &self.md.tables
    }

    pub fn rows(&self, t: TableId) -> u32 {
        self.tables[t.0 as usize].rows(t)
    }

    #[inline]
    pub fn get(&self, t: TableId, row: u32, col: usize) -> u32 {
        self.tables[t.0 as usize].get(t, row, col)
    }

    pub fn row(&self, t: TableId, row: u32) -> Vec<u32> {
        let n = t.schema().map_or(0, |s| s.cols.len());
        (0..n).map(|c| self.get(t, row, c)).collect()
    }

    pub fn set(&mut self, t: TableId, row: u32, col: usize, v: u32) {
        if self.get(t, row, col) != v {
            self.tables[t.0 as usize].owned(t)[(row as usize - 1) * ncols(t) + col] = v;
            self.dirty = true;
        }
    }

    /// Appends a row to an unsorted table and returns its 1-based index.
    pub fn push_row(&mut self, t: TableId, cells: &[u32]) -> Result<u32, Error> {
        if cells.len() != ncols(t) {
            return Err(Error::row("wrong number of cells for a new row", t, 0));
        }
        let rows = self.rows(t);
        if rows >= 0x00FF_FFFF {
            return Err(Error::row("table is full", t, rows));
        }
        self.tables[t.0 as usize].owned(t).extend_from_slice(cells);
        self.dirty = true;
        Ok(rows + 1)
    }

    pub fn string(&self, off: u32) -> Result<&str, Error> {
        let b = self.strings.slice_from(off as usize);
        let end = b.iter().position(|&c| c == 0).ok_or(Error::at("unterminated #Strings entry", off as u64))?;
        std::str::from_utf8(&b[..end]).map_err(|_| Error::at("#Strings entry is not UTF-8", off as u64))
    }

    pub fn blob(&self, off: u32) -> Result<&[u8], Error> {
        let b = self.blobs.slice_from(off as usize);
        let (len, n) = crate::read::heaps_compressed(b, 0).ok_or(Error::at("bad #Blob length", off as u64))?;
        b.get(n..n + len as usize).ok_or(Error::at("#Blob entry runs past the heap", off as u64))
    }

    /// Replaces the body of MethodDef `row`; tokens in `body` must already
    /// be tokens of this assembly.
    pub fn replace_body(&mut self, row: u32, body: NewBody) -> Result<(), Error> {
        if row == 0 || row > self.rows(TableId::METHOD_DEF) {
            return Err(Error::row("no such method", TableId::METHOD_DEF, row));
        }
        let idx = self.bodies.len() as u32;
        self.bodies.push(body);
        self.set(TableId::METHOD_DEF, row, 0, PENDING_BODY | idx);
        self.dirty = true;
        Ok(())
    }

    /// The current body of a method: a pending replacement or the original.
    pub fn body(&self, row: u32) -> Result<Option<NewBody>, Error> {
        let rva = self.get(TableId::METHOD_DEF, row, 0);
        if rva & PENDING_BODY != 0 {
            return Ok(self.bodies.get((rva & !PENDING_BODY) as usize).cloned());
        }
        if rva == 0 {
            return Ok(None);
        }
        let asm = self.asm.ok_or(Error::row("method bodies need an assembly image", TableId::METHOD_DEF, row))?;
        let bytes = asm.pe.rest_at(rva, "method body RVA outside the image").map_err(|e| e.with_row(TableId::METHOD_DEF, row))?;
        let b = crate::il::MethodBody::parse(bytes, 0).map_err(|e| e.with_row(TableId::METHOD_DEF, row))?;
        let mut nb = b.to_new();
        // Original IL uses original numbering.
        self.remap_code_tokens(&mut nb.code)?;
        Ok(Some(nb))
    }

    /// Applies the MethodDef/Field row maps to tokens in original IL.
    pub(crate) fn remap_code_tokens(&self, code: &mut [u8]) -> Result<(), Error> {
        if self.method_map.is_none() && self.field_map.is_none() {
            return Ok(());
        }
        crate::il::decode::remap_tokens(code, |t, _| Ok(self.map_original_token(t)))
    }

    /// Current token for a token in original numbering, if it moved.
    pub fn map_original_token(&self, t: u32) -> Option<u32> {
        let map = match TableId((t >> 24) as u8) {
            TableId::METHOD_DEF => self.method_map.as_ref()?,
            TableId::FIELD => self.field_map.as_ref()?,
            _ => return None,
        };
        let row = t & 0xFF_FFFF;
        let n = *map.get(row as usize)?;
        (n != row).then_some((t & 0xFF00_0000) | n)
    }

    /// Finds the TypeDef row by namespace and name (top-level types and,
    /// for nested types, `Outer/Inner` in `name`).
    pub fn find_type(&self, namespace: &str, name: &str) -> Option<u32> {
        let (outer, inner) = match name.rsplit_once('/') {
            Some((o, i)) => (Some(o), i),
            None => (None, name),
        };
        let enclosing = match outer {
            Some(o) => Some(self.find_type(namespace, o)?),
            None => None,
        };
        (1..=self.rows(TableId::TYPE_DEF)).find(|&r| {
            self.string(self.get(TableId::TYPE_DEF, r, 1)).ok() == Some(inner)
                && match enclosing {
                    None => self.string(self.get(TableId::TYPE_DEF, r, 2)).ok() == Some(namespace) && self.enclosing_type(r).is_none(),
                    Some(e) => self.enclosing_type(r) == Some(e),
                }
        })
    }

    /// Enclosing TypeDef of a nested type.
    pub fn enclosing_type(&self, type_row: u32) -> Option<u32> {
        let n = self.rows(TableId::NESTED_CLASS);
        // Sorted by NestedClass: binary search.
        let (mut lo, mut hi) = (1u32, n + 1);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let v = self.get(TableId::NESTED_CLASS, mid, 0);
            if v < type_row {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        (lo <= n && self.get(TableId::NESTED_CLASS, lo, 0) == type_row).then(|| self.get(TableId::NESTED_CLASS, lo, 1))
    }

    /// Range of member rows owned by `type_row` through list column `col`
    /// (4 = fields, 5 = methods): `start..end`.
    pub fn member_range(&self, type_row: u32, col: usize) -> std::ops::Range<u32> {
        let member_table = if col == 4 { TableId::FIELD } else { TableId::METHOD_DEF };
        list_range(self, TableId::TYPE_DEF, type_row, col, member_table)
    }

    /// Finds a method of a type by name (and signature blob, if given).
    pub fn find_method(&self, type_row: u32, name: &str, sig: Option<&[u8]>) -> Option<u32> {
        self.member_range(type_row, 5).find(|&m| {
            self.string(self.get(TableId::METHOD_DEF, m, 3)).ok() == Some(name)
                && sig.is_none_or(|s| self.blob(self.get(TableId::METHOD_DEF, m, 4)).ok() == Some(s))
        })
    }

    pub fn find_field(&self, type_row: u32, name: &str, sig: Option<&[u8]>) -> Option<u32> {
        self.member_range(type_row, 4).find(|&f| {
            self.string(self.get(TableId::FIELD, f, 1)).ok() == Some(name)
                && sig.is_none_or(|s| self.blob(self.get(TableId::FIELD, f, 2)).ok() == Some(s))
        })
    }
}

/// `start..end` of the child rows that row `row` of `owner` lists in `col`.
pub(crate) fn list_range(e: &Editor, owner: TableId, row: u32, col: usize, child: TableId) -> std::ops::Range<u32> {
    let n = e.rows(child);
    let start = e.get(owner, row, col).clamp(1, n + 1);
    let end = if row < e.rows(owner) { e.get(owner, row + 1, col).clamp(start, n + 1) } else { n + 1 };
    start..end
}

pub(crate) fn ncols(t: TableId) -> usize {
    t.schema().map_or(0, |s| s.cols.len())
}
