//! Applying the plug classes aimed at one assembly. Three steps, so that no
//! token goes stale while rows move:
//!
//! 1. plan: every member of every plug class is matched with its target
//!    (or found to be added) on the unedited metadata, and every mismatch is
//!    reported;
//! 2. add: new fields and methods are inserted into the target types (rows
//!    of later members shift; bodies are not copied yet);
//! 3. copy: each plug body is imported into the target, with the plug
//!    class's members mapped to what they stand for there, and replaces the
//!    target's body (or fills the added method).
//!
//! The rules (docs in sdk/lib/Graft.Kernel/Plugs.cs):
//! * `[PlugMember]` method: replaces the target method of the same name (or
//!   the name given; `Ctor`/`CCtor` for constructors) and signature; an
//!   instance target takes the object as a first parameter named `aThis`.
//!   A constructor keeps its code up to its base/this constructor call, then
//!   runs the plug. Extern, P/Invoke, InternalCall and runtime-implemented
//!   targets become IL methods.
//! * `[PlugMember]` property: its accessors replace `get_X`/`set_X`.
//! * `[PlugMember]` static field: the target's static field of that name.
//! * `[PlugMember] static extern ref T F(Target aThis)` (or without `aThis`
//!   for a static field): calls become the address of the target's field F.
//! * any other method or static field of the plug class is added to the
//!   target; `static extern ref T F(Target aThis)` without `[PlugMember]`
//!   adds an instance field F of type T.
//! * `[UnsafeAccessor]` methods stay where they are (they work as they are).

use super::gather::{self, Arch, PlugArgs, PlugClass};
use super::names;
use super::{Context, Located};
use graft_diag::Code;
use graft_ecma::edit::{Editor, Importer, NewMethod, NewParam};
use graft_ecma::il::{Instrs, NewBody};
use graft_ecma::raw::TableId;
use graft_ecma::read::{Assembly, Metadata};
use graft_ecma::sig::{conv, Signature, Type};
use std::collections::HashMap;

const FIELD_STATIC: u32 = 0x0010;
const FIELD_LITERAL: u32 = 0x0040;
const METHOD_ABSTRACT: u32 = 0x0400;
const METHOD_PINVOKE: u32 = 0x2000;
const IMPL_INTERNAL_CALL: u32 = 0x1000;
const IMPL_CODE_TYPE: u32 = 0x0003;
const OP_CALL: u8 = 0x28;
const OP_LDFLDA: u8 = 0x7C;
const OP_LDSFLDA: u8 = 0x7F;
const UNSAFE_ACCESSOR: &str = "System.Runtime.CompilerServices.UnsafeAccessorAttribute";

/// What one plug member does to the target.
#[derive(Clone, Debug)]
enum Action {
    /// The plug method's body replaces the target method's (original row).
    Replace { plug: u32, target: u32, ctor: bool },
    /// The plug method is added to the target type.
    AddMethod { plug: u32 },
    /// The plug class's static field is added to the target type.
    AddField { plug: u32 },
    /// The plug class's static constructor (its static field initializers)
    /// is added as a method the target's static constructor calls first.
    AddInit { plug: u32 },
    /// An instance field named after the accessor is added; calls to the
    /// accessor become its address.
    AddInstanceField { accessor: u32 },
    /// The plug's static field stands for the target's (original row).
    AliasField { plug: u32, target: u32 },
    /// Calls to the accessor become the address of the target's field.
    Accessor { plug: u32, target: u32 },
}

/// A replaced or added body and the plug method it came from (its
/// sequence points go into the target's PDB).
pub struct BodySource {
    pub target_row: u32,
    pub plug_asm: usize,
    pub plug_row: u32,
    pub local_sig_row: u32,
    pub code_size: u32,
}

/// One plug class, planned against its target type.
pub struct Plan<'c> {
    pub class: &'c PlugClass,
    pub target_type: u32,
    actions: Vec<Action>,
    /// (target member, plug member) for each action, as text.
    pub applied: Vec<(String, String)>,
}

/// Rows `start..end` of `md`'s table listed by TypeDef `row`'s column `col`.
fn list(md: &Metadata, row: u32, col: usize, child: TableId) -> std::ops::Range<u32> {
    let n = md.tables.row_count(child);
    let start = md.tables.get(TableId::TYPE_DEF, row, col).clamp(1, n + 1);
    let end = if row < md.tables.row_count(TableId::TYPE_DEF) { md.tables.get(TableId::TYPE_DEF, row + 1, col).clamp(start, n + 1) } else { n + 1 };
    start..end
}

pub fn methods_of(md: &Metadata, type_row: u32) -> std::ops::Range<u32> {
    list(md, type_row, 5, TableId::METHOD_DEF)
}

fn fields_of(md: &Metadata, type_row: u32) -> std::ops::Range<u32> {
    list(md, type_row, 4, TableId::FIELD)
}

fn params_of(md: &Metadata, method_row: u32) -> std::ops::Range<u32> {
    let n = md.tables.row_count(TableId::PARAM);
    let start = md.tables.get(TableId::METHOD_DEF, method_row, 5).clamp(1, n + 1);
    let end = if method_row < md.tables.row_count(TableId::METHOD_DEF) {
        md.tables.get(TableId::METHOD_DEF, method_row + 1, 5).clamp(start, n + 1)
    } else {
        n + 1
    };
    start..end
}

/// The name of parameter `sequence` (1-based) of a method, if recorded.
fn param_name<'d>(md: &Metadata<'d>, method_row: u32, sequence: u32) -> Option<&'d str> {
    params_of(md, method_row)
        .find(|&p| md.tables.get(TableId::PARAM, p, 1) == sequence)
        .and_then(|p| md.strings.get(md.tables.get(TableId::PARAM, p, 2)).ok())
}

/// Accessor methods of the class's [PlugMember] properties: method row ->
/// (the property's attribute, the target accessor's name).
fn property_accessors(md: &Metadata, type_row: u32) -> Result<HashMap<u32, (PlugArgs, String)>, (u32, String)> {
    let mut out = HashMap::new();
    let maps = md.tables.row_count(TableId::PROPERTY_MAP);
    let Some(map) = (1..=maps).find(|&r| md.tables.get(TableId::PROPERTY_MAP, r, 0) == type_row) else { return Ok(out) };
    let n = md.tables.row_count(TableId::PROPERTY);
    let start = md.tables.get(TableId::PROPERTY_MAP, map, 1).clamp(1, n + 1);
    let end = if map < maps { md.tables.get(TableId::PROPERTY_MAP, map + 1, 1).clamp(start, n + 1) } else { n + 1 };
    for prop in start..end {
        let Some(args) = gather::plug_member(md, TableId::PROPERTY, prop).map_err(|why| (type_row, why))? else { continue };
        let own = md.strings.get(md.tables.get(TableId::PROPERTY, prop, 1)).unwrap_or("");
        let name = if args.target.is_empty() { own.to_string() } else { args.target.clone() };
        let assoc = graft_ecma::raw::coded::HAS_SEMANTICS.encode(TableId::PROPERTY, prop).unwrap_or(0);
        for s in 1..=md.tables.row_count(TableId::METHOD_SEMANTICS) {
            if md.tables.get(TableId::METHOD_SEMANTICS, s, 2) != assoc {
                continue;
            }
            let prefix = match md.tables.get(TableId::METHOD_SEMANTICS, s, 0) {
                0x1 => "set_",
                0x2 => "get_",
                _ => continue,
            };
            out.insert(md.tables.get(TableId::METHOD_SEMANTICS, s, 1), (args.clone(), format!("{prefix}{name}")));
        }
    }
    Ok(out)
}

/// Strips `&` and `*` off an `aThis` type's text.
fn athis_fits(athis: &str, target: &str) -> bool {
    let base = athis.trim_end_matches(['&', '*']);
    base == target || base == "object" || base.starts_with(&format!("{target}<")) || athis == "native int" || athis == "void*"
}

/// A target method's signature against a plug's, both as text.
struct Shape {
    instance: bool,
    generic: u32,
    ret: String,
    params: Vec<String>,
}

fn shape(md: &Metadata, sig: &graft_ecma::sig::MethodSig) -> Shape {
    Shape {
        instance: sig.conv & conv::HASTHIS != 0,
        generic: sig.generic_params,
        ret: names::type_text(md, &sig.ret),
        params: sig.params.iter().map(|p| names::type_text(md, p)).collect(),
    }
}

impl Context<'_, '_> {
    /// Plans one plug class against its target type; reports every problem.
    pub fn plan<'c>(&mut self, class: &'c PlugClass, target_asm: usize, target_type: u32) -> Option<Plan<'c>> {
        let pmd = &self.asms[class.asm].metadata;
        let tmd = &self.asms[target_asm].metadata;
        let target_name = tmd.type_full_name(TableId::TYPE_DEF.token(target_type)).unwrap_or_default();
        let mut plan = Plan { class, target_type, actions: Vec::new(), applied: Vec::new() };
        let mut ok = true;
        let accessors = match property_accessors(pmd, class.type_row) {
            Ok(a) => a,
            Err((_, why)) => {
                self.error(Code::PLUG_INVALID, self.type_location(class.asm, class.type_row), format!("{}: {why}", class.name));
                return None;
            }
        };
        // A generic target's plug class declares the target's type parameters
        // (class BoxPlug<T> for Box`1): !0 means the same in both.
        let generic = type_generic_params(pmd, class.type_row);
        let target_generic = type_generic_params(tmd, target_type);
        if generic != target_generic {
            let at = self.type_location(class.asm, class.type_row);
            self.error(
                Code::PLUG_INVALID,
                at,
                format!("{} has {generic} type parameters and its target {target_name} has {target_generic}; a generic type's plug class declares the same type parameters, in order (static class BoxPlug<T> for Box`1)", class.name),
            );
            return None;
        }
        for m in methods_of(pmd, class.type_row) {
            let name = names::method_name(pmd, m);
            let flags = pmd.tables.get(TableId::METHOD_DEF, m, 2);
            if name == ".ctor" {
                continue;
            }
            if name == ".cctor" {
                match uses_nested_type(&self.asms[class.asm], m, class.type_row) {
                    Some(nested) => {
                        let at = self.method_location(class.asm, m, class.type_row);
                        self.error(
                            Code::PLUG_INVALID,
                            at,
                            format!("{}'s static field initializers use {nested}, a type the compiler generated inside the plug class (a lambda or closure); they cannot be copied into the target: initialize the field without one", class.name),
                        );
                        ok = false;
                    }
                    None => plan.actions.push(Action::AddInit { plug: m }),
                }
                continue;
            }
            if gather::has_attribute(pmd, m, UNSAFE_ACCESSOR) {
                // Copied with its attribute: the runtime binds it where it is.
                plan.actions.push(Action::AddMethod { plug: m });
                continue;
            }
            let at = self.method_location(class.asm, m, class.type_row);
            let plug_text = names::method_def_text(pmd, m);
            let member = match accessors.get(&m) {
                Some((args, target)) => Some((args.clone(), target.clone())),
                None => match gather::plug_member(pmd, TableId::METHOD_DEF, m) {
                    Ok(a) => a.map(|a| {
                        let t = if a.target.is_empty() { name.to_string() } else { a.target.clone() };
                        (a, t)
                    }),
                    Err(why) => {
                        self.error(Code::PLUG_INVALID, at, format!("{plug_text}: {why}"));
                        ok = false;
                        continue;
                    }
                },
            };
            let Some(sig) = names::method_sig(pmd, m) else {
                self.error(Code::PLUG_INVALID, at, format!("{plug_text}: its signature cannot be read"));
                ok = false;
                continue;
            };
            let is_extern = pmd.tables.get(TableId::METHOD_DEF, m, 0) == 0 && flags & METHOD_ABSTRACT == 0;
            let returns_ref = matches!(sig.ret, Type::ByRef(_));
            let Some((args, target_member)) = member else {
                // Not a [PlugMember]: added to the target.
                if is_extern && returns_ref && param_name(pmd, m, 1) == Some("aThis") && sig.params.len() == 1 {
                    if self.target_has_field(target_asm, target_type, name) {
                        self.error(
                            Code::PLUG_ADDED_MEMBER_EXISTS,
                            at,
                            format!("{plug_text} adds the instance field '{name}' to {target_name}, which has a field of that name; mark it [PlugMember] to use the target's field"),
                        );
                        ok = false;
                    } else {
                        plan.actions.push(Action::AddInstanceField { accessor: m });
                    }
                } else if is_extern {
                    self.error(
                        Code::PLUG_INVALID,
                        at,
                        format!("{plug_text} has no body: a plug class's extern methods are [UnsafeAccessor]s or field accessors (static extern ref T Name(Target aThis))"),
                    );
                    ok = false;
                } else if sig.generic_params > 0 {
                    self.error(Code::PLUG_INVALID, at, format!("{plug_text}: generic methods cannot be added to the target yet; make it non-generic"));
                    ok = false;
                } else if let Some(nested) = uses_nested_type(&self.asms[class.asm], m, class.type_row) {
                    self.error(
                        Code::PLUG_INVALID,
                        at,
                        format!("{plug_text} uses {nested}, a type the compiler generated inside the plug class (a lambda, closure, iterator or async method); its body cannot be copied into the target: write it without one, or move it to another class"),
                    );
                    ok = false;
                } else if let Some(existing) = self.same_method(target_asm, target_type, name, &shape(pmd, &sig)) {
                    self.error(
                        Code::PLUG_ADDED_MEMBER_EXISTS,
                        at,
                        format!("{plug_text} has no [PlugMember], so it is added to {target_name}, which already has {existing}; mark it [PlugMember] to replace that method, or rename it"),
                    );
                    ok = false;
                } else {
                    plan.actions.push(Action::AddMethod { plug: m });
                }
                continue;
            };
            if !self.member_arch_applies(class, &args, &plug_text, &target_member, at.clone()) {
                ok &= args.arch == Arch::Any || class.args.arch == Arch::Any || args.arch == class.args.arch;
                continue;
            }
            let target_member = match target_member.as_str() {
                "Ctor" => ".ctor".to_string(),
                "CCtor" => ".cctor".to_string(),
                _ => target_member,
            };
            if is_extern && returns_ref {
                // A field accessor: the target's field by name.
                let Type::ByRef(inner) = &sig.ret else { unreachable!("checked above") };
                let want_static = sig.params.is_empty();
                let want_type = names::type_text(pmd, inner);
                match self.target_field(target_asm, target_type, &target_member) {
                    Some(f) => {
                        let fstatic = tmd.tables.get(TableId::FIELD, f, 0) & FIELD_STATIC != 0;
                        let ftype = names::field_type(tmd, f).map(|t| names::type_text(tmd, &t)).unwrap_or_default();
                        if fstatic != want_static || ftype != want_type {
                            self.error(
                                Code::PLUG_SIGNATURE_MISMATCH,
                                at,
                                format!(
                                    "{plug_text} accesses {}, which is {}{ftype}: a static field's accessor takes no parameter, an instance field's takes aThis, and it returns ref {ftype}",
                                    names::field_def_text(tmd, f),
                                    if fstatic { "static " } else { "" }
                                ),
                            );
                            ok = false;
                        } else {
                            plan.actions.push(Action::Accessor { plug: m, target: f });
                        }
                    }
                    None if args.optional || class.args.optional => self.skip(&plug_text, &format!("{target_name}::{target_member}"), "optional field not found"),
                    None => {
                        let fields = self.closest_fields(target_asm, target_type, &target_member);
                        self.error(Code::PLUG_MEMBER_NOT_FOUND, at, format!("{plug_text}: {target_name} has no field '{target_member}'{fields}"));
                        ok = false;
                    }
                }
                continue;
            }
            if is_extern {
                self.error(Code::PLUG_INVALID, at, format!("{plug_text} is a [PlugMember] without a body: give it the body that replaces {target_name}::{target_member}"));
                ok = false;
                continue;
            }
            if let Some(nested) = uses_nested_type(&self.asms[class.asm], m, class.type_row) {
                self.error(
                    Code::PLUG_INVALID,
                    at,
                    format!("{plug_text} uses {nested}, a type the compiler generated inside the plug class (a lambda, closure, iterator or async method); its body cannot be copied into the target: write it without one, or call a method of another class"),
                );
                ok = false;
                continue;
            }
            if generic > 0 && refers_to_type(&self.asms[class.asm], m, class.type_row) {
                self.error(
                    Code::PLUG_INVALID,
                    at,
                    format!("{plug_text} uses another member of its generic plug class {}; the patcher cannot yet map a generic plug class's members onto the target: reach the target through aThis's public members, or call a non-generic helper class", class.name),
                );
                ok = false;
                continue;
            }
            match self.match_method(class, target_asm, target_type, m, &sig, &target_member, &args, at.clone()) {
                Some(Some(t)) => plan.actions.push(Action::Replace { plug: m, target: t, ctor: target_member == ".ctor" }),
                Some(None) => {}
                None => ok = false,
            }
        }
        for f in fields_of(pmd, class.type_row) {
            let flags = pmd.tables.get(TableId::FIELD, f, 0);
            if flags & FIELD_LITERAL != 0 {
                continue;
            }
            let fname = names::field_name(pmd, f);
            let at = self.type_location(class.asm, class.type_row);
            let plug_text = names::field_def_text(pmd, f);
            match gather::plug_member(pmd, TableId::FIELD, f) {
                Err(why) => {
                    self.error(Code::PLUG_INVALID, at, format!("{plug_text}: {why}"));
                    ok = false;
                }
                Ok(None) => {
                    if flags & FIELD_STATIC == 0 {
                        self.error(Code::PLUG_INVALID, at, format!("{plug_text}: a plug class's fields are static (add instance state with static extern ref T Name(Target aThis))"));
                        ok = false;
                    } else if self.target_has_field(target_asm, target_type, fname) {
                        self.error(
                            Code::PLUG_ADDED_MEMBER_EXISTS,
                            at,
                            format!("{plug_text} has no [PlugMember], so it is added to {target_name}, which has a field '{fname}'; mark it [PlugMember] to use that field"),
                        );
                        ok = false;
                    } else {
                        plan.actions.push(Action::AddField { plug: f });
                    }
                }
                Ok(Some(args)) => {
                    let tname = if args.target.is_empty() { fname.to_string() } else { args.target.clone() };
                    match self.target_field(target_asm, target_type, &tname) {
                        Some(t) => {
                            let tstatic = tmd.tables.get(TableId::FIELD, t, 0) & FIELD_STATIC != 0;
                            let ttype = names::field_type(tmd, t).map(|x| names::type_text(tmd, &x)).unwrap_or_default();
                            let ptype = names::field_type(pmd, f).map(|x| names::type_text(pmd, &x)).unwrap_or_default();
                            if !tstatic || ttype != ptype {
                                let how = if tstatic { "" } else { "; an instance field is reached with static extern ref T Name(Target aThis)" };
                                self.error(Code::PLUG_SIGNATURE_MISMATCH, at, format!("{plug_text} stands for {}{how}", names::field_def_text(tmd, t)));
                                ok = false;
                            } else {
                                plan.actions.push(Action::AliasField { plug: f, target: t });
                            }
                        }
                        None if args.optional || class.args.optional => self.skip(&plug_text, &format!("{target_name}::{tname}"), "optional field not found"),
                        None => {
                            let fields = self.closest_fields(target_asm, target_type, &tname);
                            self.error(Code::PLUG_MEMBER_NOT_FOUND, at, format!("{plug_text}: {target_name} has no field '{tname}'{fields}"));
                            ok = false;
                        }
                    }
                }
            }
        }
        // Added members, field aliases and accessors are reached through the
        // plug class's own tokens, which a generic class spells as TypeSpecs.
        if generic > 0 && let Some(a) = plan.actions.iter().find(|a| !matches!(a, Action::Replace { .. })) {
            let (what, at) = match *a {
                Action::AddField { plug } | Action::AliasField { plug, .. } => (names::field_def_text(pmd, plug), self.type_location(class.asm, class.type_row)),
                Action::AddMethod { plug } | Action::AddInit { plug } | Action::Accessor { plug, .. } | Action::AddInstanceField { accessor: plug } => {
                    (names::method_def_text(pmd, plug), self.method_location(class.asm, plug, class.type_row))
                }
                Action::Replace { .. } => unreachable!("filtered"),
            };
            self.error(
                Code::PLUG_INVALID,
                at,
                format!("{what}: a generic plug class ({}) can only replace methods of its target yet; add members, fields and accessors from a non-generic plug class", class.name),
            );
            return None;
        }
        for a in &plan.actions {
            let added = |name: &str, ty: String, what: &str| format!("{ty} {target_name}::{name} ({what})");
            plan.applied.push(match *a {
                Action::Replace { plug, target, .. } => (names::method_def_text(tmd, target), names::method_def_text(pmd, plug)),
                Action::AddMethod { plug } => {
                    let name = names::method_name(pmd, plug);
                    let text = names::method_sig(pmd, plug).map_or_else(|| format!("{target_name}::{name}"), |sig| names::method_text(pmd, &target_name, name, &sig));
                    (format!("{text} (added method)"), names::method_def_text(pmd, plug))
                }
                Action::AddInit { plug } => {
                    (format!("void {target_name}::{} (added, called first by the static constructor)", init_name(class)), names::method_def_text(pmd, plug))
                }
                Action::AddField { plug } => {
                    let ty = names::field_type(pmd, plug).map(|t| names::type_text(pmd, &t)).unwrap_or_default();
                    (added(names::field_name(pmd, plug), ty, "added static field"), names::field_def_text(pmd, plug))
                }
                Action::AddInstanceField { accessor } => {
                    let ty = match names::method_sig(pmd, accessor).map(|s| s.ret) {
                        Some(Type::ByRef(inner)) => names::type_text(pmd, &inner),
                        _ => String::new(),
                    };
                    (added(names::method_name(pmd, accessor), ty, "added instance field"), names::method_def_text(pmd, accessor))
                }
                Action::AliasField { plug, target } => (names::field_def_text(tmd, target), names::field_def_text(pmd, plug)),
                Action::Accessor { plug, target } => (names::field_def_text(tmd, target), names::method_def_text(pmd, plug)),
            });
        }
        ok.then_some(plan)
    }

    /// False when the member is skipped for its architecture (or conflicts
    /// with its class's, which is reported).
    fn member_arch_applies(&mut self, class: &PlugClass, args: &PlugArgs, plug: &str, target: &str, at: Located) -> bool {
        if args.arch == Arch::Any {
            return true;
        }
        if class.args.arch != Arch::Any && class.args.arch != args.arch {
            self.error(
                Code::PLUG_ARCHITECTURE_MISMATCH,
                at,
                format!("{plug} is limited to {} inside {}, which is limited to {}: it can never apply", args.arch.name(), class.name, class.args.arch.name()),
            );
            return false;
        }
        if args.arch != self.arch {
            self.skip(plug, target, &format!("limited to {}; the kernel is {}", args.arch.name(), self.arch.name()));
            return false;
        }
        true
    }

    fn target_field(&self, asm: usize, ty: u32, name: &str) -> Option<u32> {
        let md = &self.asms[asm].metadata;
        fields_of(md, ty).find(|&f| names::field_name(md, f) == name)
    }

    fn target_has_field(&self, asm: usize, ty: u32, name: &str) -> bool {
        self.target_field(asm, ty, name).is_some()
    }

    /// The target method with exactly this name and shape, as text.
    fn same_method(&self, asm: usize, ty: u32, name: &str, want: &Shape) -> Option<String> {
        let md = &self.asms[asm].metadata;
        methods_of(md, ty).filter(|&t| names::method_name(md, t) == name).find_map(|t| {
            let s = shape(md, &names::method_sig(md, t)?);
            (s.instance == want.instance && s.generic == want.generic && s.ret == want.ret && s.params == want.params).then(|| names::method_def_text(md, t))
        })
    }

    fn closest_fields(&self, asm: usize, ty: u32, name: &str) -> String {
        let md = &self.asms[asm].metadata;
        let mut all: Vec<u32> = fields_of(md, ty).collect();
        all.sort_by_key(|&f| names::distance(names::field_name(md, f), name));
        let list: Vec<String> = all.iter().take(3).map(|&f| names::field_def_text(md, f)).collect();
        if list.is_empty() { String::new() } else { format!("; closest: {}", list.join("; ")) }
    }

    /// The target method a plug method replaces: `Some(Some(row))`, or
    /// `Some(None)` for an optional target that is missing (noted), or
    /// `None` after reporting why nothing matches.
    #[allow(clippy::too_many_arguments)]
    fn match_method(
        &mut self,
        class: &PlugClass,
        target_asm: usize,
        target_type: u32,
        plug: u32,
        sig: &graft_ecma::sig::MethodSig,
        name: &str,
        args: &PlugArgs,
        at: Located,
    ) -> Option<Option<u32>> {
        let pmd = &self.asms[class.asm].metadata;
        let tmd = &self.asms[target_asm].metadata;
        let target_name = tmd.type_full_name(TableId::TYPE_DEF.token(target_type)).unwrap_or_default();
        let plug_text = names::method_def_text(pmd, plug);
        let p = shape(pmd, sig);
        let athis = param_name(pmd, plug, 1) == Some("aThis") && !p.params.is_empty();
        let same_name: Vec<u32> = methods_of(tmd, target_type).filter(|&t| names::method_name(tmd, t) == name).collect();
        let mut wrong_athis = None;
        let mut missing_athis = None;
        for &t in &same_name {
            let Some(tsig) = names::method_sig(tmd, t) else { continue };
            let s = shape(tmd, &tsig);
            if s.generic != p.generic || s.ret != p.ret {
                continue;
            }
            if s.instance {
                if athis && p.params[1..] == s.params[..] {
                    if athis_fits(&p.params[0], &target_name) {
                        return self.claim(target_asm, t, &plug_text, at).map(Some);
                    }
                    wrong_athis = Some(t);
                } else if !athis && p.params == s.params {
                    missing_athis = Some(t);
                }
            } else if !athis && p.params == s.params {
                return self.claim(target_asm, t, &plug_text, at).map(Some);
            }
        }
        let target_of = |t: u32| names::method_def_text(tmd, t);
        if let Some(t) = wrong_athis {
            self.error(
                Code::PLUG_ATHIS_WRONG_TYPE,
                at,
                format!("{plug_text}: aThis is {} but {} is an instance method of {target_name}; aThis must be {target_name} (or object, or a ref/pointer for a value type)", p.params[0], target_of(t)),
            );
            return None;
        }
        if let Some(t) = missing_athis {
            self.error(
                Code::PLUG_ATHIS_MISSING,
                at,
                format!("{plug_text}: {} is an instance method; add a first parameter '{target_name} aThis' that receives the object", target_of(t)),
            );
            return None;
        }
        if args.optional || class.args.optional {
            self.skip(&plug_text, &format!("{target_name}::{name}"), "optional target not found");
            return Some(None);
        }
        if !same_name.is_empty() {
            let list: Vec<String> = same_name.iter().map(|&t| target_of(t)).collect();
            self.error(Code::PLUG_SIGNATURE_MISMATCH, at, format!("{plug_text} matches no overload of {target_name}::{name}; the target has: {}", list.join("; ")));
            return None;
        }
        let mut all: Vec<u32> = methods_of(tmd, target_type).collect();
        all.sort_by_key(|&t| names::distance(names::method_name(tmd, t), name));
        let list: Vec<String> = all.iter().take(3).map(|&t| target_of(t)).collect();
        let closest = if list.is_empty() { String::new() } else { format!("; closest: {}", list.join("; ")) };
        self.error(Code::PLUG_MEMBER_NOT_FOUND, at, format!("{plug_text}: {target_name} has no method '{name}'{closest}"));
        None
    }

    /// Records that `plug` replaces target method `t`; a second plug for the
    /// same target is GRAFT1007, naming both.
    fn claim(&mut self, target_asm: usize, t: u32, plug_text: &str, at: Located) -> Option<u32> {
        let tmd = &self.asms[target_asm].metadata;
        let target_text = names::method_def_text(tmd, t);
        if let Some(first) = self.claimed.get(&(target_asm, t)) {
            let message = format!("{plug_text} and {first} both replace {target_text}; keep one (or limit each to an architecture)");
            self.error(Code::PLUG_CONFLICT, at, message);
            return None;
        }
        self.claimed.insert((target_asm, t), plug_text.to_string());
        Some(t)
    }

    /// Steps 2 and 3 for the plans aimed at `target` (all planned without
    /// error). Returns the edit count, the applied list and the PDB sources.
    pub fn apply(&mut self, e: &mut Editor, target: usize, plans: &[Plan]) -> Result<Vec<BodySource>, String> {
        let tasm: &Assembly = &self.asms[target];
        let mut added: Vec<(usize, u32, u32, bool, String)> = Vec::new(); // (plug asm, plug token, target type, is field, name there)
        // Step 2: add members, signatures imported (types only: no member rows move under an importer).
        for plan in plans {
            let pasm = &self.asms[plan.class.asm];
            let pmd = &pasm.metadata;
            let mut imp = Importer::new(pasm, Some(self.set));
            for a in &plan.actions {
                let err = |what: &str, e: graft_ecma::Error| format!("{what}: {e}");
                match *a {
                    Action::AddField { plug } => {
                        let blob = pmd.blobs.get(pmd.tables.get(TableId::FIELD, plug, 2)).map_err(|x| err("field signature", x))?;
                        let sig = imp.import_sig(e, blob).map_err(|x| err(names::field_name(pmd, plug), x))?;
                        let flags = pmd.tables.get(TableId::FIELD, plug, 0) as u16 & !0x0100; // no FieldRVA of its own
                        e.add_field(plan.target_type, flags, names::field_name(pmd, plug), &sig).map_err(|x| err("add field", x))?;
                        added.push((plan.class.asm, TableId::FIELD.token(plug), plan.target_type, true, names::field_name(pmd, plug).to_string()));
                    }
                    Action::AddInit { plug } => {
                        let blob = pmd.blobs.get(pmd.tables.get(TableId::METHOD_DEF, plug, 4)).map_err(|x| err("static constructor signature", x))?;
                        let signature = imp.import_sig(e, blob).map_err(|x| err(".cctor", x))?;
                        let name = init_name(plan.class);
                        // Private static hidebysig: an ordinary method only the static constructor calls.
                        let m = NewMethod { flags: 0x0091, impl_flags: 0, name: name.clone(), signature: signature.clone(), params: Vec::new(), body: None };
                        e.add_method(plan.target_type, m).map_err(|x| err("add method", x))?;
                        added.push((plan.class.asm, TableId::METHOD_DEF.token(plug), plan.target_type, false, name));
                        if static_ctor(e, plan.target_type).is_none() {
                            // Private static hidebysig specialname rtspecialname; filled after the bodies.
                            let m = NewMethod { flags: 0x1891, impl_flags: 0, name: ".cctor".into(), signature, params: Vec::new(), body: None };
                            e.add_method(plan.target_type, m).map_err(|x| err("add static constructor", x))?;
                        }
                    }
                    Action::AddInstanceField { accessor } => {
                        let Some(Type::ByRef(inner)) = names::method_sig(pmd, accessor).map(|s| s.ret) else { unreachable!("planned") };
                        let mut sig = Signature::Field(*inner);
                        sig.map_tokens(&mut |t| imp.import_type(e, t)).map_err(|x| err("field type", x))?;
                        e.add_field(plan.target_type, 0x0001, names::method_name(pmd, accessor), &sig.encode()).map_err(|x| err("add field", x))?;
                        added.push((plan.class.asm, TableId::METHOD_DEF.token(accessor), plan.target_type, true, names::method_name(pmd, accessor).to_string()));
                    }
                    Action::AddMethod { plug } => {
                        let blob = pmd.blobs.get(pmd.tables.get(TableId::METHOD_DEF, plug, 4)).map_err(|x| err("method signature", x))?;
                        let signature = imp.import_sig(e, blob).map_err(|x| err(names::method_name(pmd, plug), x))?;
                        let params = params_of(pmd, plug)
                            .map(|p| NewParam {
                                flags: pmd.tables.get(TableId::PARAM, p, 0) as u16,
                                sequence: pmd.tables.get(TableId::PARAM, p, 1) as u16,
                                name: pmd.strings.get(pmd.tables.get(TableId::PARAM, p, 2)).unwrap_or("").to_string(),
                            })
                            .collect();
                        let m = NewMethod {
                            flags: pmd.tables.get(TableId::METHOD_DEF, plug, 2) as u16,
                            impl_flags: pmd.tables.get(TableId::METHOD_DEF, plug, 1) as u16,
                            name: names::method_name(pmd, plug).to_string(),
                            signature,
                            params,
                            body: None,
                        };
                        let row = e.add_method(plan.target_type, m).map_err(|x| err("add method", x))?;
                        // An extern added method (an UnsafeAccessor) takes its attributes along.
                        if pmd.tables.get(TableId::METHOD_DEF, plug, 0) == 0 {
                            for ca in pmd.attributes_of(TableId::METHOD_DEF, plug).map_err(|x| err("attributes", x))? {
                                let ctor = imp.import_member(e, ca.ctor).map_err(|x| err("attribute constructor", x))?;
                                e.add_custom_attribute(TableId::METHOD_DEF, row, ctor, ca.value).map_err(|x| err("add attribute", x))?;
                            }
                        }
                        added.push((plan.class.asm, TableId::METHOD_DEF.token(plug), plan.target_type, false, names::method_name(pmd, plug).to_string()));
                    }
                    _ => {}
                }
            }
        }
        // Step 3: copy bodies, each plug assembly's members mapped to what they stand for.
        let current = |e: &Editor, tok: u32| e.map_original_token(tok).unwrap_or(tok);
        let mut sources = Vec::new();
        let mut by_plug_asm: Vec<usize> = plans.iter().map(|p| p.class.asm).collect();
        by_plug_asm.sort();
        by_plug_asm.dedup();
        for pa in by_plug_asm {
            let pasm = &self.asms[pa];
            let pmd = &pasm.metadata;
            let mut imp = Importer::new(pasm, Some(self.set));
            for (_, tok, ty, is_field, name) in added.iter().filter(|x| x.0 == pa) {
                let (tok, ty, is_field, name) = (*tok, *ty, *is_field, name.as_str());
                // Found by name in the edited target (names were checked unique there).
                let found = if is_field {
                    e.member_range(ty, 4).rev().find(|&f| e.string(e.get(TableId::FIELD, f, 1)).ok() == Some(name)).map(|f| TableId::FIELD.token(f))
                } else {
                    e.member_range(ty, 5).rev().find(|&m| e.string(e.get(TableId::METHOD_DEF, m, 3)).ok() == Some(name)).map(|m| TableId::METHOD_DEF.token(m))
                };
                let found = found.ok_or(format!("added member '{name}' not found after adding it"))?;
                imp.map(tok, found);
            }
            for plan in plans.iter().filter(|p| p.class.asm == pa) {
                for a in &plan.actions {
                    match *a {
                        Action::Replace { plug, target, .. } => imp.map(TableId::METHOD_DEF.token(plug), current(e, TableId::METHOD_DEF.token(target))),
                        Action::AliasField { plug, target } => imp.map(TableId::FIELD.token(plug), current(e, TableId::FIELD.token(target))),
                        Action::Accessor { plug, target } => imp.map(TableId::METHOD_DEF.token(plug), current(e, TableId::FIELD.token(target))),
                        _ => {}
                    }
                }
            }
            for plan in plans.iter().filter(|p| p.class.asm == pa) {
                for a in &plan.actions {
                    let (plug, into, ctor) = match *a {
                        Action::Replace { plug, target, ctor } => (plug, current(e, TableId::METHOD_DEF.token(target)) & 0xFF_FFFF, ctor),
                        Action::AddMethod { plug } if pmd.tables.get(TableId::METHOD_DEF, plug, 0) == 0 => continue,
                        Action::AddMethod { plug } | Action::AddInit { plug } => {
                            let tok = imp.mapped(TableId::METHOD_DEF.token(plug)).ok_or("added method lost")?;
                            (plug, tok & 0xFF_FFFF, false)
                        }
                        _ => continue,
                    };
                    let text = names::method_def_text(pmd, plug);
                    let body = pasm.method_body(plug).map_err(|x| format!("{text}: {x}"))?.ok_or(format!("{text} has no body"))?;
                    let mut nb = imp.import_body(e, &body).map_err(|x| format!("{text}: its body cannot be copied into {}: {x}", tasm.name().unwrap_or("?")))?;
                    accessor_calls_to_field_addresses(e, &mut nb.code).map_err(|x| format!("{text}: {x}"))?;
                    if ctor {
                        let original = e.body(into).map_err(|x| format!("{text}: {x}"))?.unwrap_or_default();
                        nb = keep_base_call(e, &original, nb).map_err(|why| format!("{text}: {why}"))?;
                    }
                    let flags = e.get(TableId::METHOD_DEF, into, 2);
                    let impl_flags = e.get(TableId::METHOD_DEF, into, 1);
                    if flags & METHOD_PINVOKE != 0 || impl_flags & (IMPL_INTERNAL_CALL | IMPL_CODE_TYPE) != 0 || e.get(TableId::METHOD_DEF, into, 0) == 0 {
                        e.make_managed(into).map_err(|x| format!("{text}: {x}"))?;
                    }
                    let local_sig = nb.local_sig & 0xFF_FFFF;
                    let code_size = nb.code.len() as u32;
                    e.replace_body(into, nb).map_err(|x| format!("{text}: {x}"))?;
                    // A constructor's plug code starts after the kept prefix: no sequence points.
                    if !ctor {
                        sources.push(BodySource { target_row: into, plug_asm: pa, plug_row: plug, local_sig_row: local_sig, code_size });
                    }
                }
            }
        }
        // Step 4: each target's static constructor (its own, a CCtor plug's
        // or a new one) first runs the plug classes' static initializers.
        for plan in plans {
            if !plan.actions.iter().any(|a| matches!(a, Action::AddInit { .. })) {
                continue;
            }
            let name = init_name(plan.class);
            let ty = plan.target_type;
            let init = e.member_range(ty, 5).find(|&m| e.string(e.get(TableId::METHOD_DEF, m, 3)).ok() == Some(name.as_str())).ok_or("added initializer lost")?;
            let cctor = static_ctor(e, ty).ok_or("static constructor lost")?;
            let mut body = e.body(cctor).map_err(|x| format!("{name}: {x}"))?.unwrap_or_else(|| NewBody { code: vec![0x2A], ..NewBody::default() });
            let mut code = vec![OP_CALL];
            code.extend_from_slice(&TableId::METHOD_DEF.token(init).to_le_bytes());
            let shift = code.len() as u32;
            code.extend_from_slice(&body.code);
            body.code = code;
            for c in &mut body.eh {
                c.try_offset += shift;
                c.handler_offset += shift;
                if c.flags == graft_ecma::il::body::EH_FILTER {
                    c.class_or_filter += shift;
                }
            }
            e.replace_body(cctor, body).map_err(|x| format!("{name}: {x}"))?;
            // A CCtor plug's sequence points no longer fit its shifted code.
            sources.retain(|s| s.target_row != cctor);
        }
        Ok(sources)
    }
}

/// The name a plug class's static constructor has in its target.
fn init_name(class: &PlugClass) -> String {
    format!("<{}>cctor", class.name)
}

/// The static constructor of a type in the edited metadata.
fn static_ctor(e: &Editor, ty: u32) -> Option<u32> {
    e.member_range(ty, 5).find(|&m| e.string(e.get(TableId::METHOD_DEF, m, 3)).ok() == Some(".cctor"))
}

/// How many type parameters TypeDef `row` declares.
fn type_generic_params(md: &Metadata, row: u32) -> usize {
    let owner = graft_ecma::raw::coded::TYPE_OR_METHOD_DEF.encode(TableId::TYPE_DEF, row).unwrap_or(0);
    (1..=md.tables.row_count(TableId::GENERIC_PARAM)).filter(|&g| md.tables.get(TableId::GENERIC_PARAM, g, 2) == owner).count()
}

/// Whether method `m`'s body refers to a member of TypeDef `ty`.
fn refers_to_type(asm: &Assembly, m: u32, ty: u32) -> bool {
    body_types(asm, m).contains(&ty)
}

/// The TypeDef rows that the tokens of method `m`'s body point into (a
/// member's owner, a generic instance's type).
fn body_types(asm: &Assembly, m: u32) -> Vec<u32> {
    let md = &asm.metadata;
    let of_spec = |p: u32| -> Option<u32> {
        let blob = md.blobs.get(md.tables.get(TableId::TYPE_SPEC, p, 0)).ok()?;
        match graft_ecma::sig::parse_type_spec(blob).ok()? {
            Type::GenericInst { ty, .. } if ty >> 24 == TableId::TYPE_DEF.0 as u32 => Some(ty & 0xFF_FFFF),
            _ => None,
        }
    };
    let type_of = |tok: u32| -> Option<u32> {
        let (t, r) = (TableId((tok >> 24) as u8), tok & 0xFF_FFFF);
        match t {
            TableId::TYPE_DEF => Some(r),
            TableId::TYPE_SPEC => of_spec(r),
            TableId::METHOD_DEF | TableId::FIELD => md.owner_of(t, r),
            TableId::MEMBER_REF => match graft_ecma::raw::coded::MEMBER_REF_PARENT.decode(md.tables.get(t, r, 0)) {
                Some((TableId::TYPE_DEF, p)) => Some(p),
                Some((TableId::TYPE_SPEC, p)) => of_spec(p),
                _ => None,
            },
            _ => None,
        }
    };
    let Ok(Some(body)) = asm.method_body(m) else { return Vec::new() };
    let mut out = Vec::new();
    for i in Instrs::new(body.code) {
        let Ok(i) = i else { break };
        if let graft_ecma::il::Operand::Token(tok) = i.operand
            && let Some(t) = type_of(tok)
        {
            out.push(t);
        }
    }
    out
}

/// The first type nested in `plug_class` that method `m`'s body refers to
/// (compiler-generated closures, lambda caches, state machines), by name.
fn uses_nested_type(asm: &Assembly, m: u32, plug_class: u32) -> Option<String> {
    let md = &asm.metadata;
    let inside = |mut t: u32| {
        for _ in 0..64 {
            match md.enclosing_of(t) {
                Some(o) if o == plug_class => return true,
                Some(o) => t = o,
                None => return false,
            }
        }
        false
    };
    let t = body_types(asm, m).into_iter().find(|&t| inside(t))?;
    md.type_full_name(TableId::TYPE_DEF.token(t)).ok()
}

/// `call F` where F is a field (a mapped accessor) becomes `ldflda F` or
/// `ldsflda F`: the same stack effect as the accessor's call.
fn accessor_calls_to_field_addresses(e: &Editor, code: &mut [u8]) -> Result<(), graft_ecma::Error> {
    let mut fixes = Vec::new();
    for i in Instrs::new(code) {
        let i = i?;
        if let graft_ecma::il::Operand::Token(t) = i.operand
            && i.code == OP_CALL as u16
            && t >> 24 == TableId::FIELD.0 as u32
        {
            let is_static = e.get(TableId::FIELD, t & 0xFF_FFFF, 0) & FIELD_STATIC != 0;
            fixes.push((i.offset as usize, if is_static { OP_LDSFLDA } else { OP_LDFLDA }));
        }
    }
    for (at, op) in fixes {
        code[at] = op;
    }
    Ok(())
}

/// An instance constructor plug: the target's code up to and including its
/// base/this constructor call (field initializers, then `call .ctor`), then
/// the plug's body.
fn keep_base_call(e: &Editor, original: &NewBody, plug: NewBody) -> Result<NewBody, String> {
    let mut prefix_end = 0usize;
    for i in Instrs::new(&original.code) {
        let i = i.map_err(|x| x.to_string())?;
        if let graft_ecma::il::Operand::Token(t) = i.operand
            && i.code == OP_CALL as u16
        {
            let (table, row) = (TableId((t >> 24) as u8), t & 0xFF_FFFF);
            let name = match table {
                TableId::METHOD_DEF => e.string(e.get(TableId::METHOD_DEF, row, 3)).unwrap_or(""),
                TableId::MEMBER_REF => e.string(e.get(TableId::MEMBER_REF, row, 1)).unwrap_or(""),
                _ => "",
            };
            if name == ".ctor" {
                prefix_end = i.next as usize;
                break;
            }
        }
    }
    let prefix = &original.code[..prefix_end];
    for i in Instrs::new(prefix) {
        let i = i.map_err(|x| x.to_string())?;
        if matches!(i.code, 0x06..=0x0E | 0x11..=0x13 | 0xFE0C..=0xFE0E) {
            return Err("the target constructor's field initializers use local variables, which the patcher cannot keep with the plug's; move the initialization into the plug".into());
        }
    }
    if original.eh.iter().any(|c| (c.try_offset as usize) < prefix_end) {
        return Err("the target constructor has exception handling before its base constructor call".into());
    }
    let shift = prefix_end as u32;
    let mut code = prefix.to_vec();
    code.extend_from_slice(&plug.code);
    let eh = plug
        .eh
        .iter()
        .map(|c| {
            let mut c = *c;
            c.try_offset += shift;
            c.handler_offset += shift;
            if c.flags == graft_ecma::il::body::EH_FILTER {
                c.class_or_filter += shift;
            }
            c
        })
        .collect();
    Ok(NewBody { max_stack: plug.max_stack.max(original.max_stack), init_locals: plug.init_locals, local_sig: plug.local_sig, code, eh })
}
