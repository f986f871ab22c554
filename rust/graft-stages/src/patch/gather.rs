//! Finding plugs: the classes marked [Plug] and their members' [PlugMember]
//! attributes, read from custom attributes by the attribute type's full
//! name. Graft's attributes (namespace `Graft`, in Graft.Kernel) and Cosmos
//! gen3's (`Cosmos.Build.API.Attributes`, same constructor shapes: target
//! name or type, isOptional, replaceBase) are read the same way.

use graft_ecma::raw::TableId;
use graft_ecma::read::{CustomAttribute, Metadata};
use graft_ecma::sig::attr::{self, Elem, EnumResolver};
use graft_ecma::sig::{et, Signature};

const PLUG: [&str; 2] = ["Graft.PlugAttribute", "Cosmos.Build.API.Attributes.PlugAttribute"];
const PLUG_MEMBER: [&str; 2] = ["Graft.PlugMemberAttribute", "Cosmos.Build.API.Attributes.PlugMemberAttribute"];

/// Graft.PlugArchitecture.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arch {
    Any,
    X64,
    Arm64,
}

impl Arch {
    fn from_value(v: i64) -> Option<Arch> {
        match v {
            0 => Some(Arch::Any),
            1 => Some(Arch::X64),
            2 => Some(Arch::Arm64),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Arch::Any => "any",
            Arch::X64 => "x64",
            Arch::Arm64 => "arm64",
        }
    }
}

/// What a [Plug] or [PlugMember] attribute says.
#[derive(Clone, Debug)]
pub struct PlugArgs {
    /// The target's name as written (`typeof` gives the serialized name with
    /// its assembly); empty when not given.
    pub target: String,
    pub optional: bool,
    pub arch: Arch,
    /// Gen3's replaceBase (not applied: an error names it).
    pub replace_base: bool,
}

/// A class marked [Plug].
#[derive(Clone, Debug)]
pub struct PlugClass {
    /// Index of its assembly in the request.
    pub asm: usize,
    pub type_row: u32,
    pub name: String,
    pub args: PlugArgs,
    /// Gen3 plug classes need not be static.
    pub gen3: bool,
}

/// Enum arguments of these attributes are all Graft.PlugArchitecture (int).
struct IntEnums;

impl EnumResolver for IntEnums {
    fn by_token(&self, _: u32) -> Option<u8> {
        Some(et::I4)
    }
    fn by_name(&self, _: &str) -> Option<u8> {
        Some(et::I4)
    }
}

/// Whether the assembly can hold plugs at all: it defines or references one
/// of the attribute types. Cheap: scans TypeRef and TypeDef names only.
pub fn may_hold_plugs(md: &Metadata) -> bool {
    [TableId::TYPE_REF, TableId::TYPE_DEF].into_iter().any(|t| {
        (1..=md.tables.row_count(t)).any(|r| {
            let name = md.strings.get(md.tables.get(t, r, 1)).unwrap_or("");
            let ns = md.strings.get(md.tables.get(t, r, 2)).unwrap_or("");
            (name == "PlugAttribute" || name == "PlugMemberAttribute") && (ns == "Graft" || ns == "Cosmos.Build.API.Attributes")
        })
    })
}

/// The attribute's type name when it is one of `names`.
fn attribute_named(md: &Metadata, ca: &CustomAttribute, names: &[&str]) -> Option<&'static str> {
    let ty = md.attribute_type(ca.ctor).ok()?;
    let full = md.type_full_name(ty).ok()?;
    [PLUG, PLUG_MEMBER].iter().flatten().copied().find(|n| *n == full && names.contains(n))
}

/// Decodes a [Plug]/[PlugMember] value: the target from a `Type` or
/// `string` argument (or the TargetName property), isOptional and
/// replaceBase from positional bools in gen3's order, and the named
/// IsOptional, ReplaceBase and Architecture.
fn decode(md: &Metadata, ca: &CustomAttribute) -> Result<PlugArgs, String> {
    let (t, r) = (TableId((ca.ctor >> 24) as u8), ca.ctor & 0xFF_FFFF);
    let sig_col = if t == TableId::METHOD_DEF { 4 } else { 2 };
    let blob = md.blobs.get(md.tables.get(t, r, sig_col)).map_err(|e| e.to_string())?;
    let Ok(Signature::Method(ctor)) = Signature::parse(blob) else { return Err("its constructor's signature cannot be read".into()) };
    let value = attr::decode(ca.value, &ctor, &IntEnums).map_err(|e| format!("its value cannot be read ({e})"))?;
    let mut args = PlugArgs { target: String::new(), optional: false, arch: Arch::Any, replace_base: false };
    let mut bools = Vec::new();
    for v in &value.fixed {
        match v {
            Elem::String(s) | Elem::Type(s) => args.target = s.clone().unwrap_or_default(),
            Elem::Bool(b) => bools.push(*b),
            other => return Err(format!("unexpected constructor argument {other:?}")),
        }
    }
    // Gen3's shapes: (string, isOptional, replaceBase), (replaceBase), (isOptional, replaceBase).
    match (value.fixed.first(), bools.as_slice()) {
        (Some(Elem::Bool(_)), [rb]) => args.replace_base = *rb,
        (_, [opt, rb]) => {
            args.optional = *opt;
            args.replace_base = *rb;
        }
        (_, [opt]) => args.optional = *opt,
        _ => {}
    }
    for n in &value.named {
        match (n.name.as_str(), &n.value) {
            ("TargetName", Elem::String(s)) => args.target = s.clone().unwrap_or_default(),
            ("IsOptional", Elem::Bool(b)) => args.optional = *b,
            ("ReplaceBase", Elem::Bool(b)) => args.replace_base = *b,
            ("Architecture", Elem::Enum(v) | Elem::Int(v)) => {
                args.arch = Arch::from_value(*v).ok_or(format!("Architecture = {v} is not a PlugArchitecture value"))?
            }
            (other, _) => return Err(format!("unknown property {other}")),
        }
    }
    Ok(args)
}

/// Every [Plug] class of an assembly, or (TypeDef row, why) for a
/// malformed attribute.
pub fn plug_classes(md: &Metadata, asm: usize) -> Result<Vec<PlugClass>, (u32, String)> {
    let mut out = Vec::new();
    for ca in md.custom_attributes() {
        let Ok(ca) = ca else { continue };
        if ca.parent.0 != TableId::TYPE_DEF {
            continue;
        }
        let Some(attr_name) = attribute_named(md, &ca, &PLUG) else { continue };
        let row = ca.parent.1;
        let args = decode(md, &ca).map_err(|why| (row, format!("[Plug] on this class is malformed: {why}")))?;
        let name = md.type_full_name(TableId::TYPE_DEF.token(row)).unwrap_or_default();
        out.push(PlugClass { asm, type_row: row, name, args, gen3: attr_name.starts_with("Cosmos.") });
    }
    Ok(out)
}

/// The [PlugMember] of a MethodDef, Field or Property row, if it has one.
pub fn plug_member(md: &Metadata, table: TableId, row: u32) -> Result<Option<PlugArgs>, String> {
    for ca in md.attributes_of(table, row).map_err(|e| e.to_string())? {
        if attribute_named(md, &ca, &PLUG_MEMBER).is_some() {
            return decode(md, &ca).map(Some).map_err(|why| format!("[PlugMember] is malformed: {why}"));
        }
    }
    Ok(None)
}

/// Whether a method carries an attribute of this full name.
pub fn has_attribute(md: &Metadata, row: u32, full_name: &str) -> bool {
    md.attributes_of(TableId::METHOD_DEF, row).unwrap_or_default().iter().any(|ca| {
        md.attribute_type(ca.ctor).ok().and_then(|t| md.type_full_name(t).ok()).as_deref() == Some(full_name)
    })
}
