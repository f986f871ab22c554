//! The tables stream (`#~` or `#-`, ECMA-335 II.24.2.6): header, row counts
//! and a column layout that reads cells straight from the input bytes.

use super::error::{Error, Result};
use crate::le::*;
use crate::raw::cli::{HEAP_BLOB_WIDE, HEAP_EXTRA_DATA, HEAP_GUID_WIDE, HEAP_STRINGS_WIDE};
use crate::raw::tables::all_tables;
use crate::raw::{Col, TableId};

pub const MAX_COLS: usize = 9;
pub const NUM_TABLES: usize = 64;

/// Byte offsets and widths of one table's columns.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TableLayout {
    pub row_size: u32,
    pub ncols: u8,
    pub offsets: [u8; MAX_COLS],
    pub widths: [u8; MAX_COLS],
}

/// Column layouts of every table, fixed by heap widths and row counts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layout {
    pub heap_sizes: u8,
    pub tables: [TableLayout; NUM_TABLES],
}

impl Layout {
    /// `rows` gives the counts that decide index widths (for a standalone
    /// PDB these include the type-system counts from `#Pdb`). `all_wide`
    /// forces 4-byte indexes (the `#JTD` marker).
    pub fn new(heap_sizes: u8, rows: &[u32; NUM_TABLES], all_wide: bool) -> Layout {
        let mut tables = [TableLayout::default(); NUM_TABLES];
        for id in all_tables() {
            let schema = id.schema().expect("all_tables yields defined tables");
            let mut tl = TableLayout { ncols: schema.cols.len() as u8, ..Default::default() };
            let mut off = 0u32;
            for (i, (_, col)) in schema.cols.iter().enumerate() {
                let w = if all_wide && !matches!(col, Col::U16 | Col::U32) {
                    4
                } else {
                    match col {
                        Col::U16 => 2,
                        Col::U32 => 4,
                        Col::Str => if heap_sizes & HEAP_STRINGS_WIDE != 0 { 4 } else { 2 },
                        Col::Guid => if heap_sizes & HEAP_GUID_WIDE != 0 { 4 } else { 2 },
                        Col::Blob => if heap_sizes & HEAP_BLOB_WIDE != 0 { 4 } else { 2 },
                        Col::Table(t) => if rows[t.0 as usize] >= 0x10000 { 4 } else { 2 },
                        Col::Coded(c) => if c.is_wide(rows) { 4 } else { 2 },
                    }
                };
                tl.offsets[i] = off as u8;
                tl.widths[i] = w;
                off += w as u32;
            }
            tl.row_size = off;
            tables[id.0 as usize] = tl;
        }
        Layout { heap_sizes, tables }
    }
}

/// One table: its rows as a borrowed slice.
#[derive(Clone, Copy, Debug)]
pub struct Table<'data> {
    pub id: TableId,
    pub rows: u32,
    pub layout: TableLayout,
    pub data: &'data [u8],
    /// Offset of `data` within the tables stream.
    pub stream_offset: u32,
}

impl<'data> Table<'data> {
    /// Cell value of 1-based `row`, column `col`; 0 when out of range (the
    /// stream was checked to hold every row, so only bad arguments miss).
    #[inline]
    pub fn get(&self, row: u32, col: usize) -> u32 {
        if row == 0 || row > self.rows || col >= self.layout.ncols as usize {
            return 0;
        }
        let o = (row - 1) as usize * self.layout.row_size as usize + self.layout.offsets[col] as usize;
        if self.layout.widths[col] == 2 {
            u16_at(self.data, o).unwrap_or(0) as u32
        } else {
            u32_at(self.data, o).unwrap_or(0)
        }
    }

    pub fn row_bytes(&self, row: u32) -> &'data [u8] {
        let rs = self.layout.row_size as usize;
        let o = (row.saturating_sub(1)) as usize * rs;
        self.data.get(o..o + rs).unwrap_or(&[])
    }
}

/// The parsed tables stream.
#[derive(Clone, Debug)]
pub struct Tables<'data> {
    pub data: &'data [u8],
    pub major: u8,
    pub minor: u8,
    pub heap_sizes: u8,
    pub valid: u64,
    pub sorted: u64,
    pub rows: [u32; NUM_TABLES],
    pub extra: Option<u32>,
    pub layout: Layout,
    /// Offset where row data starts, and where it ends (padding follows).
    pub rows_start: u32,
    pub rows_end: u32,
    pub tables: [Option<Table<'data>>; NUM_TABLES],
}

impl<'data> Tables<'data> {
    /// `external_rows`: row counts of tables defined elsewhere (a standalone
    /// PDB's type-system tables), used only for index widths.
    pub fn parse(data: &'data [u8], external_rows: Option<&[u32; NUM_TABLES]>, all_wide: bool) -> Result<Self> {
        if data.len() < 24 {
            return Err(Error::at("tables stream header truncated", 0));
        }
        let major = data[4];
        let minor = data[5];
        let heap_sizes = data[6];
        let valid = u64_at(data, 8).unwrap_or(0);
        let sorted = u64_at(data, 16).unwrap_or(0);
        let mut rows = [0u32; NUM_TABLES];
        let mut off = 24usize;
        for (i, count) in rows.iter_mut().enumerate() {
            if valid & (1u64 << i) != 0 {
                if TableId(i as u8).schema().is_none() {
                    return Err(Error::at("tables stream marks an undefined table present", 8));
                }
                *count = u32_at(data, off).ok_or(Error::at("row counts truncated", off as u64))?;
                if *count >= 0x0100_0000 {
                    return Err(Error::at("row count exceeds the 24-bit token space", off as u64));
                }
                off += 4;
            }
        }
        let extra = if heap_sizes & HEAP_EXTRA_DATA != 0 {
            let v = u32_at(data, off).ok_or(Error::at("extra data truncated", off as u64))?;
            off += 4;
            Some(v)
        } else {
            None
        };
        let mut width_rows = rows;
        if let Some(ext) = external_rows {
            for i in 0..NUM_TABLES {
                if rows[i] == 0 {
                    width_rows[i] = ext[i];
                }
            }
        }
        let layout = Layout::new(heap_sizes, &width_rows, all_wide);
        let rows_start = off;
        let mut tables = [None; NUM_TABLES];
        for i in 0..NUM_TABLES {
            if rows[i] == 0 {
                continue;
            }
            let tl = layout.tables[i];
            let size = tl.row_size as u64 * rows[i] as u64;
            let end = off as u64 + size;
            if end > data.len() as u64 {
                return Err(Error {
                    what: "table rows run past the end of the tables stream",
                    offset: off as u64,
                    table: Some(TableId(i as u8)),
                    row: 0,
                });
            }
            tables[i] = Some(Table {
                id: TableId(i as u8),
                rows: rows[i],
                layout: tl,
                data: &data[off..end as usize],
                stream_offset: off as u32,
            });
            off = end as usize;
        }
        Ok(Tables {
            data, major, minor, heap_sizes, valid, sorted, rows, extra, layout,
            rows_start: rows_start as u32, rows_end: off as u32, tables,
        })
    }

    pub fn table(&self, id: TableId) -> Option<&Table<'data>> {
        self.tables.get(id.0 as usize)?.as_ref()
    }

    pub fn row_count(&self, id: TableId) -> u32 {
        self.rows[id.0 as usize]
    }

    /// Cell of `table`, 1-based `row`; 0 if the table or row is absent.
    #[inline]
    pub fn get(&self, id: TableId, row: u32, col: usize) -> u32 {
        match self.table(id) {
            Some(t) => t.get(row, col),
            None => 0,
        }
    }
}
