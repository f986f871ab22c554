//! Shared test helpers: finding the installed framework, comparing two
//! readings of an assembly.
#![allow(dead_code)]

use graft_ecma::Assembly;
use graft_ecma::raw::tables::all_tables;
use graft_ecma::raw::TableId;
use std::path::Path;

#[path = "../../examples/support/framework.rs"]
mod framework;
pub use framework::{managed_files, require_dotnet, require_shared_framework};

/// A PE without a CLI header (native libraries shipped next to managed ones).
pub fn is_native(bytes: &[u8]) -> bool {
    graft_ecma::read::PeFile::parse(bytes).map(|p| p.dir(14).0 == 0).unwrap_or(true)
}

pub fn assert_same_metadata(a: &Assembly, b: &Assembly, what: &str) {
    let (ma, mb) = (&a.metadata, &b.metadata);
    for t in all_tables() {
        let (ra, rb) = (ma.tables.row_count(t), mb.tables.row_count(t));
        assert_eq!(ra, rb, "{what}: row count of {}", t.name());
        let n = t.schema().unwrap().cols.len();
        for r in 1..=ra {
            for c in 0..n {
                assert_eq!(ma.tables.get(t, r, c), mb.tables.get(t, r, c), "{what}: {} row {r} col {c}", t.name());
            }
        }
    }
    assert_eq!(ma.strings.data, mb.strings.data, "{what}: #Strings");
    assert_eq!(ma.blobs.data, mb.blobs.data, "{what}: #Blob");
    assert_eq!(ma.guids.data, mb.guids.data, "{what}: #GUID");
    assert_eq!(ma.user_strings.data, mb.user_strings.data, "{what}: #US");
}

pub fn assert_same_bodies(a: &Assembly, b: &Assembly, what: &str) {
    let n = a.metadata.tables.row_count(TableId::METHOD_DEF);
    for r in 1..=n {
        let ba = a.method_body(r).unwrap_or_else(|e| panic!("{what}: {e}"));
        let bb = b.method_body(r).unwrap_or_else(|e| panic!("{what}: {e}"));
        match (ba, bb) {
            (None, None) => {}
            (Some(x), Some(y)) => {
                assert_eq!(x.code, y.code, "{what}: body of method {r}");
                assert_eq!(x.eh, y.eh, "{what}: EH of method {r}");
                assert_eq!((x.max_stack, x.local_sig, x.init_locals), (y.max_stack, y.local_sig, y.init_locals));
                for i in graft_ecma::il::Instrs::new(x.code) {
                    i.unwrap_or_else(|e| panic!("{what}: method {r}: {e}"));
                }
            }
            _ => panic!("{what}: method {r} body presence differs"),
        }
    }
}

pub fn first_diff(a: &[u8], b: &[u8]) -> Option<usize> {
    if a == b {
        return None;
    }
    Some(a.iter().zip(b).position(|(x, y)| x != y).unwrap_or(a.len().min(b.len())))
}

pub mod csharp;
pub mod nativeaot;

/// Loads framework assemblies by simple name for type-forwarder resolution.
pub struct DirResolver {
    pub asms: std::collections::HashMap<String, graft_ecma::Assembly<'static>>,
}

impl DirResolver {
    pub fn new(dir: &Path) -> Self {
        let mut asms = std::collections::HashMap::new();
        for f in managed_files(dir) {
            let bytes: &'static [u8] = Box::leak(std::fs::read(&f).unwrap().into_boxed_slice());
            if let Ok(a) = graft_ecma::Assembly::read(bytes)
                && let Some(n) = a.name() {
                    asms.insert(n.to_ascii_lowercase(), a);
                }
        }
        DirResolver { asms }
    }
}

impl graft_ecma::edit::Resolver for DirResolver {
    fn resolve(&self, name: &str) -> Option<&graft_ecma::Assembly<'_>> {
        self.asms.get(&name.to_ascii_lowercase())
    }
}

/// Every table ECMA-335 requires sorted is sorted by its key columns.
pub fn assert_sorted(a: &Assembly, what: &str) {
    for t in all_tables() {
        let keys = t.schema().unwrap().sort_keys;
        if keys.is_empty() {
            continue;
        }
        let key = |r: u32| -> Vec<u32> { keys.iter().map(|&k| a.metadata.tables.get(t, r, k)).collect() };
        for r in 2..=a.metadata.tables.row_count(t) {
            assert!(key(r - 1) <= key(r), "{what}: {} not sorted at row {r}", t.name());
        }
    }
}
