//! Custom attributes (II.22.10) and the names around them: which rows carry
//! an attribute, its constructor, the attribute type's full name, and the
//! owner of a member. The patcher finds plugs through these.

use super::error::{Error, Result};
use super::metadata::Metadata;
use crate::raw::{TableId, coded};

/// One CustomAttribute row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CustomAttribute<'data> {
    pub row: u32,
    /// The row the attribute is on: (table, row).
    pub parent: (TableId, u32),
    /// The constructor: a MethodDef or MemberRef token.
    pub ctor: u32,
    /// The value blob (II.23.3), decoded with [`crate::sig::attr::decode`].
    pub value: &'data [u8],
}

impl<'data> Metadata<'data> {
    fn attribute_at(&self, row: u32) -> Result<CustomAttribute<'data>> {
        let t = TableId::CUSTOM_ATTRIBUTE;
        let parent = coded::HAS_CUSTOM_ATTRIBUTE.decode(self.tables.get(t, row, 0)).ok_or(Error::row("bad attribute parent", t, row))?;
        let (ct, cr) = coded::CUSTOM_ATTRIBUTE_TYPE.decode(self.tables.get(t, row, 1)).ok_or(Error::row("bad attribute constructor", t, row))?;
        let value = self.blobs.get(self.tables.get(t, row, 2)).map_err(|e| e.with_row(t, row))?;
        Ok(CustomAttribute { row, parent, ctor: ct.token(cr), value })
    }

    /// Every custom attribute, in table order (sorted by parent).
    pub fn custom_attributes(&self) -> impl Iterator<Item = Result<CustomAttribute<'data>>> + '_ {
        (1..=self.tables.row_count(TableId::CUSTOM_ATTRIBUTE)).map(|r| self.attribute_at(r))
    }

    /// The attributes on one row (`table`, `row`), found by binary search
    /// (the table is sorted by its Parent column).
    pub fn attributes_of(&self, table: TableId, row: u32) -> Result<Vec<CustomAttribute<'data>>> {
        let Some(key) = coded::HAS_CUSTOM_ATTRIBUTE.encode(table, row) else { return Ok(Vec::new()) };
        let t = TableId::CUSTOM_ATTRIBUTE;
        let n = self.tables.row_count(t);
        let (mut lo, mut hi) = (1u32, n + 1);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if self.tables.get(t, mid, 0) < key {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        (lo..=n).take_while(|&r| self.tables.get(t, r, 0) == key).map(|r| self.attribute_at(r)).collect()
    }

    /// The type that declares an attribute constructor (MethodDef or
    /// MemberRef): a TypeDef, TypeRef or TypeSpec token.
    pub fn attribute_type(&self, ctor: u32) -> Result<u32> {
        let (t, r) = (TableId((ctor >> 24) as u8), ctor & 0xFF_FFFF);
        match t {
            TableId::METHOD_DEF => self.owner_of(t, r).map(|o| TableId::TYPE_DEF.token(o)).ok_or(Error::row("method has no owning type", t, r)),
            TableId::MEMBER_REF => match coded::MEMBER_REF_PARENT.decode(self.tables.get(t, r, 0)) {
                Some((pt, pr)) => Ok(pt.token(pr)),
                None => Err(Error::row("bad MemberRef parent", t, r)),
            },
            _ => Err(Error::at("attribute constructor is neither MethodDef nor MemberRef", ctor as u64)),
        }
    }

    /// The full name of a TypeDef or TypeRef, `Namespace.Name`, nested types
    /// as `Namespace.Outer+Inner` (the serialized form `typeof` uses).
    pub fn type_full_name(&self, tok: u32) -> Result<String> {
        let mut parts = Vec::new();
        let mut tok = tok;
        for _ in 0..64 {
            let (t, r) = (TableId((tok >> 24) as u8), tok & 0xFF_FFFF);
            let (name_col, ns_col) = match t {
                TableId::TYPE_DEF | TableId::TYPE_REF => (1, 2),
                _ => return Err(Error::at("not a TypeDef or TypeRef", tok as u64)),
            };
            let name = self.strings.get(self.tables.get(t, r, name_col)).map_err(|e| e.with_row(t, r))?;
            let ns = self.strings.get(self.tables.get(t, r, ns_col)).map_err(|e| e.with_row(t, r))?;
            let outer = match t {
                TableId::TYPE_DEF => self.enclosing_of(r).map(|o| TableId::TYPE_DEF.token(o)),
                _ => match coded::RESOLUTION_SCOPE.decode(self.tables.get(t, r, 0)) {
                    Some((TableId::TYPE_REF, o)) => Some(TableId::TYPE_REF.token(o)),
                    _ => None,
                },
            };
            match outer {
                Some(o) => {
                    parts.push(name.to_string());
                    tok = o;
                }
                None => {
                    let mut s = if ns.is_empty() { name.to_string() } else { format!("{ns}.{name}") };
                    for p in parts.iter().rev() {
                        s.push('+');
                        s.push_str(p);
                    }
                    return Ok(s);
                }
            }
        }
        Err(Error::at("type nesting too deep", tok as u64))
    }

    /// The enclosing TypeDef of a nested TypeDef (NestedClass is sorted).
    pub fn enclosing_of(&self, type_row: u32) -> Option<u32> {
        let t = TableId::NESTED_CLASS;
        let n = self.tables.row_count(t);
        let (mut lo, mut hi) = (1u32, n + 1);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if self.tables.get(t, mid, 0) < type_row {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        (lo <= n && self.tables.get(t, lo, 0) == type_row).then(|| self.tables.get(t, lo, 1))
    }

    /// The TypeDef that owns a MethodDef or Field row (list columns are
    /// ascending; among types with empty lists the owner is the last).
    pub fn owner_of(&self, t: TableId, row: u32) -> Option<u32> {
        let col = if t == TableId::FIELD { 4 } else { 5 };
        let td = TableId::TYPE_DEF;
        let n = self.tables.row_count(td);
        let (mut lo, mut hi) = (1u32, n + 1);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if self.tables.get(td, mid, col) <= row {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        let owner = lo - 1;
        (owner >= 1 && row <= self.tables.row_count(t)).then_some(owner)
    }
}
