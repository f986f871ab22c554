//! Decoders checked against real metadata: every signature blob of CoreLib
//! decodes and re-encodes to the same bytes, every method body of CoreLib
//! decodes instruction by instruction with in-range branch targets, custom
//! attribute blobs with primitive arguments decode, and the opcode table has
//! the standard's numbering.

mod common;

use graft_ecma::Assembly;
use graft_ecma::il::{Instrs, Operand, opcodes};
use graft_ecma::raw::TableId;
use graft_ecma::sig::{self, Signature, Type};

#[track_caller]
fn corelib() -> Vec<u8> {
    let path = common::require_shared_framework().join("System.Private.CoreLib.dll");
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn opcode_numbering_matches_ecma_335() {
    let expect = [
        ("nop", 0x00), ("ldarg.s", 0x0E), ("ldnull", 0x14), ("ldc.i4.s", 0x1F), ("ldc.r8", 0x23), ("dup", 0x25),
        ("jmp", 0x27), ("call", 0x28), ("calli", 0x29), ("ret", 0x2A), ("br.s", 0x2B), ("blt.un.s", 0x37),
        ("br", 0x38), ("blt.un", 0x44), ("switch", 0x45), ("ldind.i1", 0x46), ("stind.r8", 0x57), ("add", 0x58),
        ("conv.u8", 0x6E), ("callvirt", 0x6F), ("ldstr", 0x72), ("newobj", 0x73), ("conv.r.un", 0x76),
        ("unbox", 0x79), ("throw", 0x7A), ("ldfld", 0x7B), ("stsfld", 0x80), ("stobj", 0x81),
        ("conv.ovf.u.un", 0x8B), ("box", 0x8C), ("ldelema", 0x8F), ("stelem.ref", 0xA2), ("ldelem", 0xA3),
        ("unbox.any", 0xA5), ("conv.ovf.i1", 0xB3), ("conv.ovf.u8", 0xBA), ("refanyval", 0xC2), ("ckfinite", 0xC3),
        ("mkrefany", 0xC6), ("ldtoken", 0xD0), ("conv.u2", 0xD1), ("sub.ovf.un", 0xDB), ("endfinally", 0xDC),
        ("leave", 0xDD), ("leave.s", 0xDE), ("stind.i", 0xDF), ("conv.u", 0xE0),
        ("arglist", 0xFE00), ("ceq", 0xFE01), ("ldftn", 0xFE06), ("ldvirtftn", 0xFE07), ("ldarg", 0xFE09),
        ("stloc", 0xFE0E), ("localloc", 0xFE0F), ("endfilter", 0xFE11), ("unaligned.", 0xFE12),
        ("volatile.", 0xFE13), ("tail.", 0xFE14), ("initobj", 0xFE15), ("constrained.", 0xFE16), ("cpblk", 0xFE17),
        ("initblk", 0xFE18), ("no.", 0xFE19), ("rethrow", 0xFE1A), ("sizeof", 0xFE1C), ("refanytype", 0xFE1D),
        ("readonly.", 0xFE1E),
    ];
    for (name, code) in expect {
        assert_eq!(opcodes::by_name(name), Some(code), "{name}");
    }
    // 0x00..=0xE0 less the unused 0x24, 0x77-0x78, 0xA6-0xB2, 0xBB-0xC1, 0xC4-0xC5,
    // 0xC7-0xCF; 0xFE00..=0xFE1E less 0xFE08, 0xFE10, 0xFE1B.
    let one = (0..0x100u16).filter(|&c| opcodes::lookup(c).is_some()).count();
    let two = (0..0x20u16).filter(|&c| opcodes::lookup(0xFE00 | c).is_some()).count();
    assert_eq!((one, two), (191, 28));
    assert!(opcodes::lookup(0x24).is_none() && opcodes::lookup(0xFE08).is_none() && opcodes::lookup(0xE1).is_none());
}

#[test]
fn every_corelib_signature_round_trips() {
    let bytes = corelib();
    let a = Assembly::read(&bytes).unwrap();
    let md = &a.metadata;
    let mut n = 0;
    let cols: [(TableId, usize); 7] = [
        (TableId::METHOD_DEF, 4), (TableId::FIELD, 2), (TableId::MEMBER_REF, 2), (TableId::STAND_ALONE_SIG, 0),
        (TableId::PROPERTY, 2), (TableId::METHOD_SPEC, 1), (TableId::TYPE_SPEC, 0),
    ];
    for (t, c) in cols {
        for r in 1..=md.tables.row_count(t) {
            let blob = md.blobs.get(md.tables.get(t, r, c)).unwrap();
            let re = if t == TableId::TYPE_SPEC {
                let ty = sig::parse_type_spec(blob).unwrap_or_else(|e| panic!("{} row {r}: {e}", t.name()));
                let mut v = Vec::new();
                ty.encode(&mut v);
                v
            } else {
                Signature::parse(blob).unwrap_or_else(|e| panic!("{} row {r}: {e}", t.name())).encode()
            };
            assert_eq!(re, blob, "{} row {r}", t.name());
            n += 1;
        }
    }
    assert!(n > 50_000, "{n} signatures");
}

#[test]
fn every_corelib_body_decodes() {
    let bytes = corelib();
    let a = Assembly::read(&bytes).unwrap();
    let (mut bodies, mut instrs, mut eh) = (0, 0, 0);
    for r in 1..=a.metadata.tables.row_count(TableId::METHOD_DEF) {
        let Some(b) = a.method_body(r).unwrap() else { continue };
        bodies += 1;
        eh += b.eh.len();
        let mut starts = std::collections::HashSet::new();
        let mut targets = Vec::new();
        for i in Instrs::new(b.code) {
            let i = i.unwrap_or_else(|e| panic!("method {r}: {e}"));
            starts.insert(i.offset as i64);
            instrs += 1;
            match i.operand {
                Operand::Branch(t) => targets.push(t),
                Operand::Switch(_) => targets.extend(Instrs::switch_targets(b.code, &i)),
                _ => {}
            }
        }
        for t in targets {
            assert!(starts.contains(&t), "method {r}: branch to 0x{t:x} is not an instruction start");
        }
        for c in &b.eh {
            assert!(starts.contains(&(c.try_offset as i64)) && starts.contains(&(c.handler_offset as i64)), "method {r}: EH clause");
        }
    }
    assert!(bodies > 30_000 && instrs > 500_000 && eh > 1_000, "{bodies} bodies, {instrs} instructions, {eh} clauses");
}

struct NoEnums;
impl sig::attr::EnumResolver for NoEnums {
    fn by_token(&self, _: u32) -> Option<u8> {
        None
    }
    fn by_name(&self, _: &str) -> Option<u8> {
        None
    }
}

#[test]
fn corelib_custom_attributes_with_primitive_arguments_decode() {
    let bytes = corelib();
    let a = Assembly::read(&bytes).unwrap();
    let md = &a.metadata;
    let (mut decoded, mut strings) = (0, 0);
    for r in 1..=md.tables.row_count(TableId::CUSTOM_ATTRIBUTE) {
        let ty = md.tables.get(TableId::CUSTOM_ATTRIBUTE, r, 1);
        let Some((t, row)) = graft_ecma::raw::coded::CUSTOM_ATTRIBUTE_TYPE.decode(ty) else { panic!("row {r}") };
        let sig_blob = match t {
            TableId::METHOD_DEF => md.blobs.get(md.tables.get(t, row, 4)).unwrap(),
            _ => md.blobs.get(md.tables.get(t, row, 2)).unwrap(),
        };
        let Signature::Method(ctor) = Signature::parse(sig_blob).unwrap() else { panic!("ctor signature") };
        // Enum-typed arguments need a resolver; the rest must decode.
        if ctor.params.iter().any(|p| matches!(p, Type::ValueType(_))) {
            continue;
        }
        let blob = md.blobs.get(md.tables.get(TableId::CUSTOM_ATTRIBUTE, r, 2)).unwrap();
        match sig::attr::decode(blob, &ctor, &NoEnums) {
            Ok(v) => {
                decoded += 1;
                strings += v.fixed.iter().filter(|e| matches!(e, sig::attr::Elem::String(Some(_)))).count();
            }
            Err(e) if e.what.contains("enum") => {}
            Err(e) => panic!("custom attribute row {r}: {e}"),
        }
    }
    assert!(decoded > 5_000 && strings > 500, "{decoded} decoded, {strings} string arguments");
}

#[test]
fn corelib_field_rva_data_is_sized() {
    let bytes = corelib();
    let a = Assembly::read(&bytes).unwrap();
    let n = a.metadata.tables.row_count(TableId::FIELD_RVA);
    let sized = (1..=n).filter(|&r| a.field_rva_bytes(r).unwrap().is_some_and(|b| !b.is_empty())).count();
    assert!(n > 100 && sized * 10 >= n as usize * 9, "{sized} of {n} FieldRVA rows sized");
}
