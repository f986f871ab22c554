//! Coded indexes (ECMA-335 II.24.2.6): a row index whose low bits name one
//! of several tables.

use super::tables::TableId;

/// A coded index kind: the tables it can point into, in tag order. `None`
/// marks a tag value the standard leaves unused.
#[derive(Debug, PartialEq, Eq)]
pub struct CodedIndex {
    pub name: &'static str,
    pub bits: u32,
    pub tables: &'static [Option<TableId>],
}

macro_rules! coded {
    ($id:ident, $name:literal, $bits:literal, [$($t:expr),* $(,)?]) => {
        pub static $id: CodedIndex = CodedIndex { name: $name, bits: $bits, tables: &[$($t),*] };
    };
}

use TableId as T;
const fn s(t: TableId) -> Option<TableId> {
    Some(t)
}

coded!(TYPE_DEF_OR_REF, "TypeDefOrRef", 2, [s(T::TYPE_DEF), s(T::TYPE_REF), s(T::TYPE_SPEC)]);
coded!(HAS_CONSTANT, "HasConstant", 2, [s(T::FIELD), s(T::PARAM), s(T::PROPERTY)]);
coded!(HAS_CUSTOM_ATTRIBUTE, "HasCustomAttribute", 5, [
    s(T::METHOD_DEF), s(T::FIELD), s(T::TYPE_REF), s(T::TYPE_DEF), s(T::PARAM),
    s(T::INTERFACE_IMPL), s(T::MEMBER_REF), s(T::MODULE), s(T::DECL_SECURITY),
    s(T::PROPERTY), s(T::EVENT), s(T::STAND_ALONE_SIG), s(T::MODULE_REF), s(T::TYPE_SPEC),
    s(T::ASSEMBLY), s(T::ASSEMBLY_REF), s(T::FILE), s(T::EXPORTED_TYPE),
    s(T::MANIFEST_RESOURCE), s(T::GENERIC_PARAM), s(T::GENERIC_PARAM_CONSTRAINT),
    s(T::METHOD_SPEC),
]);
coded!(HAS_FIELD_MARSHAL, "HasFieldMarshal", 1, [s(T::FIELD), s(T::PARAM)]);
coded!(HAS_DECL_SECURITY, "HasDeclSecurity", 2, [s(T::TYPE_DEF), s(T::METHOD_DEF), s(T::ASSEMBLY)]);
coded!(MEMBER_REF_PARENT, "MemberRefParent", 3, [
    s(T::TYPE_DEF), s(T::TYPE_REF), s(T::MODULE_REF), s(T::METHOD_DEF), s(T::TYPE_SPEC),
]);
coded!(HAS_SEMANTICS, "HasSemantics", 1, [s(T::EVENT), s(T::PROPERTY)]);
coded!(METHOD_DEF_OR_REF, "MethodDefOrRef", 1, [s(T::METHOD_DEF), s(T::MEMBER_REF)]);
coded!(MEMBER_FORWARDED, "MemberForwarded", 1, [s(T::FIELD), s(T::METHOD_DEF)]);
coded!(IMPLEMENTATION, "Implementation", 2, [s(T::FILE), s(T::ASSEMBLY_REF), s(T::EXPORTED_TYPE)]);
coded!(CUSTOM_ATTRIBUTE_TYPE, "CustomAttributeType", 3, [
    None, None, s(T::METHOD_DEF), s(T::MEMBER_REF), None,
]);
coded!(RESOLUTION_SCOPE, "ResolutionScope", 2, [
    s(T::MODULE), s(T::MODULE_REF), s(T::ASSEMBLY_REF), s(T::TYPE_REF),
]);
coded!(TYPE_OR_METHOD_DEF, "TypeOrMethodDef", 1, [s(T::TYPE_DEF), s(T::METHOD_DEF)]);
coded!(HAS_CUSTOM_DEBUG_INFORMATION, "HasCustomDebugInformation", 5, [
    s(T::METHOD_DEF), s(T::FIELD), s(T::TYPE_REF), s(T::TYPE_DEF), s(T::PARAM),
    s(T::INTERFACE_IMPL), s(T::MEMBER_REF), s(T::MODULE), s(T::DECL_SECURITY),
    s(T::PROPERTY), s(T::EVENT), s(T::STAND_ALONE_SIG), s(T::MODULE_REF), s(T::TYPE_SPEC),
    s(T::ASSEMBLY), s(T::ASSEMBLY_REF), s(T::FILE), s(T::EXPORTED_TYPE),
    s(T::MANIFEST_RESOURCE), s(T::GENERIC_PARAM), s(T::GENERIC_PARAM_CONSTRAINT),
    s(T::METHOD_SPEC), s(T::DOCUMENT), s(T::LOCAL_SCOPE), s(T::LOCAL_VARIABLE),
    s(T::LOCAL_CONSTANT), s(T::IMPORT_SCOPE),
]);

impl CodedIndex {
    /// Splits a coded value into (table, 1-based row); `None` for an unused
    /// or out-of-range tag.
    pub fn decode(&self, value: u32) -> Option<(TableId, u32)> {
        let tag = value & ((1 << self.bits) - 1);
        let table = (*self.tables.get(tag as usize)?)?;
        Some((table, value >> self.bits))
    }

    /// Joins a table and row into a coded value; `None` when the table is not
    /// one this index can name.
    pub fn encode(&self, table: TableId, row: u32) -> Option<u32> {
        let tag = self.tables.iter().position(|t| *t == Some(table))? as u32;
        Some((row << self.bits) | tag)
    }

    /// Whether the index needs 4 bytes given each table's row count.
    pub fn is_wide(&self, rows: &[u32; 64]) -> bool {
        let limit = 1u32 << (16 - self.bits);
        self.tables.iter().flatten().any(|t| rows[t.0 as usize] >= limit)
    }
}
