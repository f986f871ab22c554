//! On-disk shapes: PE/COFF headers, the CLI header, the metadata root and the
//! row schema of every ECMA-335 table. No parsing policy lives here; `read`
//! and `write` share these definitions so both sides agree on every byte.

pub mod cli;
pub mod coded;
pub mod pe;
pub mod tables;

pub use coded::CodedIndex;
pub use tables::{Col, TableId};
