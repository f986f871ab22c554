//! Member-level edits: add fields and methods to a type, change method
//! flags, turn extern/InternalCall/P/Invoke methods into IL methods.

use super::{Editor, PENDING_BODY, list_range};
use crate::il::NewBody;
use crate::raw::{TableId, coded};
use crate::read::Error;

pub const METHOD_PINVOKE_IMPL: u16 = 0x2000;
pub const METHOD_ABSTRACT: u16 = 0x0400;
pub const IMPL_CODE_TYPE_MASK: u16 = 0x0003;
pub const IMPL_INTERNAL_CALL: u16 = 0x1000;
pub const IMPL_PRESERVE_SIG: u16 = 0x0080;

#[derive(Clone, Debug, Default)]
pub struct NewParam {
    pub flags: u16,
    /// 0 for the return value, 1.. for parameters.
    pub sequence: u16,
    pub name: String,
}

#[derive(Clone, Debug, Default)]
pub struct NewMethod {
    pub flags: u16,
    pub impl_flags: u16,
    pub name: String,
    /// Method signature blob in this assembly's tokens.
    pub signature: Vec<u8>,
    pub params: Vec<NewParam>,
    pub body: Option<NewBody>,
}

impl Editor<'_, '_> {
    fn check_no_ptr_tables(&self) -> Result<(), Error> {
        for t in [TableId::FIELD_PTR, TableId::METHOD_PTR, TableId::PARAM_PTR] {
            if self.rows(t) != 0 {
                return Err(Error::row("adding members to metadata with pointer tables is not supported", t, 1));
            }
        }
        Ok(())
    }

    fn check_type(&self, type_row: u32) -> Result<(), Error> {
        if type_row == 0 || type_row > self.rows(TableId::TYPE_DEF) {
            return Err(Error::row("no such type", TableId::TYPE_DEF, type_row));
        }
        Ok(())
    }

    /// Adds a field at the end of the type's field list; returns its row.
    pub fn add_field(&mut self, type_row: u32, flags: u16, name: &str, signature: &[u8]) -> Result<u32, Error> {
        self.check_no_ptr_tables()?;
        self.check_type(type_row)?;
        let at = self.member_range(type_row, 4).end;
        let name = self.strings.add(name.as_bytes());
        let sig = self.blobs.add(signature);
        self.insert_list_row(TableId::FIELD, at, &[flags as u32, name, sig], TableId::TYPE_DEF, type_row, 4)?;
        Ok(at)
    }

    /// Adds a method (and its Param rows) at the end of the type's method
    /// list; returns its row.
    pub fn add_method(&mut self, type_row: u32, m: NewMethod) -> Result<u32, Error> {
        self.check_no_ptr_tables()?;
        self.check_type(type_row)?;
        let at = self.member_range(type_row, 5).end;
        let param_at = if at <= self.rows(TableId::METHOD_DEF) {
            self.get(TableId::METHOD_DEF, at, 5)
        } else {
            self.rows(TableId::PARAM) + 1
        };
        let rva = match m.body {
            Some(b) => {
                self.bodies.push(b);
                PENDING_BODY | (self.bodies.len() as u32 - 1)
            }
            None => 0,
        };
        let name = self.strings.add(m.name.as_bytes());
        let sig = self.blobs.add(&m.signature);
        let cells = [rva, m.impl_flags as u32, m.flags as u32, name, sig, param_at];
        self.insert_list_row(TableId::METHOD_DEF, at, &cells, TableId::TYPE_DEF, type_row, 5)?;
        for (i, p) in m.params.iter().enumerate() {
            let pname = self.strings.add(p.name.as_bytes());
            let cells = [p.flags as u32, p.sequence as u32, pname];
            self.insert_list_row(TableId::PARAM, param_at + i as u32, &cells, TableId::METHOD_DEF, at, 5)?;
        }
        Ok(at)
    }

    pub fn set_method_flags(&mut self, row: u32, flags: u16, impl_flags: u16) -> Result<(), Error> {
        if row == 0 || row > self.rows(TableId::METHOD_DEF) {
            return Err(Error::row("no such method", TableId::METHOD_DEF, row));
        }
        self.set(TableId::METHOD_DEF, row, 2, flags as u32);
        self.set(TableId::METHOD_DEF, row, 1, impl_flags as u32);
        Ok(())
    }

    /// Makes a method an ordinary IL method: drops PInvokeImpl and its
    /// ImplMap row, InternalCall, PreserveSig and a non-IL code type. Give
    /// it a body with [`Editor::replace_body`].
    pub fn make_managed(&mut self, row: u32) -> Result<(), Error> {
        if row == 0 || row > self.rows(TableId::METHOD_DEF) {
            return Err(Error::row("no such method", TableId::METHOD_DEF, row));
        }
        let flags = self.get(TableId::METHOD_DEF, row, 2) as u16;
        let impl_flags = self.get(TableId::METHOD_DEF, row, 1) as u16;
        self.set_method_flags(
            row,
            flags & !(METHOD_PINVOKE_IMPL | METHOD_ABSTRACT),
            impl_flags & !(IMPL_INTERNAL_CALL | IMPL_PRESERVE_SIG | IMPL_CODE_TYPE_MASK),
        )?;
        let key = coded::MEMBER_FORWARDED.encode(TableId::METHOD_DEF, row).unwrap_or(0);
        if let Some(r) = (1..=self.rows(TableId::IMPL_MAP)).find(|&r| self.get(TableId::IMPL_MAP, r, 1) == key) {
            self.delete_unreferenced_row(TableId::IMPL_MAP, r);
        }
        Ok(())
    }

    /// Adds a custom attribute to a row: `ctor` is a MethodDef or MemberRef
    /// token of this assembly, `value` the attribute blob (II.23.3, which
    /// holds no tokens). The table stays sorted by parent.
    pub fn add_custom_attribute(&mut self, parent: TableId, row: u32, ctor: u32, value: &[u8]) -> Result<u32, Error> {
        let parent_coded = coded::HAS_CUSTOM_ATTRIBUTE.encode(parent, row).ok_or(Error::row("cannot carry a custom attribute", parent, row))?;
        let ctor_coded = coded::CUSTOM_ATTRIBUTE_TYPE
            .encode(TableId((ctor >> 24) as u8), ctor & 0xFF_FFFF)
            .ok_or(Error::at("attribute constructor is neither MethodDef nor MemberRef", ctor as u64))?;
        let blob = self.blobs.add(value);
        let r = self.push_row(TableId::CUSTOM_ATTRIBUTE, &[parent_coded, ctor_coded, blob])?;
        self.sort_tables();
        Ok(r)
    }

    /// Param rows of a method.
    pub fn param_range(&self, method_row: u32) -> std::ops::Range<u32> {
        list_range(self, TableId::METHOD_DEF, method_row, 5, TableId::PARAM)
    }
}
