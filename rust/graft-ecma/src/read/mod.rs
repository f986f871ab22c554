//! Readers that borrow the input bytes. Parsing records where each part
//! lives (heaps, tables, bodies, resources) so the writer can copy untouched
//! parts as slices.

mod assembly;
mod attributes;
mod error;
mod heaps;
mod metadata;
mod pe;
mod tables;

pub use attributes::CustomAttribute;
pub use assembly::{Assembly, CliHeader, DebugEntry, Dir, ManagedResource, ReadyToRun};
pub use error::{Error, Result};
pub use heaps::{BlobHeap, GuidHeap, StringHeap, UserStringHeap};
pub use metadata::{Metadata, StreamHeader};
pub use pe::{PeFile, Section};
pub use tables::{Layout, Table, TableLayout, Tables};

#[doc(hidden)]
pub use heaps::compressed_u32 as heaps_compressed;

#[doc(hidden)]
pub mod tables_num {
    pub use super::tables::NUM_TABLES;
}
