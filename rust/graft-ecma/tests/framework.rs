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
    let dir = require_shared_framework();
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

/// Every managed framework assembly rewritten with its metadata moved (so
/// ReadyToRun code is dropped, strong names cleared, certificates removed),
/// then a real program runs on that framework and the SDK's reader checks
/// every rewritten file.
#[test]
fn round_tripped_framework_runs_a_program() {
    let fx = common::csharp::fixture();
    let dotnet = common::csharp::dotnet_root_copy("moved-framework", &|_, bytes| {
        let a = Assembly::read(bytes).ok()?;
        let w = write(&Editor::new(&a), &WriteOptions { force_new_section: true }).unwrap();
        assert!(w.changed && w.metadata_moved);
        Some(w.bytes)
    });
    let (ok, out, err) = common::csharp::run_dll(&dotnet, &fx.target_out.join("Target.dll"));
    assert!(ok, "program on the rewritten framework failed: {err}");
    assert_eq!(out, "1\nhello world\n-1\nnone\nnone\nno native\n0\n1.2\n");
    let fw = dotnet.parent().unwrap().join("shared/Microsoft.NETCore.App");
    let ver = std::fs::read_dir(&fw).unwrap().next().unwrap().unwrap().path();
    let (ok, text) = common::csharp::metadata_check(&ver);
    assert!(ok, "MetadataChecker rejected rewritten framework assemblies:\n{}", &text[..text.len().min(4000)]);
}

/// The NativeAOT runtime pack's managed libraries (its CoreLib is IL-only,
/// unlike the shared framework's ReadyToRun one).
#[test]
fn nativeaot_runtime_pack_round_trips() {
    // Restored on demand when absent.
    let dir = common::nativeaot::native_dir();
    let corelib = std::fs::read(dir.join("System.Private.CoreLib.dll")).unwrap();
    let a = Assembly::read(&corelib).unwrap();
    assert!(a.ready_to_run().is_none(), "NativeAOT CoreLib is IL-only");
    let mut n = 0;
    for f in managed_files(dir) {
        let bytes = std::fs::read(&f).unwrap();
        let Ok(a) = Assembly::read(&bytes) else { continue };
        assert!(first_diff(&graft_ecma::rewrite(&bytes).unwrap(), &bytes).is_none(), "{}", f.display());
        let w = write(&Editor::new(&a), &WriteOptions { force_new_section: true }).unwrap();
        let b = Assembly::read(&w.bytes).unwrap();
        assert_same_metadata(&a, &b, &f.display().to_string());
        assert_same_bodies(&a, &b, &f.display().to_string());
        n += 1;
    }
    assert!(n >= 1);
}

/// Our PE checksum agrees with the one the framework's build stored.
#[test]
fn pe_checksum_matches_stored_values() {
    let dir = require_shared_framework();
    let mut checked = 0;
    for f in managed_files(&dir).iter().take(40) {
        let bytes = std::fs::read(f).unwrap();
        let Ok(pe) = graft_ecma::read::PeFile::parse(&bytes) else { continue };
        let off = pe.opt_offset + 64;
        let stored = u32::from_le_bytes(bytes[off..off + 4].try_into().unwrap());
        if stored != 0 {
            assert_eq!(graft_ecma::write::pe_checksum(&bytes, off), stored, "{}", f.display());
            checked += 1;
        }
    }
    eprintln!("{checked} stored checksums compared");
    assert!(checked > 0, "no framework file carries a checksum to compare with");
}
