//! Writes an edited assembly. The original image is copied unchanged and
//! only what changed is placed anew:
//!
//! * metadata is rebuilt (untouched heaps and tables copied as slices); it
//!   goes back where it was when it fits, otherwise into a new section;
//! * new and replaced method bodies go into that new section; untouched
//!   bodies, resources, RVA field data and native code never move, so no RVA
//!   in the image needs fixing;
//! * if the bytes changed: ReadyToRun code is dropped (its header would
//!   describe other IL), the strong-name signature is zeroed and its flag
//!   cleared (the assembly becomes delay-signed: same identity, no
//!   signature), an Authenticode certificate is removed, and a non-zero PE
//!   checksum is recomputed.

mod image;
pub mod metadata;

pub use image::{WriteOptions, Written, pe_checksum, write};
