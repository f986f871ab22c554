//! Row schemas of the metadata tables (ECMA-335 II.22, plus the portable PDB
//! tables 0x30..0x37). A schema is a list of columns; widths depend on heap
//! sizes and row counts and are computed by `read::tables::Layout`.

use super::coded::{self, CodedIndex};

/// A metadata table number (the high byte of a token).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TableId(pub u8);

impl TableId {
    pub const MODULE: TableId = TableId(0x00);
    pub const TYPE_REF: TableId = TableId(0x01);
    pub const TYPE_DEF: TableId = TableId(0x02);
    pub const FIELD_PTR: TableId = TableId(0x03);
    pub const FIELD: TableId = TableId(0x04);
    pub const METHOD_PTR: TableId = TableId(0x05);
    pub const METHOD_DEF: TableId = TableId(0x06);
    pub const PARAM_PTR: TableId = TableId(0x07);
    pub const PARAM: TableId = TableId(0x08);
    pub const INTERFACE_IMPL: TableId = TableId(0x09);
    pub const MEMBER_REF: TableId = TableId(0x0A);
    pub const CONSTANT: TableId = TableId(0x0B);
    pub const CUSTOM_ATTRIBUTE: TableId = TableId(0x0C);
    pub const FIELD_MARSHAL: TableId = TableId(0x0D);
    pub const DECL_SECURITY: TableId = TableId(0x0E);
    pub const CLASS_LAYOUT: TableId = TableId(0x0F);
    pub const FIELD_LAYOUT: TableId = TableId(0x10);
    pub const STAND_ALONE_SIG: TableId = TableId(0x11);
    pub const EVENT_MAP: TableId = TableId(0x12);
    pub const EVENT_PTR: TableId = TableId(0x13);
    pub const EVENT: TableId = TableId(0x14);
    pub const PROPERTY_MAP: TableId = TableId(0x15);
    pub const PROPERTY_PTR: TableId = TableId(0x16);
    pub const PROPERTY: TableId = TableId(0x17);
    pub const METHOD_SEMANTICS: TableId = TableId(0x18);
    pub const METHOD_IMPL: TableId = TableId(0x19);
    pub const MODULE_REF: TableId = TableId(0x1A);
    pub const TYPE_SPEC: TableId = TableId(0x1B);
    pub const IMPL_MAP: TableId = TableId(0x1C);
    pub const FIELD_RVA: TableId = TableId(0x1D);
    pub const ENC_LOG: TableId = TableId(0x1E);
    pub const ENC_MAP: TableId = TableId(0x1F);
    pub const ASSEMBLY: TableId = TableId(0x20);
    pub const ASSEMBLY_PROCESSOR: TableId = TableId(0x21);
    pub const ASSEMBLY_OS: TableId = TableId(0x22);
    pub const ASSEMBLY_REF: TableId = TableId(0x23);
    pub const ASSEMBLY_REF_PROCESSOR: TableId = TableId(0x24);
    pub const ASSEMBLY_REF_OS: TableId = TableId(0x25);
    pub const FILE: TableId = TableId(0x26);
    pub const EXPORTED_TYPE: TableId = TableId(0x27);
    pub const MANIFEST_RESOURCE: TableId = TableId(0x28);
    pub const NESTED_CLASS: TableId = TableId(0x29);
    pub const GENERIC_PARAM: TableId = TableId(0x2A);
    pub const METHOD_SPEC: TableId = TableId(0x2B);
    pub const GENERIC_PARAM_CONSTRAINT: TableId = TableId(0x2C);
    pub const DOCUMENT: TableId = TableId(0x30);
    pub const METHOD_DEBUG_INFORMATION: TableId = TableId(0x31);
    pub const LOCAL_SCOPE: TableId = TableId(0x32);
    pub const LOCAL_VARIABLE: TableId = TableId(0x33);
    pub const LOCAL_CONSTANT: TableId = TableId(0x34);
    pub const IMPORT_SCOPE: TableId = TableId(0x35);
    pub const STATE_MACHINE_METHOD: TableId = TableId(0x36);
    pub const CUSTOM_DEBUG_INFORMATION: TableId = TableId(0x37);

    /// The table's schema, or `None` for a number the standard does not define.
    pub fn schema(self) -> Option<&'static Schema> {
        SCHEMAS.get(self.0 as usize).and_then(|s| s.as_ref())
    }

    pub fn name(self) -> &'static str {
        self.schema().map_or("unknown table", |s| s.name)
    }

    /// A token for row `row` (1-based) of this table.
    pub fn token(self, row: u32) -> u32 {
        ((self.0 as u32) << 24) | row
    }
}

/// How one column is stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Col {
    /// A 2-byte constant (flags, numbers; Constant.Type with its pad byte).
    U16,
    /// A 4-byte constant (flags, RVAs).
    U32,
    /// An offset into `#Strings`.
    Str,
    /// A 1-based index into `#GUID`.
    Guid,
    /// An offset into `#Blob`.
    Blob,
    /// A 1-based row index into one table.
    Table(TableId),
    /// A coded index.
    Coded(&'static CodedIndex),
}

/// A table's name, columns and, for tables the standard requires sorted, the
/// key columns (primary first).
#[derive(Debug)]
pub struct Schema {
    pub name: &'static str,
    pub cols: &'static [(&'static str, Col)],
    pub sort_keys: &'static [usize],
}

use Col::*;
use TableId as T;

const fn t(name: &'static str, cols: &'static [(&'static str, Col)]) -> Option<Schema> {
    Some(Schema { name, cols, sort_keys: &[] })
}
const fn sorted(
    name: &'static str,
    cols: &'static [(&'static str, Col)],
    sort_keys: &'static [usize],
) -> Option<Schema> {
    Some(Schema { name, cols, sort_keys })
}

static SCHEMAS: [Option<Schema>; 0x38] = [
    t("Module", &[("Generation", U16), ("Name", Str), ("Mvid", Guid), ("EncId", Guid), ("EncBaseId", Guid)]),
    t("TypeRef", &[("ResolutionScope", Coded(&coded::RESOLUTION_SCOPE)), ("TypeName", Str), ("TypeNamespace", Str)]),
    t("TypeDef", &[
        ("Flags", U32), ("TypeName", Str), ("TypeNamespace", Str),
        ("Extends", Coded(&coded::TYPE_DEF_OR_REF)), ("FieldList", Table(T::FIELD)), ("MethodList", Table(T::METHOD_DEF)),
    ]),
    t("FieldPtr", &[("Field", Table(T::FIELD))]),
    t("Field", &[("Flags", U16), ("Name", Str), ("Signature", Blob)]),
    t("MethodPtr", &[("Method", Table(T::METHOD_DEF))]),
    t("MethodDef", &[
        ("RVA", U32), ("ImplFlags", U16), ("Flags", U16), ("Name", Str), ("Signature", Blob), ("ParamList", Table(T::PARAM)),
    ]),
    t("ParamPtr", &[("Param", Table(T::PARAM))]),
    t("Param", &[("Flags", U16), ("Sequence", U16), ("Name", Str)]),
    // Sorted by Class only: interface order within a class is declaration
    // order, which the runtime observes.
    sorted("InterfaceImpl", &[("Class", Table(T::TYPE_DEF)), ("Interface", Coded(&coded::TYPE_DEF_OR_REF))], &[0]),
    t("MemberRef", &[("Class", Coded(&coded::MEMBER_REF_PARENT)), ("Name", Str), ("Signature", Blob)]),
    sorted("Constant", &[("Type", U16), ("Parent", Coded(&coded::HAS_CONSTANT)), ("Value", Blob)], &[1]),
    sorted("CustomAttribute", &[
        ("Parent", Coded(&coded::HAS_CUSTOM_ATTRIBUTE)), ("Type", Coded(&coded::CUSTOM_ATTRIBUTE_TYPE)), ("Value", Blob),
    ], &[0]),
    sorted("FieldMarshal", &[("Parent", Coded(&coded::HAS_FIELD_MARSHAL)), ("NativeType", Blob)], &[0]),
    sorted("DeclSecurity", &[("Action", U16), ("Parent", Coded(&coded::HAS_DECL_SECURITY)), ("PermissionSet", Blob)], &[1]),
    sorted("ClassLayout", &[("PackingSize", U16), ("ClassSize", U32), ("Parent", Table(T::TYPE_DEF))], &[2]),
    sorted("FieldLayout", &[("Offset", U32), ("Field", Table(T::FIELD))], &[1]),
    t("StandAloneSig", &[("Signature", Blob)]),
    t("EventMap", &[("Parent", Table(T::TYPE_DEF)), ("EventList", Table(T::EVENT))]),
    t("EventPtr", &[("Event", Table(T::EVENT))]),
    t("Event", &[("EventFlags", U16), ("Name", Str), ("EventType", Coded(&coded::TYPE_DEF_OR_REF))]),
    t("PropertyMap", &[("Parent", Table(T::TYPE_DEF)), ("PropertyList", Table(T::PROPERTY))]),
    t("PropertyPtr", &[("Property", Table(T::PROPERTY))]),
    t("Property", &[("Flags", U16), ("Name", Str), ("Type", Blob)]),
    sorted("MethodSemantics", &[
        ("Semantics", U16), ("Method", Table(T::METHOD_DEF)), ("Association", Coded(&coded::HAS_SEMANTICS)),
    ], &[2]),
    sorted("MethodImpl", &[
        ("Class", Table(T::TYPE_DEF)), ("MethodBody", Coded(&coded::METHOD_DEF_OR_REF)),
        ("MethodDeclaration", Coded(&coded::METHOD_DEF_OR_REF)),
    ], &[0]),
    t("ModuleRef", &[("Name", Str)]),
    t("TypeSpec", &[("Signature", Blob)]),
    sorted("ImplMap", &[
        ("MappingFlags", U16), ("MemberForwarded", Coded(&coded::MEMBER_FORWARDED)), ("ImportName", Str),
        ("ImportScope", Table(T::MODULE_REF)),
    ], &[1]),
    sorted("FieldRVA", &[("RVA", U32), ("Field", Table(T::FIELD))], &[1]),
    t("EncLog", &[("Token", U32), ("FuncCode", U32)]),
    t("EncMap", &[("Token", U32)]),
    t("Assembly", &[
        ("HashAlgId", U32), ("MajorVersion", U16), ("MinorVersion", U16), ("BuildNumber", U16),
        ("RevisionNumber", U16), ("Flags", U32), ("PublicKey", Blob), ("Name", Str), ("Culture", Str),
    ]),
    t("AssemblyProcessor", &[("Processor", U32)]),
    t("AssemblyOS", &[("OSPlatformID", U32), ("OSMajorVersion", U32), ("OSMinorVersion", U32)]),
    t("AssemblyRef", &[
        ("MajorVersion", U16), ("MinorVersion", U16), ("BuildNumber", U16), ("RevisionNumber", U16),
        ("Flags", U32), ("PublicKeyOrToken", Blob), ("Name", Str), ("Culture", Str), ("HashValue", Blob),
    ]),
    t("AssemblyRefProcessor", &[("Processor", U32), ("AssemblyRef", Table(T::ASSEMBLY_REF))]),
    t("AssemblyRefOS", &[
        ("OSPlatformId", U32), ("OSMajorVersion", U32), ("OSMinorVersion", U32), ("AssemblyRef", Table(T::ASSEMBLY_REF)),
    ]),
    t("File", &[("Flags", U32), ("Name", Str), ("HashValue", Blob)]),
    t("ExportedType", &[
        ("Flags", U32), ("TypeDefId", U32), ("TypeName", Str), ("TypeNamespace", Str),
        ("Implementation", Coded(&coded::IMPLEMENTATION)),
    ]),
    t("ManifestResource", &[("Offset", U32), ("Flags", U32), ("Name", Str), ("Implementation", Coded(&coded::IMPLEMENTATION))]),
    sorted("NestedClass", &[("NestedClass", Table(T::TYPE_DEF)), ("EnclosingClass", Table(T::TYPE_DEF))], &[0]),
    sorted("GenericParam", &[
        ("Number", U16), ("Flags", U16), ("Owner", Coded(&coded::TYPE_OR_METHOD_DEF)), ("Name", Str),
    ], &[2, 0]),
    t("MethodSpec", &[("Method", Coded(&coded::METHOD_DEF_OR_REF)), ("Instantiation", Blob)]),
    sorted("GenericParamConstraint", &[
        ("Owner", Table(T::GENERIC_PARAM)), ("Constraint", Coded(&coded::TYPE_DEF_OR_REF)),
    ], &[0]),
    None,
    None,
    None,
    t("Document", &[("Name", Blob), ("HashAlgorithm", Guid), ("Hash", Blob), ("Language", Guid)]),
    t("MethodDebugInformation", &[("Document", Table(T::DOCUMENT)), ("SequencePoints", Blob)]),
    sorted("LocalScope", &[
        ("Method", Table(T::METHOD_DEF)), ("ImportScope", Table(T::IMPORT_SCOPE)),
        ("VariableList", Table(T::LOCAL_VARIABLE)), ("ConstantList", Table(T::LOCAL_CONSTANT)),
        ("StartOffset", U32), ("Length", U32),
    ], &[0, 4]),
    t("LocalVariable", &[("Attributes", U16), ("Index", U16), ("Name", Str)]),
    t("LocalConstant", &[("Name", Str), ("Signature", Blob)]),
    t("ImportScope", &[("Parent", Table(T::IMPORT_SCOPE)), ("Imports", Blob)]),
    sorted("StateMachineMethod", &[("MoveNextMethod", Table(T::METHOD_DEF)), ("KickoffMethod", Table(T::METHOD_DEF))], &[0]),
    sorted("CustomDebugInformation", &[
        ("Parent", Coded(&coded::HAS_CUSTOM_DEBUG_INFORMATION)), ("Kind", Guid), ("Value", Blob),
    ], &[0]),
];

/// Every table number with a schema, in stream order.
pub fn all_tables() -> impl Iterator<Item = TableId> {
    (0u8..0x38).map(TableId).filter(|t| t.schema().is_some())
}

/// Does a column point at `target` (directly or through a coded index)?
pub fn col_refers_to(col: Col, target: TableId) -> bool {
    match col {
        Col::Table(t) => t == target,
        Col::Coded(c) => c.tables.contains(&Some(target)),
        _ => false,
    }
}
