//! Signatures as text: how the patcher compares a plug with its target
//! (two assemblies name the same type through different scopes, so types
//! compare by full name, not by token) and how diagnostics and the
//! `applied` list spell members: `int32 Lib.Greeter::Add(int32, string)`.

use graft_ecma::raw::TableId;
use graft_ecma::read::Metadata;
use graft_ecma::sig::{et, parse_type_spec, MethodSig, Signature, Type};

/// A type's text; tokens name types of `md`.
pub fn type_text(md: &Metadata, t: &Type) -> String {
    let mut s = String::new();
    write_type(md, t, &mut s, 0);
    s
}

fn token_text(md: &Metadata, tok: u32, depth: u32) -> String {
    match TableId((tok >> 24) as u8) {
        TableId::TYPE_SPEC if depth < 16 => {
            let row = tok & 0xFF_FFFF;
            match md.blobs.get(md.tables.get(TableId::TYPE_SPEC, row, 0)).ok().and_then(|b| parse_type_spec(b).ok()) {
                Some(t) => {
                    let mut s = String::new();
                    write_type(md, &t, &mut s, depth + 1);
                    s
                }
                None => format!("<TypeSpec {row}>"),
            }
        }
        _ => md.type_full_name(tok).unwrap_or_else(|_| format!("<token 0x{tok:08x}>")),
    }
}

fn prim_name(b: u8) -> &'static str {
    match b {
        et::VOID => "void",
        et::BOOLEAN => "bool",
        et::CHAR => "char",
        et::I1 => "int8",
        et::U1 => "uint8",
        et::I2 => "int16",
        et::U2 => "uint16",
        et::I4 => "int32",
        et::U4 => "uint32",
        et::I8 => "int64",
        et::U8 => "uint64",
        et::R4 => "float32",
        et::R8 => "float64",
        et::STRING => "string",
        et::TYPEDBYREF => "typedref",
        et::I => "native int",
        et::U => "native uint",
        et::OBJECT => "object",
        _ => "?",
    }
}

fn write_type(md: &Metadata, t: &Type, s: &mut String, depth: u32) {
    match t {
        Type::Prim(b) => s.push_str(prim_name(*b)),
        Type::Ptr(t) => {
            write_type(md, t, s, depth);
            s.push('*')
        }
        Type::ByRef(t) => {
            write_type(md, t, s, depth);
            s.push('&')
        }
        Type::ValueType(tok) | Type::Class(tok) => s.push_str(&token_text(md, *tok, depth)),
        Type::Var(n) => s.push_str(&format!("!{n}")),
        Type::MVar(n) => s.push_str(&format!("!!{n}")),
        Type::SzArray(t) => {
            write_type(md, t, s, depth);
            s.push_str("[]")
        }
        Type::Array(t, shape) => {
            write_type(md, t, s, depth);
            s.push('[');
            s.push_str(&",".repeat(shape.rank.saturating_sub(1) as usize));
            s.push(']')
        }
        Type::GenericInst { ty, args, .. } => {
            s.push_str(&token_text(md, *ty, depth));
            s.push('<');
            for (i, a) in args.iter().enumerate() {
                if i > 0 {
                    s.push_str(", ");
                }
                write_type(md, a, s, depth);
            }
            s.push('>')
        }
        Type::FnPtr(m) => {
            s.push_str("method ");
            write_type(md, &m.ret, s, depth);
            s.push_str(" *(");
            s.push_str(&params_text(md, &m.params));
            s.push(')')
        }
        Type::Mod { required, modifier, ty } => {
            write_type(md, ty, s, depth);
            s.push_str(if *required { " modreq(" } else { " modopt(" });
            s.push_str(&token_text(md, *modifier, depth));
            s.push(')')
        }
        Type::Pinned(t) => {
            write_type(md, t, s, depth);
            s.push_str(" pinned")
        }
    }
}

pub fn params_text(md: &Metadata, params: &[Type]) -> String {
    params.iter().map(|p| type_text(md, p)).collect::<Vec<_>>().join(", ")
}

/// `[instance ]ret Owner::name<arity>(params)`.
pub fn method_text(md: &Metadata, owner: &str, name: &str, sig: &MethodSig) -> String {
    let instance = if sig.conv & 0x20 != 0 { "instance " } else { "" };
    let generic = if sig.generic_params > 0 { format!("<{}>", sig.generic_params) } else { String::new() };
    format!("{instance}{} {owner}::{name}{generic}({})", type_text(md, &sig.ret), params_text(md, &sig.params))
}

/// A MethodDef's signature, parsed.
pub fn method_sig(md: &Metadata, row: u32) -> Option<MethodSig> {
    match Signature::parse(md.blobs.get(md.tables.get(TableId::METHOD_DEF, row, 4)).ok()?).ok()? {
        Signature::Method(m) => Some(m),
        _ => None,
    }
}

/// A Field's type, parsed.
pub fn field_type(md: &Metadata, row: u32) -> Option<Type> {
    match Signature::parse(md.blobs.get(md.tables.get(TableId::FIELD, row, 2)).ok()?).ok()? {
        Signature::Field(t) => Some(t),
        _ => None,
    }
}

pub fn method_name<'d>(md: &Metadata<'d>, row: u32) -> &'d str {
    md.strings.get(md.tables.get(TableId::METHOD_DEF, row, 3)).unwrap_or("?")
}

pub fn field_name<'d>(md: &Metadata<'d>, row: u32) -> &'d str {
    md.strings.get(md.tables.get(TableId::FIELD, row, 1)).unwrap_or("?")
}

/// The full text of MethodDef `row` of `md`, with its owner.
pub fn method_def_text(md: &Metadata, row: u32) -> String {
    let owner = md.owner_of(TableId::METHOD_DEF, row).and_then(|o| md.type_full_name(TableId::TYPE_DEF.token(o)).ok()).unwrap_or_default();
    match method_sig(md, row) {
        Some(sig) => method_text(md, &owner, method_name(md, row), &sig),
        None => format!("{owner}::{}", method_name(md, row)),
    }
}

/// `type Owner::name` of Field `row`.
pub fn field_def_text(md: &Metadata, row: u32) -> String {
    let owner = md.owner_of(TableId::FIELD, row).and_then(|o| md.type_full_name(TableId::TYPE_DEF.token(o)).ok()).unwrap_or_default();
    let ty = field_type(md, row).map(|t| type_text(md, &t)).unwrap_or_default();
    format!("{ty} {owner}::{}", field_name(md, row))
}

/// Edit distance, for naming the closest candidates.
pub fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.to_lowercase().chars().collect();
    let b: Vec<char> = b.to_lowercase().chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != cb)).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}
