// String-rendering signature provider and a custom-attribute type provider that can resolve enum
// underlying types across assemblies (following type forwarders).
using System.Collections.Immutable;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Text;

namespace Graft.Ecma.Checker;

/// <summary>Cached, deterministic names for TypeDef/TypeRef rows of one module.</summary>
sealed class Names(MetadataReader r)
{
    readonly string?[] _typeDefs = new string?[r.GetTableRowCount(TableIndex.TypeDef) + 1];
    readonly string?[] _typeRefs = new string?[r.GetTableRowCount(TableIndex.TypeRef) + 1];
    public MetadataReader Reader => r;

    public string TypeDef(TypeDefinitionHandle h) => TypeDef(h, 0);

    string TypeDef(TypeDefinitionHandle h, int depth)
    {
        int row = MetadataTokens.GetRowNumber(h);
        if (row <= 0 || row >= _typeDefs.Length) return $"<bad TypeDef {row}>";
        if (_typeDefs[row] is { } s) return s;
        var td = r.GetTypeDefinition(h);
        string name = Join(r.GetString(td.Namespace), r.GetString(td.Name));
        var outer = td.GetDeclaringType();
        if (!outer.IsNil) name = (depth > 64 ? "<deep>" : TypeDef(outer, depth + 1)) + "/" + r.GetString(td.Name);
        return _typeDefs[row] = name;
    }

    public string TypeRef(TypeReferenceHandle h) => TypeRef(h, 0);

    string TypeRef(TypeReferenceHandle h, int depth)
    {
        int row = MetadataTokens.GetRowNumber(h);
        if (row <= 0 || row >= _typeRefs.Length) return $"<bad TypeRef {row}>";
        if (_typeRefs[row] is { } s) return s;
        var tr = r.GetTypeReference(h);
        string name = Join(r.GetString(tr.Namespace), r.GetString(tr.Name));
        var scope = tr.ResolutionScope;
        string result;
        if (scope.IsNil) result = "[*]" + name;
        else switch (scope.Kind)
        {
            case HandleKind.AssemblyReference: result = "[" + r.GetString(r.GetAssemblyReference((AssemblyReferenceHandle)scope).Name) + "]" + name; break;
            case HandleKind.ModuleReference: result = "[.module " + r.GetString(r.GetModuleReference((ModuleReferenceHandle)scope).Name) + "]" + name; break;
            case HandleKind.ModuleDefinition: result = "[.]" + name; break;
            case HandleKind.TypeReference: result = (depth > 64 ? "<deep>" : TypeRef((TypeReferenceHandle)scope, depth + 1)) + "/" + r.GetString(tr.Name); break;
            default: result = "[?]" + name; break;
        }
        return _typeRefs[row] = result;
    }

    public string Entity(EntityHandle h)
    {
        if (h.IsNil) return "nil";
        switch (h.Kind)
        {
            case HandleKind.TypeDefinition: return TypeDef((TypeDefinitionHandle)h);
            case HandleKind.TypeReference: return TypeRef((TypeReferenceHandle)h);
            case HandleKind.TypeSpecification: return "TypeSpec[" + MetadataTokens.GetRowNumber(h) + "]";
            case HandleKind.MethodDefinition:
                {
                    var m = r.GetMethodDefinition((MethodDefinitionHandle)h);
                    return TypeDef(m.GetDeclaringType()) + "::" + r.GetString(m.Name);
                }
            case HandleKind.FieldDefinition:
                {
                    var f = r.GetFieldDefinition((FieldDefinitionHandle)h);
                    return TypeDef(f.GetDeclaringType()) + "::" + r.GetString(f.Name);
                }
            case HandleKind.MemberReference:
                {
                    var m = r.GetMemberReference((MemberReferenceHandle)h);
                    return Entity(m.Parent) + "::" + r.GetString(m.Name);
                }
            default: return h.Kind + "[" + MetadataTokens.GetRowNumber(h) + "]";
        }
    }

    static string Join(string ns, string name) => ns.Length == 0 ? name : ns + "." + name;
}

/// <summary>Renders signatures as text. TypeSpecs are shown by row (never recursively decoded) so cyclic
/// or malformed specs cannot recurse.</summary>
sealed class SigFormatter(Names names) : ISignatureTypeProvider<string, object?>
{
    public string GetArrayType(string elementType, ArrayShape shape)
    {
        var sb = new StringBuilder(elementType).Append('[');
        for (int i = 0; i < shape.Rank; i++)
        {
            if (i > 0) sb.Append(',');
            int lo = i < shape.LowerBounds.Length ? shape.LowerBounds[i] : 0;
            bool hasLo = i < shape.LowerBounds.Length;
            bool hasSize = i < shape.Sizes.Length;
            if (hasLo || hasSize)
            {
                if (hasLo) sb.Append(lo);
                sb.Append("...");
                if (hasSize) sb.Append(lo + shape.Sizes[i] - 1);
            }
        }
        // keep the exact counts so that shapes which print alike still differ
        return sb.Append("]{r").Append(shape.Rank).Append(",s").Append(shape.Sizes.Length).Append(",l").Append(shape.LowerBounds.Length).Append('}').ToString();
    }

    public string GetByReferenceType(string elementType) => elementType + "&";
    public string GetFunctionPointerType(MethodSignature<string> signature) => "method " + Method(signature, "*");
    public string GetGenericInstantiation(string genericType, ImmutableArray<string> typeArguments) =>
        genericType + "<" + string.Join(",", typeArguments) + ">";
    public string GetGenericMethodParameter(object? genericContext, int index) => "!!" + index;
    public string GetGenericTypeParameter(object? genericContext, int index) => "!" + index;
    public string GetModifiedType(string modifier, string unmodifiedType, bool isRequired) =>
        unmodifiedType + (isRequired ? " modreq(" : " modopt(") + modifier + ")";
    public string GetPinnedType(string elementType) => elementType + " pinned";
    public string GetPointerType(string elementType) => elementType + "*";
    public string GetPrimitiveType(PrimitiveTypeCode typeCode) => Prim(typeCode);
    public string GetSZArrayType(string elementType) => elementType + "[]";
    public string GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind) =>
        Kind(rawTypeKind) + names.TypeDef(handle);
    public string GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind) =>
        Kind(rawTypeKind) + names.TypeRef(handle);
    public string GetTypeFromSpecification(MetadataReader reader, object? genericContext, TypeSpecificationHandle handle, byte rawTypeKind) =>
        Kind(rawTypeKind) + "TypeSpec[" + MetadataTokens.GetRowNumber(handle) + "]";

    static string Kind(byte raw) => raw switch { 0x11 => "valuetype ", 0x12 => "class ", _ => "" };

    public static string Prim(PrimitiveTypeCode c) => c switch
    {
        PrimitiveTypeCode.Boolean => "bool",
        PrimitiveTypeCode.Byte => "uint8",
        PrimitiveTypeCode.SByte => "int8",
        PrimitiveTypeCode.Char => "char",
        PrimitiveTypeCode.Int16 => "int16",
        PrimitiveTypeCode.UInt16 => "uint16",
        PrimitiveTypeCode.Int32 => "int32",
        PrimitiveTypeCode.UInt32 => "uint32",
        PrimitiveTypeCode.Int64 => "int64",
        PrimitiveTypeCode.UInt64 => "uint64",
        PrimitiveTypeCode.Single => "float32",
        PrimitiveTypeCode.Double => "float64",
        PrimitiveTypeCode.IntPtr => "native int",
        PrimitiveTypeCode.UIntPtr => "native uint",
        PrimitiveTypeCode.Object => "object",
        PrimitiveTypeCode.String => "string",
        PrimitiveTypeCode.TypedReference => "typedref",
        PrimitiveTypeCode.Void => "void",
        _ => "prim" + (int)c,
    };

    public static string Method(MethodSignature<string> s, string name = "")
    {
        var sb = new StringBuilder();
        var h = s.Header;
        if (h.IsInstance) sb.Append("instance ");
        if (h.HasExplicitThis) sb.Append("explicit ");
        if (h.CallingConvention != SignatureCallingConvention.Default) sb.Append(h.CallingConvention.ToString().ToLowerInvariant()).Append(' ');
        sb.Append(s.ReturnType).Append(' ').Append(name);
        if (s.GenericParameterCount > 0) sb.Append('<').Append(s.GenericParameterCount).Append('>');
        sb.Append('(');
        for (int i = 0; i < s.ParameterTypes.Length; i++)
        {
            if (i > 0) sb.Append(", ");
            if (i == s.RequiredParameterCount) sb.Append("..., ");
            sb.Append(s.ParameterTypes[i]);
        }
        if (s.RequiredParameterCount == s.ParameterTypes.Length && h.CallingConvention == SignatureCallingConvention.VarArgs) sb.Append(", ...");
        return sb.Append(')').ToString();
    }
}

/// <summary>A type as seen by the custom attribute decoder, with enough identity to resolve enums.</summary>
sealed record CaType(string Name, PrimitiveTypeCode? Prim = null, MetadataReader? Reader = null, EntityHandle Handle = default,
    string? SerializedName = null, bool IsSystemType = false, CaType? Element = null)
{
    public override string ToString() => Name;
}

sealed class EnumUnresolvedException(string type) : Exception($"cannot resolve enum type {type}");

sealed class CaProvider(Names names, AssemblySet set) : ICustomAttributeTypeProvider<CaType>
{
    public int EnumsResolved;

    public CaType GetPrimitiveType(PrimitiveTypeCode typeCode) => new(SigFormatter.Prim(typeCode), typeCode);
    public CaType GetSystemType() => new("[System.Runtime]System.Type", IsSystemType: true);
    public CaType GetSZArrayType(CaType elementType) => new(elementType.Name + "[]", Element: elementType);
    public CaType GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind) =>
        new(names.TypeDef(handle), Reader: reader, Handle: handle);
    public CaType GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind) =>
        new(names.TypeRef(handle), Reader: reader, Handle: handle);
    public CaType GetTypeFromSerializedName(string name) => new("'" + name + "'", SerializedName: name);

    public bool IsSystemType(CaType type) => type.IsSystemType ||
        type.Name is "[System.Runtime]System.Type" or "[mscorlib]System.Type" or "[System.Private.CoreLib]System.Type" or "[netstandard]System.Type" or "System.Type" ||
        (type.Reader != null && type.Handle.Kind is HandleKind.TypeReference or HandleKind.TypeDefinition && IsNamedSystemType(type));

    static bool IsNamedSystemType(CaType t)
    {
        var r = t.Reader!;
        if (t.Handle.Kind == HandleKind.TypeReference)
        {
            var tr = r.GetTypeReference((TypeReferenceHandle)t.Handle);
            return r.StringComparer.Equals(tr.Namespace, "System") && r.StringComparer.Equals(tr.Name, "Type") && tr.ResolutionScope.Kind != HandleKind.TypeReference;
        }
        var td = r.GetTypeDefinition((TypeDefinitionHandle)t.Handle);
        return r.StringComparer.Equals(td.Namespace, "System") && r.StringComparer.Equals(td.Name, "Type") && td.GetDeclaringType().IsNil;
    }

    public PrimitiveTypeCode GetUnderlyingEnumType(CaType type)
    {
        PrimitiveTypeCode? code = null;
        if (type.Reader != null) code = set.EnumUnderlying(type.Reader, type.Handle);
        else if (type.SerializedName != null) code = set.EnumUnderlyingFromSerialized(names.Reader, type.SerializedName);
        if (code is { } c) { EnumsResolved++; return c; }
        throw new EnumUnresolvedException(type.Name);
    }

    public static string Render(CustomAttributeValue<CaType> v)
    {
        var sb = new StringBuilder("(");
        for (int i = 0; i < v.FixedArguments.Length; i++)
        {
            if (i > 0) sb.Append(", ");
            Arg(sb, v.FixedArguments[i].Type, v.FixedArguments[i].Value);
        }
        sb.Append(')');
        foreach (var n in v.NamedArguments)
        {
            sb.Append(' ').Append(n.Kind == CustomAttributeNamedArgumentKind.Field ? "field " : "property ").Append(n.Name).Append('=');
            Arg(sb, n.Type, n.Value);
        }
        return sb.ToString();
    }

    static void Arg(StringBuilder sb, CaType type, object? value)
    {
        sb.Append(type.Name).Append(':');
        switch (value)
        {
            case null: sb.Append("null"); break;
            case string s: Text.Quote(sb, s); break;
            case ImmutableArray<CustomAttributeTypedArgument<CaType>> arr:
                sb.Append('{');
                for (int i = 0; i < arr.Length; i++)
                {
                    if (i > 0) sb.Append(',');
                    Arg(sb, arr[i].Type, arr[i].Value);
                }
                sb.Append('}');
                break;
            case CaType t: sb.Append("typeof(").Append(t.Name).Append(')'); break;
            case float f: sb.Append(BitConverter.SingleToInt32Bits(f).ToString("x8")); break;
            case double d: sb.Append(BitConverter.DoubleToInt64Bits(d).ToString("x16")); break;
            case char c: sb.Append(((int)c).ToString("x4")); break;
            case IFormattable fm: sb.Append(fm.ToString(null, System.Globalization.CultureInfo.InvariantCulture)); break;
            default: sb.Append(value); break;
        }
    }
}

static class Text
{
    public static void Quote(StringBuilder sb, string s)
    {
        sb.Append('"');
        foreach (char ch in s)
        {
            if (ch == '"' || ch == '\\') sb.Append('\\').Append(ch);
            else if (ch < 0x20 || ch >= 0x7F) sb.Append("\\u").Append(((int)ch).ToString("x4"));
            else sb.Append(ch);
        }
        sb.Append('"');
    }

    public static string Quote(string s)
    {
        var sb = new StringBuilder(s.Length + 2);
        Quote(sb, s);
        return sb.ToString();
    }
}
