//! Graft's ECMA-335 engine: reads .NET assemblies losslessly, lets a patcher
//! change them, and writes them back copying whatever did not change.
//!
//! Layers, as in gimli-rs/object: [`raw`] holds on-disk shapes, [`read`]
//! borrows input bytes, [`sig`] and [`il`] decode blobs and bodies, [`edit`]
//! holds changes, [`write`] lays out and emits the result.

pub mod edit;
pub mod il;
mod inspect;
mod le;
pub mod pdb;
pub mod raw;
pub mod read;
pub mod sig;
pub mod write;

pub use inspect::inspect;
pub use read::{Assembly, Error, Result};

/// Reads an assembly and writes it back with no change (`graft rewrite`).
/// The output is the input's bytes when the rebuilt
/// metadata is identical.
pub fn rewrite(bytes: &[u8]) -> Result<Vec<u8>> {
    let a = Assembly::read(bytes)?;
    let e = edit::Editor::new(&a);
    Ok(write::write(&e, &write::WriteOptions::default())?.bytes)
}
