// Independent description of the ECMA-335 (II.22, II.24) table layout plus the portable PDB tables,
// used to decode every row of every table straight from the #~ / #- stream bytes. The computed row
// sizes are cross-checked against MetadataReader.GetTableRowSize, so a mistake here (or in the file)
// shows up as a problem rather than as silently misread columns.
using System.Reflection.Metadata.Ecma335;

namespace Graft.Ecma.Checker;

enum ColKind { U8, U16, U32, String, Guid, Blob, Table, Coded }

enum Coded
{
    TypeDefOrRef, HasConstant, HasCustomAttribute, HasFieldMarshal, HasDeclSecurity, MemberRefParent,
    HasSemantics, MethodDefOrRef, MemberForwarded, Implementation, CustomAttributeType, ResolutionScope,
    TypeOrMethodDef, HasCustomDebugInformation,
}

readonly record struct Column(string Name, ColKind Kind, int Target = -1, Coded CodedKind = default, bool IsList = false);

sealed record TableSchema(int Index, string Name, Column[] Columns, int SortKey = -1);

static class Schema
{
    public const int Module = 0x00, TypeRef = 0x01, TypeDef = 0x02, FieldPtr = 0x03, Field = 0x04, MethodPtr = 0x05,
        MethodDef = 0x06, ParamPtr = 0x07, Param = 0x08, InterfaceImpl = 0x09, MemberRef = 0x0A, Constant = 0x0B,
        CustomAttribute = 0x0C, FieldMarshal = 0x0D, DeclSecurity = 0x0E, ClassLayout = 0x0F, FieldLayout = 0x10,
        StandAloneSig = 0x11, EventMap = 0x12, EventPtr = 0x13, Event = 0x14, PropertyMap = 0x15, PropertyPtr = 0x16,
        Property = 0x17, MethodSemantics = 0x18, MethodImpl = 0x19, ModuleRef = 0x1A, TypeSpec = 0x1B, ImplMap = 0x1C,
        FieldRva = 0x1D, EncLog = 0x1E, EncMap = 0x1F, Assembly = 0x20, AssemblyProcessor = 0x21, AssemblyOS = 0x22,
        AssemblyRef = 0x23, AssemblyRefProcessor = 0x24, AssemblyRefOS = 0x25, File = 0x26, ExportedType = 0x27,
        ManifestResource = 0x28, NestedClass = 0x29, GenericParam = 0x2A, MethodSpec = 0x2B, GenericParamConstraint = 0x2C,
        Document = 0x30, MethodDebugInformation = 0x31, LocalScope = 0x32, LocalVariable = 0x33, LocalConstant = 0x34,
        ImportScope = 0x35, StateMachineMethod = 0x36, CustomDebugInformation = 0x37;

    public const int TableCount = 0x38;

    static Column U8(string n) => new(n, ColKind.U8);
    static Column U16(string n) => new(n, ColKind.U16);
    static Column U32(string n) => new(n, ColKind.U32);
    static Column Str(string n) => new(n, ColKind.String);
    static Column Gd(string n) => new(n, ColKind.Guid);
    static Column Bl(string n) => new(n, ColKind.Blob);
    static Column T(string n, int t) => new(n, ColKind.Table, t);
    static Column L(string n, int t) => new(n, ColKind.Table, t, IsList: true);
    static Column C(string n, Coded c) => new(n, ColKind.Coded, CodedKind: c);

    public static readonly TableSchema?[] Tables = Build();

    static TableSchema?[] Build()
    {
        var t = new TableSchema?[TableCount];
        void Add(int i, string name, int sortKey, params Column[] cols) => t[i] = new TableSchema(i, name, cols, sortKey);
        Add(Module, "Module", -1, U16("Generation"), Str("Name"), Gd("Mvid"), Gd("EncId"), Gd("EncBaseId"));
        Add(TypeRef, "TypeRef", -1, C("ResolutionScope", Coded.ResolutionScope), Str("TypeName"), Str("TypeNamespace"));
        Add(TypeDef, "TypeDef", -1, U32("Flags"), Str("TypeName"), Str("TypeNamespace"), C("Extends", Coded.TypeDefOrRef),
            L("FieldList", Field), L("MethodList", MethodDef));
        Add(FieldPtr, "FieldPtr", -1, T("Field", Field));
        Add(Field, "Field", -1, U16("Flags"), Str("Name"), Bl("Signature"));
        Add(MethodPtr, "MethodPtr", -1, T("Method", MethodDef));
        Add(MethodDef, "MethodDef", -1, U32("RVA"), U16("ImplFlags"), U16("Flags"), Str("Name"), Bl("Signature"), L("ParamList", Param));
        Add(ParamPtr, "ParamPtr", -1, T("Param", Param));
        Add(Param, "Param", -1, U16("Flags"), U16("Sequence"), Str("Name"));
        Add(InterfaceImpl, "InterfaceImpl", 0, T("Class", TypeDef), C("Interface", Coded.TypeDefOrRef));
        Add(MemberRef, "MemberRef", -1, C("Class", Coded.MemberRefParent), Str("Name"), Bl("Signature"));
        Add(Constant, "Constant", 2, U8("Type"), U8("Padding"), C("Parent", Coded.HasConstant), Bl("Value"));
        Add(CustomAttribute, "CustomAttribute", 0, C("Parent", Coded.HasCustomAttribute), C("Type", Coded.CustomAttributeType), Bl("Value"));
        Add(FieldMarshal, "FieldMarshal", 0, C("Parent", Coded.HasFieldMarshal), Bl("NativeType"));
        Add(DeclSecurity, "DeclSecurity", 1, U16("Action"), C("Parent", Coded.HasDeclSecurity), Bl("PermissionSet"));
        Add(ClassLayout, "ClassLayout", 2, U16("PackingSize"), U32("ClassSize"), T("Parent", TypeDef));
        Add(FieldLayout, "FieldLayout", 1, U32("Offset"), T("Field", Field));
        Add(StandAloneSig, "StandAloneSig", -1, Bl("Signature"));
        Add(EventMap, "EventMap", -1, T("Parent", TypeDef), L("EventList", Event));
        Add(EventPtr, "EventPtr", -1, T("Event", Event));
        Add(Event, "Event", -1, U16("EventFlags"), Str("Name"), C("EventType", Coded.TypeDefOrRef));
        Add(PropertyMap, "PropertyMap", -1, T("Parent", TypeDef), L("PropertyList", Property));
        Add(PropertyPtr, "PropertyPtr", -1, T("Property", Property));
        Add(Property, "Property", -1, U16("Flags"), Str("Name"), Bl("Type"));
        Add(MethodSemantics, "MethodSemantics", 2, U16("Semantics"), T("Method", MethodDef), C("Association", Coded.HasSemantics));
        Add(MethodImpl, "MethodImpl", 0, T("Class", TypeDef), C("MethodBody", Coded.MethodDefOrRef), C("MethodDeclaration", Coded.MethodDefOrRef));
        Add(ModuleRef, "ModuleRef", -1, Str("Name"));
        Add(TypeSpec, "TypeSpec", -1, Bl("Signature"));
        Add(ImplMap, "ImplMap", 1, U16("MappingFlags"), C("MemberForwarded", Coded.MemberForwarded), Str("ImportName"), T("ImportScope", ModuleRef));
        Add(FieldRva, "FieldRVA", 1, U32("RVA"), T("Field", Field));
        Add(EncLog, "EncLog", -1, U32("Token"), U32("FuncCode"));
        Add(EncMap, "EncMap", -1, U32("Token"));
        Add(Assembly, "Assembly", -1, U32("HashAlgId"), U16("MajorVersion"), U16("MinorVersion"), U16("BuildNumber"), U16("RevisionNumber"),
            U32("Flags"), Bl("PublicKey"), Str("Name"), Str("Culture"));
        Add(AssemblyProcessor, "AssemblyProcessor", -1, U32("Processor"));
        Add(AssemblyOS, "AssemblyOS", -1, U32("OSPlatformID"), U32("OSMajorVersion"), U32("OSMinorVersion"));
        Add(AssemblyRef, "AssemblyRef", -1, U16("MajorVersion"), U16("MinorVersion"), U16("BuildNumber"), U16("RevisionNumber"),
            U32("Flags"), Bl("PublicKeyOrToken"), Str("Name"), Str("Culture"), Bl("HashValue"));
        Add(AssemblyRefProcessor, "AssemblyRefProcessor", -1, U32("Processor"), T("AssemblyRef", AssemblyRef));
        Add(AssemblyRefOS, "AssemblyRefOS", -1, U32("OSPlatformID"), U32("OSMajorVersion"), U32("OSMinorVersion"), T("AssemblyRef", AssemblyRef));
        Add(File, "File", -1, U32("Flags"), Str("Name"), Bl("HashValue"));
        Add(ExportedType, "ExportedType", -1, U32("Flags"), U32("TypeDefId"), Str("TypeName"), Str("TypeNamespace"), C("Implementation", Coded.Implementation));
        Add(ManifestResource, "ManifestResource", -1, U32("Offset"), U32("Flags"), Str("Name"), C("Implementation", Coded.Implementation));
        Add(NestedClass, "NestedClass", 0, T("NestedClass", TypeDef), T("EnclosingClass", TypeDef));
        Add(GenericParam, "GenericParam", 2, U16("Number"), U16("Flags"), C("Owner", Coded.TypeOrMethodDef), Str("Name"));
        Add(MethodSpec, "MethodSpec", -1, C("Method", Coded.MethodDefOrRef), Bl("Instantiation"));
        Add(GenericParamConstraint, "GenericParamConstraint", 0, T("Owner", GenericParam), C("Constraint", Coded.TypeDefOrRef));
        Add(Document, "Document", -1, Bl("Name"), Gd("HashAlgorithm"), Bl("Hash"), Gd("Language"));
        Add(MethodDebugInformation, "MethodDebugInformation", -1, T("Document", Document), Bl("SequencePoints"));
        Add(LocalScope, "LocalScope", 0, T("Method", MethodDef), T("ImportScope", ImportScope), L("VariableList", LocalVariable),
            L("ConstantList", LocalConstant), U32("StartOffset"), U32("Length"));
        Add(LocalVariable, "LocalVariable", -1, U16("Attributes"), U16("Index"), Str("Name"));
        Add(LocalConstant, "LocalConstant", -1, Str("Name"), Bl("Signature"));
        Add(ImportScope, "ImportScope", -1, T("Parent", ImportScope), Bl("Imports"));
        Add(StateMachineMethod, "StateMachineMethod", 0, T("MoveNextMethod", MethodDef), T("KickoffMethod", MethodDef));
        Add(CustomDebugInformation, "CustomDebugInformation", 0, C("Parent", Coded.HasCustomDebugInformation), Gd("Kind"), Bl("Value"));
        return t;
    }

    public static string TableName(int table) =>
        table >= 0 && table < TableCount && Tables[table] is { } s ? s.Name : $"Table0x{table:X2}";

    // Coded index: tag bits and the table for each tag (-1 = tag value not used).
    public static (int Bits, int[] Targets) CodedInfo(Coded c) => c switch
    {
        Coded.TypeDefOrRef => (2, [TypeDef, TypeRef, TypeSpec]),
        Coded.HasConstant => (2, [Field, Param, Property]),
        Coded.HasCustomAttribute => (5, [MethodDef, Field, TypeRef, TypeDef, Param, InterfaceImpl, MemberRef, Module, DeclSecurity,
            Property, Event, StandAloneSig, ModuleRef, TypeSpec, Assembly, AssemblyRef, File, ExportedType, ManifestResource,
            GenericParam, GenericParamConstraint, MethodSpec]),
        Coded.HasFieldMarshal => (1, [Field, Param]),
        Coded.HasDeclSecurity => (2, [TypeDef, MethodDef, Assembly]),
        Coded.MemberRefParent => (3, [TypeDef, TypeRef, ModuleRef, MethodDef, TypeSpec]),
        Coded.HasSemantics => (1, [Event, Property]),
        Coded.MethodDefOrRef => (1, [MethodDef, MemberRef]),
        Coded.MemberForwarded => (1, [Field, MethodDef]),
        Coded.Implementation => (2, [File, AssemblyRef, ExportedType]),
        Coded.CustomAttributeType => (3, [-1, -1, MethodDef, MemberRef, -1]),
        Coded.ResolutionScope => (2, [Module, ModuleRef, AssemblyRef, TypeRef]),
        Coded.TypeOrMethodDef => (1, [TypeDef, MethodDef]),
        Coded.HasCustomDebugInformation => (5, [MethodDef, Field, TypeRef, TypeDef, Param, InterfaceImpl, MemberRef, Module,
            DeclSecurity, Property, Event, StandAloneSig, ModuleRef, TypeSpec, Assembly, AssemblyRef, File, ExportedType,
            ManifestResource, GenericParam, GenericParamConstraint, MethodSpec, Document, LocalScope, LocalVariable,
            LocalConstant, ImportScope]),
        _ => throw new ArgumentOutOfRangeException(nameof(c)),
    };

    public static TableIndex ToTableIndex(int t) => (TableIndex)t;
}
