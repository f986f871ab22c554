use crate::raw::TableId;
use std::fmt;

/// A read error: what was wrong and where. `Copy` and allocation-free so that
/// failing on hostile input stays cheap.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Error {
    pub what: &'static str,
    /// File offset (or offset inside the named stream/heap) where known.
    pub offset: u64,
    pub table: Option<TableId>,
    /// 1-based row, 0 when not about a row.
    pub row: u32,
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub const fn at(what: &'static str, offset: u64) -> Error {
        Error { what, offset, table: None, row: 0 }
    }

    pub const fn row(what: &'static str, table: TableId, row: u32) -> Error {
        Error { what, offset: 0, table: Some(table), row }
    }

    pub fn with_row(mut self, table: TableId, row: u32) -> Error {
        self.table = Some(table);
        self.row = row;
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.what)?;
        if let Some(t) = self.table {
            write!(f, " in {} row {}", t.name(), self.row)?;
        }
        if self.offset != 0 || self.table.is_none() {
            write!(f, " at offset 0x{:x}", self.offset)?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

/// Turns a failed `Option` into an [`Error`] naming the field.
pub trait ReadError<T> {
    fn read_error(self, what: &'static str, offset: usize) -> Result<T>;
}

impl<T> ReadError<T> for Option<T> {
    #[inline]
    fn read_error(self, what: &'static str, offset: usize) -> Result<T> {
        self.ok_or(Error::at(what, offset as u64))
    }
}
