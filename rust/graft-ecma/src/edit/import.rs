//! Importing references from another assembly (filled in below).

pub struct Importer;
pub trait Resolver {}
