//! What the plug patcher reads and adds through the engine: custom
//! attributes (the iterator, per-row lookup, attribute type names), type
//! full names (nested as `Outer+Inner`), member owners, a method's first
//! source line from its portable PDB, and custom attributes added to a
//! method. On the shared framework's CoreLib and on C# compiled at test time.

mod common;

use common::csharp::*;
use common::*;
use graft_ecma::Assembly;
use graft_ecma::edit::{Editor, Importer, NewMethod};
use graft_ecma::raw::TableId;
use graft_ecma::read::Metadata;
use graft_ecma::write::{WriteOptions, write};

fn corelib() -> Vec<u8> {
    std::fs::read(require_shared_framework().join("System.Private.CoreLib.dll")).unwrap()
}

#[test]
fn every_corelib_attribute_is_found_on_its_parent() {
    let bytes = corelib();
    let a = Assembly::read(&bytes).unwrap();
    let md = &a.metadata;
    let all: Vec<_> = md.custom_attributes().collect::<Result<_, _>>().unwrap();
    assert_eq!(all.len() as u32, md.tables.row_count(TableId::CUSTOM_ATTRIBUTE));
    assert!(all.len() > 1000);
    for ca in &all {
        let on_parent = md.attributes_of(ca.parent.0, ca.parent.1).unwrap();
        assert!(on_parent.contains(ca), "row {} not found on its parent {:?}", ca.row, ca.parent);
        // Every constructor belongs to a type with a name.
        let ty = md.attribute_type(ca.ctor).unwrap();
        if ty >> 24 != TableId::TYPE_SPEC.0 as u32 {
            assert!(md.type_full_name(ty).unwrap().ends_with("Attribute"), "{}", md.type_full_name(ty).unwrap());
        }
    }
    let names: Vec<String> = all.iter().filter_map(|ca| md.type_full_name(md.attribute_type(ca.ctor).ok()?).ok()).collect();
    assert!(names.iter().any(|n| n == "System.AttributeUsageAttribute"), "no AttributeUsage among {} attributes", names.len());
}

#[test]
fn type_names_and_member_owners_match_a_linear_walk() {
    let bytes = corelib();
    let a = Assembly::read(&bytes).unwrap();
    let md = &a.metadata;
    let e = Editor::new(&a);
    let list = e.find_type("System.Collections.Generic", "List`1").unwrap();
    let enumerator = e.find_type("System.Collections.Generic", "List`1/Enumerator").unwrap();
    assert_eq!(md.type_full_name(TableId::TYPE_DEF.token(list)).unwrap(), "System.Collections.Generic.List`1");
    assert_eq!(md.type_full_name(TableId::TYPE_DEF.token(enumerator)).unwrap(), "System.Collections.Generic.List`1+Enumerator");
    assert_eq!(md.enclosing_of(enumerator), Some(list));
    assert_eq!(md.enclosing_of(list), None);
    for t in (1..=md.tables.row_count(TableId::TYPE_DEF)).step_by(7) {
        for m in e.member_range(t, 5) {
            assert_eq!(md.owner_of(TableId::METHOD_DEF, m), Some(t), "method {m}");
        }
        for f in e.member_range(t, 4) {
            assert_eq!(md.owner_of(TableId::FIELD, f), Some(t), "field {f}");
        }
    }
}

#[test]
fn a_methods_first_source_line_comes_from_its_pdb() {
    let fx = fixture();
    let bytes = std::fs::read(&fx.plugs_dll).unwrap();
    let pdb_bytes = std::fs::read(fx.plugs_dll.with_extension("pdb")).unwrap();
    let a = Assembly::read(&bytes).unwrap();
    let pdb = Metadata::parse(&pdb_bytes).unwrap();
    let e = Editor::new(&a);
    let plugs = e.find_type("", "Plugs").unwrap();
    for (name, needle) in [("Answer", "public static int Answer()"), ("Catch", "try { throw")] {
        let m = e.find_method(plugs, name, None).unwrap();
        let line = graft_ecma::pdb::method_source_line(&pdb, m).unwrap().unwrap_or_else(|| panic!("{name} has no line"));
        let expected = PLUGS_CS.lines().position(|l| l.contains(needle)).unwrap() as u32 + 1;
        assert_eq!(line.line, expected, "{name}");
        assert!(line.column > 1, "{name}: column {}", line.column);
        assert!(line.document.ends_with("Plugs.cs"), "{}", line.document);
    }
    // No body, no sequence points.
    let target = std::fs::read(fx.target_out.join("Target.dll")).unwrap();
    let t = Assembly::read(&target).unwrap();
    let te = Editor::new(&t);
    let native = te.find_method(te.find_type("", "Target").unwrap(), "Native", None).unwrap();
    let tpdb_bytes = std::fs::read(fx.target_out.join("Target.pdb")).unwrap();
    let tpdb = Metadata::parse(&tpdb_bytes).unwrap();
    assert_eq!(graft_ecma::pdb::method_source_line(&tpdb, native).unwrap(), None);
}

#[test]
fn an_added_attribute_reads_back_on_its_method() {
    let fx = fixture();
    let target = std::fs::read(fx.target_out.join("Target.dll")).unwrap();
    let plugs = std::fs::read(&fx.plugs_dll).unwrap();
    let t = Assembly::read(&target).unwrap();
    let p = Assembly::read(&plugs).unwrap();
    let mut e = Editor::new(&t);
    let ty = e.find_type("", "Target").unwrap();
    let row = e
        .add_method(ty, NewMethod { flags: 0x0096, name: "Marked".into(), signature: vec![0x00, 0x00, 0x01], ..Default::default() })
        .unwrap();
    // Any attribute constructor of the plug assembly, imported: its CompilationRelaxations.
    let ca = p.metadata.custom_attributes().next().unwrap().unwrap();
    let mut imp = Importer::new(&p, None);
    let ctor = imp.import_member(&mut e, ca.ctor).unwrap();
    e.add_custom_attribute(TableId::METHOD_DEF, row, ctor, ca.value).unwrap();
    // A method added to an earlier type afterwards moves the attribute's parent with the row.
    let first = e.find_type("", "Plugs").or_else(|| (1..=e.rows(TableId::TYPE_DEF)).find(|&r| r < ty && r > 1)).unwrap_or(1);
    e.add_method(first, NewMethod { flags: 0x0096, name: "Earlier".into(), signature: vec![0x00, 0x00, 0x01], ..Default::default() }).unwrap();
    let bytes = write(&e, &WriteOptions::default()).unwrap().bytes;
    let back = Assembly::read(&bytes).unwrap();
    assert_sorted(&back, "Target with an added attribute");
    let be = Editor::new(&back);
    let marked = be.find_method(be.find_type("", "Target").unwrap(), "Marked", None).unwrap();
    let on = back.metadata.attributes_of(TableId::METHOD_DEF, marked).unwrap();
    assert_eq!(on.len(), 1);
    assert_eq!(on[0].value, ca.value);
    let ty = back.metadata.attribute_type(on[0].ctor).unwrap();
    assert_eq!(back.metadata.type_full_name(ty).unwrap(), p.metadata.type_full_name(p.metadata.attribute_type(ca.ctor).unwrap()).unwrap());
}
