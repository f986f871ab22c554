//! Round trips of the installed shared framework: every assembly is read,
//! written (in place and with metadata moved to a new section), read back,
//! and compared table by table, heap by heap.

mod common;

use common::*;
use graft_ecma::Assembly;
use graft_ecma::edit::Editor;
use graft_ecma::write::{WriteOptions, write};

#[test]
fn shared_framework_round_trips() {
    let Some(dir) = shared_framework_dir() else {
        eprintln!("note: no Microsoft.NETCore.App runtime found; skipping");
        return;
    };
    let files = managed_files(&dir);
    assert!(files.len() > 100, "expected the whole shared framework in {}", dir.display());
    let mut checked = 0;
    for f in &files {
        let bytes = std::fs::read(f).unwrap();
        let a = match Assembly::read(&bytes) {
            Ok(a) => a,
            Err(e) if is_native(&bytes) => {
                let _ = e;
                continue;
            }
            Err(e) => panic!("{}: {e}", f.display()),
        };
        // Plain rewrite: metadata rebuilt; unchanged means identical bytes.
        let out = graft_ecma::rewrite(&bytes).unwrap();
        if let Some(d) = first_diff(&out, &bytes) {
            panic!("{}: no-change rewrite differs from the input at 0x{d:x} (len {} vs {})", f.display(), out.len(), bytes.len());
        }
        // Forced move of the metadata into a new section.
        let e = Editor::new(&a);
        let w = write(&e, &WriteOptions { force_new_section: true }).unwrap();
        let b = Assembly::read(&w.bytes).unwrap_or_else(|e| panic!("{}: reading back: {e}", f.display()));
        assert_same_metadata(&a, &b, &f.display().to_string());
        assert_same_bodies(&a, &b, &f.display().to_string());
        checked += 1;
    }
    eprintln!("round-tripped {checked} assemblies");
    assert!(checked > 100);
}
