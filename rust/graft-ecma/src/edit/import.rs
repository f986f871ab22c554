//! Importing what a method body from another assembly refers to: types,
//! members, generic instances, method specs, standalone signatures and user
//! strings become rows of the target (reused when equal rows exist), and the
//! body's tokens are rewritten by walking its instructions.
//!
//! A type is looked up where it is really defined: references through a
//! facade (System.Runtime) follow the facade's ExportedType forwarders when
//! a [`Resolver`] can load it, and a type defined by the target itself
//! becomes a TypeDef token, not a self-reference.

use super::Editor;
use crate::il::{MethodBody, NewBody};
use crate::raw::{TableId, coded};
use crate::read::{Assembly, Error};
use crate::sig::{Signature, parse_type_spec};
use std::collections::HashMap;

/// Loads assemblies by simple name, for following type forwarders.
pub trait Resolver {
    fn resolve(&self, name: &str) -> Option<&Assembly<'_>>;
}

/// An assembly identity as an AssemblyRef row needs it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Identity {
    name: String,
    version: [u16; 4],
    flags: u32,
    key: Vec<u8>,
    culture: String,
}

/// A type by where it lives and its (nested) name.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct TypeKey {
    scope: Identity,
    /// Outermost first: (namespace, name); nested types have empty namespaces.
    path: Vec<(String, String)>,
}

const MAX_FORWARD_HOPS: usize = 8;
const MAX_NESTING: usize = 64;

/// MemberRefs of the target by (parent token, name, signature).
type MemberRefIndex = HashMap<(u32, String, Vec<u8>), u32>;

pub struct Importer<'s> {
    source: &'s Assembly<'s>,
    resolver: Option<&'s dyn Resolver>,
    cache: HashMap<u32, u32>,
    type_refs: Option<HashMap<(u32, String, String), u32>>,
    member_refs: Option<MemberRefIndex>,
}

fn tok_table(t: u32) -> TableId {
    TableId((t >> 24) as u8)
}

fn tok_row(t: u32) -> u32 {
    t & 0xFF_FFFF
}

impl<'s> Importer<'s> {
    pub fn new(source: &'s Assembly<'s>, resolver: Option<&'s dyn Resolver>) -> Self {
        Importer { source, resolver, cache: HashMap::new(), type_refs: None, member_refs: None }
    }

    /// Fixes what a source token becomes in the target (a plug member that
    /// stands for a target member, a helper already copied): later imports
    /// of `source` give `target`.
    pub fn map(&mut self, source: u32, target: u32) {
        self.cache.insert(source, target);
    }

    /// What a source token was mapped to or imported as, so far.
    pub fn mapped(&self, source: u32) -> Option<u32> {
        self.cache.get(&source).copied()
    }

    fn src_str(&self, off: u32) -> Result<String, Error> {
        Ok(self.source.metadata.strings.get(off)?.to_string())
    }

    fn src_get(&self, t: TableId, row: u32, col: usize) -> u32 {
        self.source.metadata.tables.get(t, row, col)
    }

    fn identity_of_assembly(a: &Assembly) -> Result<Identity, Error> {
        let md = &a.metadata;
        let g = |c| md.tables.get(TableId::ASSEMBLY, 1, c);
        if md.tables.row_count(TableId::ASSEMBLY) == 0 {
            return Err(Error::row("assembly has no Assembly row", TableId::ASSEMBLY, 1));
        }
        Ok(Identity {
            name: md.strings.get(g(7))?.to_string(),
            version: [g(1) as u16, g(2) as u16, g(3) as u16, g(4) as u16],
            // A full public key is marked with the PublicKey flag.
            flags: if g(6) != 0 { 1 } else { 0 },
            key: md.blobs.get(g(6))?.to_vec(),
            culture: md.strings.get(g(8))?.to_string(),
        })
    }

    fn identity_of_ref(a: &Assembly, row: u32) -> Result<Identity, Error> {
        let md = &a.metadata;
        let g = |c| md.tables.get(TableId::ASSEMBLY_REF, row, c);
        if row == 0 || row > md.tables.row_count(TableId::ASSEMBLY_REF) {
            return Err(Error::row("no such AssemblyRef", TableId::ASSEMBLY_REF, row));
        }
        Ok(Identity {
            name: md.strings.get(g(6))?.to_string(),
            version: [g(0) as u16, g(1) as u16, g(2) as u16, g(3) as u16],
            flags: g(4),
            key: md.blobs.get(g(5))?.to_vec(),
            culture: md.strings.get(g(7))?.to_string(),
        })
    }

    /// Where a source TypeDef/TypeRef lives, by name.
    fn type_key(&self, tok: u32, depth: usize) -> Result<TypeKey, Error> {
        if depth > MAX_NESTING {
            return Err(Error::row("type nesting too deep", tok_table(tok), tok_row(tok)));
        }
        let (t, r) = (tok_table(tok), tok_row(tok));
        match t {
            TableId::TYPE_DEF => {
                let ns = self.src_str(self.src_get(t, r, 2))?;
                let name = self.src_str(self.src_get(t, r, 1))?;
                let enclosing = enclosing_in(self.source, r);
                match enclosing {
                    Some(outer) => {
                        let mut k = self.type_key(TableId::TYPE_DEF.token(outer), depth + 1)?;
                        k.path.push((ns, name));
                        Ok(k)
                    }
                    None => Ok(TypeKey { scope: Self::identity_of_assembly(self.source)?, path: vec![(ns, name)] }),
                }
            }
            TableId::TYPE_REF => {
                let ns = self.src_str(self.src_get(t, r, 2))?;
                let name = self.src_str(self.src_get(t, r, 1))?;
                let scope = self.src_get(t, r, 0);
                match coded::RESOLUTION_SCOPE.decode(scope) {
                    Some((TableId::TYPE_REF, outer)) => {
                        let mut k = self.type_key(TableId::TYPE_REF.token(outer), depth + 1)?;
                        k.path.push((ns, name));
                        Ok(k)
                    }
                    Some((TableId::ASSEMBLY_REF, ar)) => {
                        Ok(TypeKey { scope: Self::identity_of_ref(self.source, ar)?, path: vec![(ns, name)] })
                    }
                    Some((TableId::MODULE, _)) => Ok(TypeKey { scope: Self::identity_of_assembly(self.source)?, path: vec![(ns, name)] }),
                    _ => Err(Error::row("unsupported TypeRef resolution scope", t, r)),
                }
            }
            _ => Err(Error::row("not a TypeDef or TypeRef", t, r)),
        }
    }

    /// Follows ExportedType forwarders until the defining assembly.
    fn follow_forwarders(&self, mut key: TypeKey, target_name: &str) -> Result<TypeKey, Error> {
        for _ in 0..MAX_FORWARD_HOPS {
            if key.scope.name.eq_ignore_ascii_case(target_name) {
                return Ok(key);
            }
            let Some(asm) = self.resolver.and_then(|r| r.resolve(&key.scope.name)) else { return Ok(key) };
            let (ns, name) = &key.path[0];
            let md = &asm.metadata;
            let n = md.tables.row_count(TableId::EXPORTED_TYPE);
            let fwd = (1..=n).find(|&r| {
                md.strings.get(md.tables.get(TableId::EXPORTED_TYPE, r, 2)).ok() == Some(name.as_str())
                    && md.strings.get(md.tables.get(TableId::EXPORTED_TYPE, r, 3)).ok() == Some(ns.as_str())
            });
            let Some(r) = fwd else { return Ok(key) };
            match coded::IMPLEMENTATION.decode(md.tables.get(TableId::EXPORTED_TYPE, r, 4)) {
                Some((TableId::ASSEMBLY_REF, ar)) => key.scope = Self::identity_of_ref(asm, ar)?,
                _ => return Ok(key),
            }
        }
        Err(Error::at("type forwarders form a chain longer than 8", 0))
    }

    fn target_identity_name<'e>(e: &'e Editor) -> &'e str {
        e.asm.and_then(|a| a.name()).unwrap_or("")
    }

    /// Imports a TypeDef/TypeRef/TypeSpec token of the source.
    pub fn import_type(&mut self, e: &mut Editor, tok: u32) -> Result<u32, Error> {
        if let Some(&t) = self.cache.get(&tok) {
            return Ok(t);
        }
        let out = match tok_table(tok) {
            TableId::TYPE_SPEC => {
                let blob = self.source.metadata.blobs.get(self.src_get(TableId::TYPE_SPEC, tok_row(tok), 0))?;
                let mut ty = parse_type_spec(blob).map_err(|er| er.with_row(TableId::TYPE_SPEC, tok_row(tok)))?;
                ty.map_tokens(&mut |t| self.import_type(e, t))?;
                let mut b = Vec::new();
                ty.encode(&mut b);
                TableId::TYPE_SPEC.token(find_or_push_blob_row(e, TableId::TYPE_SPEC, &b)?)
            }
            _ => {
                let key = self.type_key(tok, 0)?;
                let target = Self::target_identity_name(e).to_string();
                let key = self.follow_forwarders(key, &target)?;
                self.type_for_key(e, &key, &target)?
            }
        };
        self.cache.insert(tok, out);
        Ok(out)
    }

    fn type_for_key(&mut self, e: &mut Editor, key: &TypeKey, target: &str) -> Result<u32, Error> {
        if key.scope.name.eq_ignore_ascii_case(target) {
            let (ns, name) = &key.path[0];
            let mut row = e.find_type(ns, name).ok_or(Error::at("type not found in the target assembly", 0))?;
            for (_, nested) in &key.path[1..] {
                row = (1..=e.rows(TableId::TYPE_DEF))
                    .find(|&r| e.enclosing_type(r) == Some(row) && e.string(e.get(TableId::TYPE_DEF, r, 1)).ok() == Some(nested.as_str()))
                    .ok_or(Error::at("nested type not found in the target assembly", 0))?;
            }
            return Ok(TableId::TYPE_DEF.token(row));
        }
        let ar = self.assembly_ref(e, &key.scope)?;
        let mut scope = coded::RESOLUTION_SCOPE.encode(TableId::ASSEMBLY_REF, ar).unwrap_or(0);
        let mut tok = 0;
        for (ns, name) in &key.path {
            let row = self.type_ref(e, scope, ns, name)?;
            scope = coded::RESOLUTION_SCOPE.encode(TableId::TYPE_REF, row).unwrap_or(0);
            tok = TableId::TYPE_REF.token(row);
        }
        Ok(tok)
    }

    fn assembly_ref(&mut self, e: &mut Editor, id: &Identity) -> Result<u32, Error> {
        let n = e.rows(TableId::ASSEMBLY_REF);
        if let Some(r) = (1..=n).find(|&r| e.string(e.get(TableId::ASSEMBLY_REF, r, 6)).is_ok_and(|s| s.eq_ignore_ascii_case(&id.name))) {
            return Ok(r);
        }
        let key = e.blobs.add(&id.key);
        let name = e.strings.add(id.name.as_bytes());
        let culture = e.strings.add(id.culture.as_bytes());
        let v = id.version;
        e.push_row(TableId::ASSEMBLY_REF, &[v[0] as u32, v[1] as u32, v[2] as u32, v[3] as u32, id.flags, key, name, culture, 0])
    }

    fn type_ref(&mut self, e: &mut Editor, scope: u32, ns: &str, name: &str) -> Result<u32, Error> {
        if self.type_refs.is_none() {
            let mut m = HashMap::new();
            for r in 1..=e.rows(TableId::TYPE_REF) {
                let n = e.string(e.get(TableId::TYPE_REF, r, 1))?.to_string();
                let s = e.string(e.get(TableId::TYPE_REF, r, 2))?.to_string();
                m.entry((e.get(TableId::TYPE_REF, r, 0), s, n)).or_insert(r);
            }
            self.type_refs = Some(m);
        }
        let k = (scope, ns.to_string(), name.to_string());
        if let Some(&r) = self.type_refs.as_ref().and_then(|m| m.get(&k)) {
            return Ok(r);
        }
        let n = e.strings.add(name.as_bytes());
        let s = e.strings.add(ns.as_bytes());
        let r = e.push_row(TableId::TYPE_REF, &[scope, n, s])?;
        self.type_refs.as_mut().expect("built above").insert(k, r);
        Ok(r)
    }

    /// Re-encodes a signature blob of the source with target type tokens.
    pub fn import_sig(&mut self, e: &mut Editor, blob: &[u8]) -> Result<Vec<u8>, Error> {
        let mut sig = Signature::parse(blob)?;
        sig.map_tokens(&mut |t| self.import_type(e, t))?;
        Ok(sig.encode())
    }

    /// Imports a member (MethodDef, Field, MemberRef, MethodSpec) token.
    pub fn import_member(&mut self, e: &mut Editor, tok: u32) -> Result<u32, Error> {
        if let Some(&t) = self.cache.get(&tok) {
            return Ok(t);
        }
        let (t, r) = (tok_table(tok), tok_row(tok));
        let md = &self.source.metadata;
        let out = match t {
            TableId::METHOD_DEF | TableId::FIELD => {
                let owner = owner_type(self.source, t, r).ok_or(Error::row("member has no owning type", t, r))?;
                let (name_col, sig_col) = if t == TableId::METHOD_DEF { (3, 4) } else { (1, 2) };
                let name = self.src_str(self.src_get(t, r, name_col))?;
                let blob = md.blobs.get(self.src_get(t, r, sig_col))?;
                let parent = self.import_type(e, TableId::TYPE_DEF.token(owner))?;
                let sig = self.import_sig(e, blob)?;
                self.member_for(e, parent, &name, &sig)?
            }
            TableId::MEMBER_REF => {
                let class = self.src_get(t, r, 0);
                let name = self.src_str(self.src_get(t, r, 1))?;
                let blob = md.blobs.get(self.src_get(t, r, 2))?;
                let parent = match coded::MEMBER_REF_PARENT.decode(class) {
                    Some((pt @ (TableId::TYPE_DEF | TableId::TYPE_REF | TableId::TYPE_SPEC), pr)) => self.import_type(e, pt.token(pr))?,
                    Some((TableId::METHOD_DEF, pr)) => self.import_member(e, TableId::METHOD_DEF.token(pr))?,
                    _ => return Err(Error::row("unsupported MemberRef parent", t, r)),
                };
                let sig = self.import_sig(e, blob)?;
                self.member_for(e, parent, &name, &sig)?
            }
            TableId::METHOD_SPEC => {
                let m = self.import_member(e, match coded::METHOD_DEF_OR_REF.decode(self.src_get(t, r, 0)) {
                    Some((mt, mr)) => mt.token(mr),
                    None => return Err(Error::row("bad MethodSpec method", t, r)),
                })?;
                let inst = self.import_sig(e, md.blobs.get(self.src_get(t, r, 1))?)?;
                let mcoded = coded::METHOD_DEF_OR_REF.encode(tok_table(m), tok_row(m)).ok_or(Error::row("bad imported method", t, r))?;
                let b = e.blobs.add(&inst);
                let existing = (1..=e.rows(TableId::METHOD_SPEC))
                    .find(|&x| e.get(TableId::METHOD_SPEC, x, 0) == mcoded && e.get(TableId::METHOD_SPEC, x, 1) == b);
                TableId::METHOD_SPEC.token(match existing {
                    Some(x) => x,
                    None => e.push_row(TableId::METHOD_SPEC, &[mcoded, b])?,
                })
            }
            _ => return Err(Error::row("not a member token", t, r)),
        };
        self.cache.insert(tok, out);
        Ok(out)
    }

    /// A member of an imported parent: the target's own definition when the
    /// parent is a target TypeDef, else a (reused) MemberRef.
    fn member_for(&mut self, e: &mut Editor, parent: u32, name: &str, sig: &[u8]) -> Result<u32, Error> {
        if tok_table(parent) == TableId::TYPE_DEF {
            let is_field = sig.first() == Some(&0x06);
            let found = if is_field { e.find_field(tok_row(parent), name, Some(sig)) } else { e.find_method(tok_row(parent), name, Some(sig)) };
            return match found {
                Some(r) => Ok(if is_field { TableId::FIELD.token(r) } else { TableId::METHOD_DEF.token(r) }),
                None => Err(Error::row("member not found in the target type (name or signature differ)", TableId::TYPE_DEF, tok_row(parent))),
            };
        }
        let class = coded::MEMBER_REF_PARENT.encode(tok_table(parent), tok_row(parent)).ok_or(Error::at("bad member parent", 0))?;
        if self.member_refs.is_none() {
            let mut m = HashMap::new();
            for r in 1..=e.rows(TableId::MEMBER_REF) {
                let n = e.string(e.get(TableId::MEMBER_REF, r, 1))?.to_string();
                let s = e.blob(e.get(TableId::MEMBER_REF, r, 2))?.to_vec();
                m.entry((e.get(TableId::MEMBER_REF, r, 0), n, s)).or_insert(r);
            }
            self.member_refs = Some(m);
        }
        let k = (class, name.to_string(), sig.to_vec());
        if let Some(&r) = self.member_refs.as_ref().and_then(|m| m.get(&k)) {
            return Ok(TableId::MEMBER_REF.token(r));
        }
        let n = e.strings.add(name.as_bytes());
        let b = e.blobs.add(sig);
        let r = e.push_row(TableId::MEMBER_REF, &[class, n, b])?;
        self.member_refs.as_mut().expect("built above").insert(k, r);
        Ok(TableId::MEMBER_REF.token(r))
    }

    /// Imports any token that can appear in IL.
    pub fn import_token(&mut self, e: &mut Editor, tok: u32) -> Result<u32, Error> {
        match tok_table(tok) {
            TableId::TYPE_DEF | TableId::TYPE_REF | TableId::TYPE_SPEC => self.import_type(e, tok),
            TableId::METHOD_DEF | TableId::FIELD | TableId::MEMBER_REF | TableId::METHOD_SPEC => self.import_member(e, tok),
            TableId::STAND_ALONE_SIG => {
                let blob = self.source.metadata.blobs.get(self.src_get(TableId::STAND_ALONE_SIG, tok_row(tok), 0))?;
                let sig = self.import_sig(e, blob)?;
                Ok(TableId::STAND_ALONE_SIG.token(find_or_push_blob_row(e, TableId::STAND_ALONE_SIG, &sig)?))
            }
            TableId(0x70) => {
                let s = self.source.metadata.user_strings.get(tok_row(tok))?;
                let off = e.user_strings.add_user_string(&s);
                if off > 0xFF_FFFF {
                    return Err(Error::at("#US heap beyond the 24-bit token range", off as u64));
                }
                Ok(0x7000_0000 | off)
            }
            _ => Err(Error::at("token kind cannot be imported", tok as u64)),
        }
    }

    /// Copies a source body into target terms: every token operand, the
    /// locals signature and catch-clause types are imported.
    pub fn import_body(&mut self, e: &mut Editor, body: &MethodBody) -> Result<NewBody, Error> {
        let mut nb = body.to_new();
        crate::il::decode::remap_tokens(&mut nb.code, |t, _| self.import_token(e, t).map(Some))?;
        if nb.local_sig != 0 {
            nb.local_sig = self.import_token(e, nb.local_sig)?;
        }
        for c in &mut nb.eh {
            if c.flags == crate::il::body::EH_CATCH && c.class_or_filter != 0 {
                c.class_or_filter = self.import_type(e, c.class_or_filter)?;
            }
        }
        Ok(nb)
    }
}

fn find_or_push_blob_row(e: &mut Editor, t: TableId, blob: &[u8]) -> Result<u32, Error> {
    let off = e.blobs.add(blob);
    if let Some(r) = (1..=e.rows(t)).find(|&r| e.get(t, r, 0) == off) {
        return Ok(r);
    }
    e.push_row(t, &[off])
}

/// Enclosing type of a TypeDef in a read assembly.
fn enclosing_in(a: &Assembly, row: u32) -> Option<u32> {
    let t = a.metadata.tables.table(TableId::NESTED_CLASS)?;
    (1..=t.rows).find(|&r| t.get(r, 0) == row).map(|r| t.get(r, 1))
}

/// The TypeDef owning a MethodDef or Field row (list columns are sorted).
fn owner_type(a: &Assembly, t: TableId, row: u32) -> Option<u32> {
    let col = if t == TableId::FIELD { 4 } else { 5 };
    let td = a.metadata.tables.table(TableId::TYPE_DEF)?;
    // Last type whose list starts at or before `row`.
    let (mut lo, mut hi) = (1u32, td.rows + 1);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if td.get(mid, col) <= row {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    let mut owner = lo - 1;
    // Types with empty lists share a start; the owner is the last of them.
    while owner >= 1 && owner < td.rows && td.get(owner + 1, col) <= row {
        owner += 1;
    }
    (owner >= 1).then_some(owner)
}
