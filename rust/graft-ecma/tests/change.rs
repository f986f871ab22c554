//! The change API on C# compiled at test time: bodies replaced with IL from
//! another assembly (calls, generics, strings, fields, exception handling),
//! added members, a P/Invoke made managed; the patched assembly runs on
//! dotnet and prints what the new code computes.

mod common;

use common::csharp::*;
use common::*;
use graft_ecma::Assembly;
use graft_ecma::edit::{Editor, Importer, NewMethod, NewParam};
use graft_ecma::il::NewBody;
use graft_ecma::raw::TableId;
use graft_ecma::write::{WriteOptions, write};
use std::path::Path;

fn method_row(a: &Assembly, ty: &str, name: &str) -> u32 {
    let e = Editor::new(a);
    let (ns, n) = ty.rsplit_once('.').unwrap_or(("", ty));
    let t = e.find_type(ns, n).unwrap_or_else(|| panic!("type {ty}"));
    e.find_method(t, name, None).unwrap_or_else(|| panic!("method {ty}.{name}"))
}

const EXPECTED_PATCHED: &str = "42\nplugged world, counter=0\n6\ncaught boom\na+b:7:1:KeyValuePair`2\n42\n50\n1.2\n";
const EXPECTED_ORIGINAL: &str = "1\nhello world\n-1\nnone\nnone\nno native\n0\n1.2\n";

/// Applies every change of the suite to Target.dll and returns the output.
fn patch_target(target: &[u8], plugs: &[u8]) -> Vec<u8> {
    let t = Assembly::read(target).unwrap();
    let p = Assembly::read(plugs).unwrap();
    let mut e = Editor::new(&t);
    let mut imp = Importer::new(&p, None);
    let target_type = e.find_type("", "Target").unwrap();

    for name in ["Answer", "Greet", "Sum", "Catch", "Generic", "Native"] {
        let body = p.method_body(method_row(&p, "Plugs", name)).unwrap().unwrap();
        let nb = imp.import_body(&mut e, &body).unwrap();
        let row = e.find_method(target_type, name, None).unwrap();
        if name == "Native" {
            e.make_managed(row).unwrap();
        }
        e.replace_body(row, nb).unwrap();
    }

    // Added members, used from a replaced body.
    let field = e.add_field(target_type, 0x0016, "AddedField", &[0x06, 0x08]).unwrap();
    let code = vec![0x02, 0x1F, 10, 0x5A, 0x2A]; // ldarg.0; ldc.i4.s 10; mul; ret
    let added = e
        .add_method(target_type, NewMethod {
            flags: 0x0096,
            impl_flags: 0,
            name: "Added".into(),
            signature: vec![0x00, 0x01, 0x08, 0x08],
            params: vec![NewParam { flags: 0, sequence: 1, name: "x".into() }],
            body: Some(NewBody { max_stack: 2, code, ..Default::default() }),
        })
        .unwrap();
    let mut code = vec![0x1B, 0x28];
    code.extend_from_slice(&TableId::METHOD_DEF.token(added).to_le_bytes());
    code.push(0x80);
    code.extend_from_slice(&TableId::FIELD.token(field).to_le_bytes());
    code.push(0x7E);
    code.extend_from_slice(&TableId::FIELD.token(field).to_le_bytes());
    code.push(0x2A);
    let uses = e.find_method(target_type, "UsesAdded", None).unwrap();
    e.replace_body(uses, NewBody { max_stack: 2, code, ..Default::default() }).unwrap();
    write(&e, &WriteOptions::default()).unwrap().bytes
}

#[test]
fn patched_assembly_runs_on_dotnet() {
    let fx = fixture();
    let target = std::fs::read(fx.target_out.join("Target.dll")).unwrap();
    let plugs = std::fs::read(&fx.plugs_dll).unwrap();

    let run_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("change-run");
    let _ = std::fs::remove_dir_all(&run_dir);
    copy_dir(&fx.target_out, &run_dir);
    let (ok, out, err) = run_dll(Path::new("dotnet"), &run_dir.join("Target.dll"));
    assert!(ok, "original program failed: {err}");
    assert_eq!(out, EXPECTED_ORIGINAL);

    let patched = patch_target(&target, &plugs);
    std::fs::write(run_dir.join("Target.dll"), &patched).unwrap();
    let (ok, out, err) = run_dll(Path::new("dotnet"), &run_dir.join("Target.dll"));
    assert!(ok, "patched program failed: {err}\nstdout: {out}");
    assert_eq!(out, EXPECTED_PATCHED);

    // Read back: tables consistent, the new members where they belong.
    let b = Assembly::read(&patched).unwrap();
    let e = Editor::new(&b);
    let tt = e.find_type("", "Target").unwrap();
    assert!(e.find_method(tt, "Added", Some(&[0x00, 0x01, 0x08, 0x08])).is_some());
    assert!(e.find_field(tt, "AddedField", None).is_some());
    let pt = e.find_type("", "Program").unwrap();
    let main = e.find_method(pt, "Main", None).unwrap();
    assert_eq!(b.cli.entry_point, TableId::METHOD_DEF.token(main), "entry point follows the moved Main");
    assert_eq!(b.metadata.tables.row_count(TableId::IMPL_MAP), 0, "the P/Invoke's ImplMap row is gone");
    for r in 1..=b.metadata.tables.row_count(TableId::METHOD_DEF) {
        if let Some(body) = b.method_body(r).unwrap() {
            for i in graft_ecma::il::Instrs::new(body.code) {
                i.unwrap();
            }
        }
    }
    let (ok, text) = metadata_check(&run_dir.join("Target.dll"));
    assert!(ok, "MetadataChecker rejected the patched assembly:\n{text}");
}

#[test]
fn importing_reuses_existing_rows() {
    let fx = fixture();
    let target = std::fs::read(fx.target_out.join("Target.dll")).unwrap();
    let plugs = std::fs::read(&fx.plugs_dll).unwrap();
    let t = Assembly::read(&target).unwrap();
    let p = Assembly::read(&plugs).unwrap();
    let mut e = Editor::new(&t);
    let mut imp = Importer::new(&p, None);
    let body = p.method_body(method_row(&p, "Plugs", "Greet")).unwrap().unwrap();
    imp.import_body(&mut e, &body).unwrap();
    let (refs, asm_refs) = (e.rows(TableId::TYPE_REF), e.rows(TableId::ASSEMBLY_REF));
    // A second importer over the same body must find every row it needs.
    let mut imp2 = Importer::new(&p, None);
    imp2.import_body(&mut e, &body).unwrap();
    assert_eq!(e.rows(TableId::TYPE_REF), refs);
    assert_eq!(e.rows(TableId::ASSEMBLY_REF), asm_refs);
    // Target's own type is a TypeDef, not a reference to itself.
    let names: Vec<String> = (1..=e.rows(TableId::TYPE_REF)).map(|r| e.string(e.get(TableId::TYPE_REF, r, 1)).unwrap().to_string()).collect();
    assert!(!names.contains(&"Target".to_string()), "Target must resolve to its TypeDef: {names:?}");
}

/// Plugs CoreLib itself: the plug body reaches CoreLib types through the
/// System.Runtime facade, so importing must follow its forwarders; CoreLib
/// is ReadyToRun, so the rewrite must drop native code cleanly.
#[test]
fn patched_corelib_runs_a_program() {
    let fx = fixture();
    let fw = require_shared_framework();
    let plugs = std::fs::read(&fx.plugs_dll).unwrap();
    let resolver = DirResolver::new(&fw);
    let dotnet = dotnet_root_copy("patched-corelib", &|path, bytes| {
        if path.file_name()? != "System.Private.CoreLib.dll" {
            return None;
        }
        let t = Assembly::read(bytes).unwrap();
        let p = Assembly::read(&plugs).unwrap();
        let mut e = Editor::new(&t);
        let mut imp = Importer::new(&p, Some(&resolver));
        let body = p.method_body(method_row(&p, "Plugs", "VersionToString")).unwrap().unwrap();
        let nb = imp.import_body(&mut e, &body).unwrap();
        let vt = e.find_type("System", "Version").unwrap();
        let row = e.find_method(vt, "ToString", Some(&[0x20, 0x00, 0x0E])).unwrap();
        e.replace_body(row, nb).unwrap();
        assert_eq!(e.rows(TableId::ASSEMBLY_REF), t.metadata.tables.row_count(TableId::ASSEMBLY_REF), "no reference to a facade was added");
        let w = write(&e, &WriteOptions::default()).unwrap();
        assert!(w.dropped_ready_to_run && w.cleared_strong_name);
        let back = Assembly::read(&w.bytes).unwrap();
        assert!(back.ready_to_run().is_none());
        Some(w.bytes)
    });
    let (ok, out, err) = run_dll(&dotnet, &fx.target_out.join("Target.dll"));
    assert!(ok, "program on patched CoreLib failed: {err}");
    assert_eq!(out, EXPECTED_ORIGINAL.replace("\n1.2\n", "\npatched 1.2\n"));
}

/// The PDB follows the patch: sequence points of replaced bodies come from
/// the plug's PDB, added methods get empty debug rows, and the CodeView id
/// and PDB checksum in the image match the rewritten PDB.
#[test]
fn rewritten_pdb_matches_the_patched_assembly() {
    use graft_ecma::pdb::{MethodSource, rewrite, update_debug_directory};
    use graft_ecma::read::Metadata;
    let fx = fixture();
    let target = std::fs::read(fx.target_out.join("Target.dll")).unwrap();
    let plugs = std::fs::read(&fx.plugs_dll).unwrap();
    let target_pdb = std::fs::read(fx.target_out.join("Target.pdb")).unwrap();
    let plugs_pdb = std::fs::read(fx.plugs_dll.with_extension("pdb")).unwrap();
    let t = Assembly::read(&target).unwrap();
    let p = Assembly::read(&plugs).unwrap();
    let tpdb = Metadata::parse(&target_pdb).unwrap();
    let ppdb = Metadata::parse(&plugs_pdb).unwrap();
    let mut e = Editor::new(&t);
    let mut imp = Importer::new(&p, None);
    let tt = e.find_type("", "Target").unwrap();
    let mut sources = Vec::new();
    for name in ["Answer", "Catch", "Generic"] {
        let prow = method_row(&p, "Plugs", name);
        let body = p.method_body(prow).unwrap().unwrap();
        let nb = imp.import_body(&mut e, &body).unwrap();
        let row = e.find_method(tt, name, None).unwrap();
        sources.push((row, prow, nb.local_sig & 0xFF_FFFF, nb.code.len() as u32));
        e.replace_body(row, nb).unwrap();
    }
    // An added method shifts Program's methods; its debug row must be empty.
    let added = e
        .add_method(tt, NewMethod {
            flags: 0x0096,
            name: "Added".into(),
            signature: vec![0x00, 0x00, 0x08],
            body: Some(NewBody { max_stack: 1, code: vec![0x16, 0x2A], ..Default::default() }),
            ..Default::default()
        })
        .unwrap();
    // Rows were inserted after the sources were recorded: use current rows.
    let sources: Vec<MethodSource> = sources
        .iter()
        .map(|&(row, prow, ls, cs)| MethodSource {
            target_row: if row >= added { row + 1 } else { row },
            source_pdb: &ppdb,
            source_row: prow,
            local_sig_row: ls,
            code_size: cs,
        })
        .collect();
    let mut w = write(&e, &WriteOptions::default()).unwrap();
    let new_pdb = rewrite(&tpdb, &e, &sources).unwrap();
    update_debug_directory(&mut w.bytes, &t, &new_pdb).unwrap();

    let b = Assembly::read(&w.bytes).unwrap();
    let cv = b.debug_entries().unwrap().into_iter().find_map(|d| d.codeview().map(|c| c.0)).unwrap();
    let pdb = Metadata::parse(&new_pdb.bytes).unwrap();
    assert_eq!(cv, pdb.pdb.unwrap().id[..16], "CodeView GUID equals the PDB id");
    let mdi = pdb.tables.table(TableId::METHOD_DEBUG_INFORMATION).unwrap();
    assert_eq!(mdi.rows, b.metadata.tables.row_count(TableId::METHOD_DEF));
    assert_eq!((mdi.get(added, 0), mdi.get(added, 1)), (0, 0), "added method has no sequence points");
    let doc_name = |row: u32| -> String {
        let d = mdi.get(row, 0);
        let name = pdb.blobs.get(pdb.tables.get(TableId::DOCUMENT, d, 0)).unwrap();
        let sep = name[0] as char;
        let mut r = graft_ecma::sig::Reader::new(&name[1..]);
        let mut parts = Vec::new();
        while !r.at_end() {
            parts.push(String::from_utf8_lossy(pdb.blobs.get(r.compressed().unwrap()).unwrap()).into_owned());
        }
        parts.join(&sep.to_string())
    };
    let be = Editor::new(&b);
    let answer = be.find_method(be.find_type("", "Target").unwrap(), "Answer", None).unwrap();
    let main = be.find_method(be.find_type("", "Program").unwrap(), "Main", None).unwrap();
    assert!(doc_name(answer).ends_with("Plugs.cs"), "{}", doc_name(answer));
    assert!(doc_name(main).ends_with("Target.cs"), "{}", doc_name(main));
    assert_eq!(pdb.pdb.unwrap().entry_point, TableId::METHOD_DEF.token(main));

    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("pdb-check");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("Target.dll"), &w.bytes).unwrap();
    std::fs::write(dir.join("Target.pdb"), &new_pdb.bytes).unwrap();
    let (ok, text) = metadata_check_args(&[dir.join("Target.dll").as_os_str(), "--pdb".as_ref(), dir.join("Target.pdb").as_os_str()]);
    assert!(ok, "MetadataChecker rejected the assembly and PDB:\n{text}");
}

/// An embedded portable PDB is inflated, rewritten and embedded again; the
/// program still runs and the new PDB names the plug's source.
#[test]
fn embedded_pdb_is_rewritten() {
    use graft_ecma::pdb::{MethodSource, rewrite_embedded, update_debug_directory};
    use graft_ecma::read::Metadata;
    let fx = fixture();
    let emb = std::fs::read(fx.emb_out.join("Emb.dll")).unwrap();
    let plugs = std::fs::read(&fx.plugs_dll).unwrap();
    let plugs_pdb = std::fs::read(fx.plugs_dll.with_extension("pdb")).unwrap();
    let a = Assembly::read(&emb).unwrap();
    let p = Assembly::read(&plugs).unwrap();
    let ppdb = Metadata::parse(&plugs_pdb).unwrap();
    let mut e = Editor::new(&a);
    let prow = method_row(&p, "Plugs", "Answer");
    let nb = Importer::new(&p, None).import_body(&mut e, &p.method_body(prow).unwrap().unwrap()).unwrap();
    let row = e.find_method(e.find_type("", "Emb").unwrap(), "Value", None).unwrap();
    let code_size = nb.code.len() as u32;
    e.replace_body(row, nb).unwrap();
    let src = [MethodSource { target_row: row, source_pdb: &ppdb, source_row: prow, local_sig_row: 0, code_size }];
    let new_pdb = rewrite_embedded(&a, &mut e, &src).unwrap().expect("Emb has an embedded PDB");
    let mut w = write(&e, &WriteOptions::default()).unwrap();
    update_debug_directory(&mut w.bytes, &a, &new_pdb).unwrap();

    let b = Assembly::read(&w.bytes).unwrap();
    let entries = b.debug_entries().unwrap();
    let inflated = entries.iter().find_map(|d| d.embedded_pdb(1 << 24)).unwrap().unwrap();
    assert_eq!(inflated, new_pdb.bytes, "the embedded entry holds the rewritten PDB");
    let md = Metadata::parse(&inflated).unwrap();
    let cv = entries.iter().find_map(|d| d.codeview().map(|c| c.0)).unwrap();
    assert_eq!(cv, md.pdb.unwrap().id[..16]);
    let mdi = md.tables.table(TableId::METHOD_DEBUG_INFORMATION).unwrap();
    let doc = md.tables.get(TableId::DOCUMENT, mdi.get(row, 0), 0);
    let name = md.blobs.get(doc).unwrap();
    let mut r = graft_ecma::sig::Reader { data: name, pos: 1 };
    let mut parts = Vec::new();
    while !r.at_end() {
        parts.push(String::from_utf8_lossy(md.blobs.get(r.compressed().unwrap()).unwrap()).into_owned());
    }
    assert_eq!(parts.last().map(String::as_str), Some("Plugs.cs"), "{parts:?}");

    let run_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("emb-run");
    let _ = std::fs::remove_dir_all(&run_dir);
    copy_dir(&fx.emb_out, &run_dir);
    std::fs::write(run_dir.join("Emb.dll"), &w.bytes).unwrap();
    let (ok, out, err) = run_dll(Path::new("dotnet"), &run_dir.join("Emb.dll"));
    assert!(ok, "{err}");
    assert_eq!(out, "42\n");
    let (ok, text) = metadata_check(&run_dir.join("Emb.dll"));
    assert!(ok, "MetadataChecker rejected the assembly with its embedded PDB:\n{text}");
}

/// Adding members early in CoreLib moves tens of thousands of rows: every
/// reference, generic parameter owner and sorted table must follow, and a
/// program must still run on the result.
#[test]
fn members_added_to_corelib_keep_tables_consistent_and_run() {
    let fx = fixture();
    require_shared_framework();
    let describe_generic_params = |a: &Assembly| -> Vec<(String, u32, String)> {
        let md = &a.metadata;
        let e = Editor::new(a);
        let mut v: Vec<(String, u32, String)> = (1..=md.tables.row_count(TableId::GENERIC_PARAM))
            .map(|r| {
                let owner = md.tables.get(TableId::GENERIC_PARAM, r, 2);
                let (t, row) = graft_ecma::raw::coded::TYPE_OR_METHOD_DEF.decode(owner).unwrap();
                let owner_name = if t == TableId::TYPE_DEF {
                    e.string(e.get(t, row, 1)).unwrap().to_string()
                } else {
                    e.string(e.get(t, row, 3)).unwrap().to_string()
                };
                (owner_name, md.tables.get(TableId::GENERIC_PARAM, r, 0), md.strings.get(md.tables.get(TableId::GENERIC_PARAM, r, 3)).unwrap().to_string())
            })
            .collect();
        v.sort();
        v
    };
    let dotnet = dotnet_root_copy("corelib-added-members", &|path, bytes| {
        if path.file_name()? != "System.Private.CoreLib.dll" {
            return None;
        }
        let a = Assembly::read(bytes).unwrap();
        let mut e = Editor::new(&a);
        let object = e.find_type("System", "Object").unwrap();
        let math = e.find_type("System", "Math").unwrap();
        e.add_field(math, 0x0016, "GraftAddedField", &[0x06, 0x08]).unwrap();
        let m = e
            .add_method(object, NewMethod {
                flags: 0x0096,
                name: "GraftAdded".into(),
                signature: vec![0x00, 0x01, 0x08, 0x08],
                params: vec![NewParam { flags: 0, sequence: 1, name: "x".into() }],
                body: Some(NewBody { max_stack: 1, code: vec![0x02, 0x2A], ..Default::default() }),
                ..Default::default()
            })
            .unwrap();
        assert!(m + 1000 < e.rows(TableId::METHOD_DEF), "rows after Object's methods move ({m})");
        let w = write(&e, &WriteOptions::default()).unwrap();
        let b = Assembly::read(&w.bytes).unwrap();
        assert_sorted(&b, "CoreLib with added members");
        assert_eq!(describe_generic_params(&a), describe_generic_params(&b), "generic parameters keep their owners");
        let be = Editor::new(&b);
        assert!(be.find_method(be.find_type("System", "Object").unwrap(), "GraftAdded", None).is_some());
        assert!(be.find_method(be.find_type("System", "Object").unwrap(), "ToString", None).is_some());
        assert!(be.find_field(be.find_type("System", "Math").unwrap(), "GraftAddedField", None).is_some());
        Some(w.bytes)
    });
    let (ok, out, err) = run_dll(&dotnet, &fx.target_out.join("Target.dll"));
    assert!(ok, "program on CoreLib with added members failed: {err}");
    assert_eq!(out, EXPECTED_ORIGINAL);
}
