// Writes the framework member list the Graft analyzer embeds (docs: nuget/README.md, "Analyzer").
// A kernel compiles against reference assemblies, which lack internal types and private
// members and do not show which members have no body; this tool reads the NativeAOT runtime
// pack's IMPLEMENTATION assemblies, the ones ILC compiles, and lists:
//
//   T <tab> assembly <tab> type's metadata name (Outer+Inner, List`1) <tab> member names, space-separated
//   X <tab> documentation ID of a public method <tab> why it has no body in a kernel <tab>
//     the internal methods a plug would also cover it through (Type+Nested::Method, space-separated)
//
// A public method is listed when it has no body itself (extern, InternalCall, P/Invoke,
// runtime-implemented, [Intrinsic] and delegates aside: ILC writes those), or when its own IL
// calls a P/Invoke directly or through the one wrapper LibraryImport generates. Only those
// direct cases: a method that reaches native code deeper down is not listed.
//
// P/Invokes whose entry point Graft's kernel runtime defines (a C function of that name at the
// top level of a .c file under sdk/runtime, as SystemNative_GetTimestamp, or a NASM global)
// have a body in a kernel and are not listed. Sorted, so that the same inputs always give the same bytes.
//
//   Graft.Analyzers.MemberList <runtime pack folder> <kernel runtime sources folder> <output file>
using System.Collections.Immutable;
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.Emit;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using System.Text;

if (args.Length != 3)
{
    Console.Error.WriteLine("usage: Graft.Analyzers.MemberList <NativeAOT runtime pack folder> <kernel runtime sources folder> <output file>");
    return 2;
}
var packFolder = args[0];
if (!Directory.Exists(args[1]))
{
    Console.Error.WriteLine($"Graft.Analyzers.MemberList: the kernel runtime's sources are not at '{args[1]}'");
    return 1;
}
// A C definition starts at column 0 with its return type (a declaration ends in ';' with no
// body); an assembly one is a NASM 'global' name.
var definition = new System.Text.RegularExpressions.Regex(@"^[A-Za-z_][\w \t\*]*?\b([A-Za-z_]\w*)\s*\(");
var global = new System.Text.RegularExpressions.Regex(@"^\s*global\s+([A-Za-z_]\w*)");
var kernelDefines = Directory.EnumerateFiles(args[1], "*.c", SearchOption.AllDirectories)
    .SelectMany(File.ReadLines)
    .Where(line => line.Contains('{') || !line.TrimEnd().EndsWith(';'))
    .Select(line => definition.Match(line))
    .Concat(Directory.EnumerateFiles(args[1], "*.asm", SearchOption.AllDirectories).SelectMany(File.ReadLines).Select(line => global.Match(line)))
    .Where(match => match.Success)
    .Select(match => match.Groups[1].Value)
    .ToHashSet(StringComparer.Ordinal);
var assemblies = new[] { "lib", "native" }
    .Select(folder => Path.Combine(packFolder, "runtimes", "linux-x64", folder))
    .Where(Directory.Exists)
    .SelectMany(folder => Directory.EnumerateFiles(folder, "*.dll", SearchOption.AllDirectories))
    .Order(StringComparer.Ordinal)
    .ToList();
if (assemblies.Count == 0)
{
    Console.Error.WriteLine($"Graft.Analyzers.MemberList: no assemblies under '{packFolder}/runtimes/linux-x64': is this the NativeAOT runtime pack?");
    return 1;
}

var lines = new List<string>();
foreach (var path in assemblies)
{
    using var stream = File.OpenRead(path);
    using var pe = new PEReader(stream);
    if (!pe.HasMetadata)
        continue;
    var reader = pe.GetMetadataReader();
    if (!reader.IsAssembly)
        continue;
    lines.AddRange(FrameworkMembers.Of(reader, pe, kernelDefines).ToList());
}
lines.Sort(StringComparer.Ordinal);

var output = args[2];
Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
var temporary = output + ".tmp";
// Compressed: the text is 3.7 MB, the analyzer DLL every kernel loads would carry it.
using (var file = File.Create(temporary))
using (var gzip = new System.IO.Compression.GZipStream(file, System.IO.Compression.CompressionLevel.Optimal))
using (var writer = new StreamWriter(gzip, new UTF8Encoding(false)))
{
    foreach (var line in lines)
        writer.Write(line + "\n");
}
File.Move(temporary, output, overwrite: true);
Console.WriteLine($"Graft.Analyzers.MemberList: {lines.Count(l => l[0] == 'T')} types, {lines.Count(l => l[0] == 'X')} public methods without a body, from {assemblies.Count} assemblies -> {output}");
return 0;

static class FrameworkMembers
{
    public static IEnumerable<string> Of(MetadataReader reader, PEReader pe, IReadOnlySet<string> kernelDefines)
    {
        var assembly = reader.GetString(reader.GetAssemblyDefinition().Name);
        var ids = new DocumentationIds(reader);
        var natives = new NativeCalls(reader, pe, kernelDefines);
        foreach (var handle in reader.TypeDefinitions)
        {
            var type = reader.GetTypeDefinition(handle);
            var name = MetadataName(reader, handle);
            if (name.Contains('<') || name == "<Module>")
                continue;
            var members = new SortedSet<string>(StringComparer.Ordinal);
            foreach (var m in type.GetMethods())
                members.Add(reader.GetString(reader.GetMethodDefinition(m).Name));
            foreach (var f in type.GetFields())
                members.Add(reader.GetString(reader.GetFieldDefinition(f).Name));
            foreach (var p in type.GetProperties())
                members.Add(reader.GetString(reader.GetPropertyDefinition(p).Name));
            members.RemoveWhere(member => member.Contains('<'));
            yield return $"T\t{assembly}\t{name}\t{string.Join(' ', members)}";

            // Delegates' methods are runtime-implemented, but ILC writes their bodies.
            if (!IsVisible(reader, handle) || IsDelegate(reader, type))
                continue;
            foreach (var m in type.GetMethods())
            {
                var method = reader.GetMethodDefinition(m);
                if (!IsVisible(method.Attributes))
                    continue;
                var chain = new List<MethodDefinitionHandle>();
                var why = MissingBody(reader, method, kernelDefines) ?? natives.Reached(m, chain);
                var id = why == null ? null : ids.Of(handle, method);
                if (id != null)
                    yield return $"X\t{id}\t{why}\t{string.Join(' ', chain.Select(c => PlugName(reader, c)))}";
            }
        }
    }

    /// <summary>Why a method has no IL body in the implementation assembly, or null when it has one.</summary>
    static string? MissingBody(MetadataReader reader, MethodDefinition method, IReadOnlySet<string> kernelDefines)
    {
        if (method.RelativeVirtualAddress != 0 || (method.Attributes & MethodAttributes.Abstract) != 0)
            return null;
        // ILC turns String's constructors into calls of its static Ctor methods.
        if (reader.StringComparer.Equals(method.Name, ".ctor") && IsString(reader, method.GetDeclaringType()))
            return null;
        // ILC expands [Intrinsic] methods itself.
        if (HasAttribute(reader, method.GetCustomAttributes(), "System.Runtime.CompilerServices", "IntrinsicAttribute"))
            return null;
        var impl = method.ImplAttributes;
        if (IsPInvoke(method))
            return kernelDefines.Contains(NativeCalls.EntryName(reader, method)) ? null : "P/Invoke " + NativeCalls.EntryPoint(reader, method);
        if ((impl & MethodImplAttributes.InternalCall) != 0)
            return "internalcall";
        if ((impl & MethodImplAttributes.CodeTypeMask) == MethodImplAttributes.Runtime)
            return "runtime";
        return "extern";
    }

    static bool IsString(MetadataReader reader, TypeDefinitionHandle handle)
    {
        var type = reader.GetTypeDefinition(handle);
        return reader.StringComparer.Equals(type.Namespace, "System") && reader.StringComparer.Equals(type.Name, "String");
    }

    public static bool IsPInvoke(MethodDefinition method) => (method.Attributes & MethodAttributes.PinvokeImpl) != 0;

    static bool IsVisible(MethodAttributes attributes) =>
        (attributes & MethodAttributes.MemberAccessMask) is MethodAttributes.Public or MethodAttributes.Family or MethodAttributes.FamORAssem;

    static bool IsVisible(MetadataReader reader, TypeDefinitionHandle handle)
    {
        var type = reader.GetTypeDefinition(handle);
        var visibility = type.Attributes & TypeAttributes.VisibilityMask;
        if (visibility == TypeAttributes.Public)
            return true;
        if (visibility is TypeAttributes.NestedPublic or TypeAttributes.NestedFamily or TypeAttributes.NestedFamORAssem)
            return IsVisible(reader, type.GetDeclaringType());
        return false;
    }

    static bool IsDelegate(MetadataReader reader, TypeDefinition type)
    {
        if (type.BaseType.IsNil)
            return false;
        var (ns, name) = type.BaseType.Kind switch
        {
            HandleKind.TypeReference => (reader.GetTypeReference((TypeReferenceHandle)type.BaseType).Namespace, reader.GetTypeReference((TypeReferenceHandle)type.BaseType).Name),
            HandleKind.TypeDefinition => (reader.GetTypeDefinition((TypeDefinitionHandle)type.BaseType).Namespace, reader.GetTypeDefinition((TypeDefinitionHandle)type.BaseType).Name),
            _ => (default(StringHandle), default(StringHandle)),
        };
        return !name.IsNil && reader.StringComparer.Equals(ns, "System") && reader.StringComparer.Equals(name, "MulticastDelegate");
    }

    static bool HasAttribute(MetadataReader reader, CustomAttributeHandleCollection attributes, string ns, string name)
    {
        foreach (var handle in attributes)
        {
            var ctor = reader.GetCustomAttribute(handle).Constructor;
            EntityHandle owner = ctor.Kind switch
            {
                HandleKind.MemberReference => reader.GetMemberReference((MemberReferenceHandle)ctor).Parent,
                HandleKind.MethodDefinition => reader.GetMethodDefinition((MethodDefinitionHandle)ctor).GetDeclaringType(),
                _ => default,
            };
            if (owner.Kind == HandleKind.TypeReference)
            {
                var type = reader.GetTypeReference((TypeReferenceHandle)owner);
                if (reader.StringComparer.Equals(type.Namespace, ns) && reader.StringComparer.Equals(type.Name, name))
                    return true;
            }
            else if (owner.Kind == HandleKind.TypeDefinition)
            {
                var type = reader.GetTypeDefinition((TypeDefinitionHandle)owner);
                if (reader.StringComparer.Equals(type.Namespace, ns) && reader.StringComparer.Equals(type.Name, name))
                    return true;
            }
        }
        return false;
    }

    /// <summary>How a plug names a method: its type's metadata name, "::", its name.</summary>
    static string PlugName(MetadataReader reader, MethodDefinitionHandle handle)
    {
        var method = reader.GetMethodDefinition(handle);
        return MetadataName(reader, method.GetDeclaringType()) + "::" + reader.GetString(method.Name);
    }

    /// <summary>The name Type.GetType and [Plug("...")] use: Namespace.Outer+Inner.</summary>
    static string MetadataName(MetadataReader reader, TypeDefinitionHandle handle)
    {
        var type = reader.GetTypeDefinition(handle);
        var name = reader.GetString(type.Name);
        if (type.IsNested)
            return MetadataName(reader, type.GetDeclaringType()) + "+" + name;
        var ns = reader.GetString(type.Namespace);
        return ns.Length == 0 ? name : ns + "." + name;
    }
}

/// <summary>
/// Documentation comment IDs (the "M:System.Console.Beep" form Roslyn's
/// ISymbol.GetDocumentationCommentId returns), so the analyzer can look a
/// called method up without decoding signatures.
/// </summary>
sealed class DocumentationIds(MetadataReader reader) : ISignatureTypeProvider<string, object?>
{
    public string? Of(TypeDefinitionHandle type, MethodDefinition method)
    {
        var signature = method.DecodeSignature(this, null);
        if (signature.ParameterTypes.Any(p => p.Contains("(FnPtr)")) || signature.ReturnType.Contains("(FnPtr)"))
            return null;
        var name = reader.GetString(method.Name).Replace('.', '#');
        var id = new StringBuilder("M:").Append(TypeName(type)).Append('.').Append(name);
        if (signature.GenericParameterCount > 0)
            id.Append("``").Append(signature.GenericParameterCount);
        if (signature.ParameterTypes.Length > 0)
            id.Append('(').Append(string.Join(",", signature.ParameterTypes)).Append(')');
        if (name is "op_Implicit" or "op_Explicit")
            id.Append('~').Append(signature.ReturnType);
        return id.ToString();
    }

    string TypeName(TypeDefinitionHandle handle)
    {
        var type = reader.GetTypeDefinition(handle);
        var name = reader.GetString(type.Name);
        if (type.IsNested)
            return TypeName(type.GetDeclaringType()) + "." + name;
        var ns = reader.GetString(type.Namespace);
        return ns.Length == 0 ? name : ns + "." + name;
    }

    // In a parameter list, a generic type's name loses its `N (List{System.Int32}).
    static string WithoutArity(string name)
    {
        var tick = name.LastIndexOf('`');
        return tick < 0 ? name : name[..tick];
    }

    public string GetPrimitiveType(PrimitiveTypeCode typeCode) => typeCode switch
    {
        PrimitiveTypeCode.Void => "System.Void",
        PrimitiveTypeCode.Boolean => "System.Boolean",
        PrimitiveTypeCode.Char => "System.Char",
        PrimitiveTypeCode.SByte => "System.SByte",
        PrimitiveTypeCode.Byte => "System.Byte",
        PrimitiveTypeCode.Int16 => "System.Int16",
        PrimitiveTypeCode.UInt16 => "System.UInt16",
        PrimitiveTypeCode.Int32 => "System.Int32",
        PrimitiveTypeCode.UInt32 => "System.UInt32",
        PrimitiveTypeCode.Int64 => "System.Int64",
        PrimitiveTypeCode.UInt64 => "System.UInt64",
        PrimitiveTypeCode.Single => "System.Single",
        PrimitiveTypeCode.Double => "System.Double",
        PrimitiveTypeCode.String => "System.String",
        PrimitiveTypeCode.IntPtr => "System.IntPtr",
        PrimitiveTypeCode.UIntPtr => "System.UIntPtr",
        PrimitiveTypeCode.Object => "System.Object",
        PrimitiveTypeCode.TypedReference => "System.TypedReference",
        _ => throw new BadImageFormatException($"primitive type {typeCode}"),
    };

    public string GetTypeFromDefinition(MetadataReader r, TypeDefinitionHandle handle, byte rawTypeKind) => TypeName(handle);

    public string GetTypeFromReference(MetadataReader r, TypeReferenceHandle handle, byte rawTypeKind)
    {
        var type = r.GetTypeReference(handle);
        var name = r.GetString(type.Name);
        if (type.ResolutionScope.Kind == HandleKind.TypeReference)
            return GetTypeFromReference(r, (TypeReferenceHandle)type.ResolutionScope, rawTypeKind) + "." + name;
        var ns = r.GetString(type.Namespace);
        return ns.Length == 0 ? name : ns + "." + name;
    }

    public string GetTypeFromSpecification(MetadataReader r, object? context, TypeSpecificationHandle handle, byte rawTypeKind) =>
        r.GetTypeSpecification(handle).DecodeSignature(this, context);

    public string GetSZArrayType(string elementType) => elementType + "[]";
    public string GetArrayType(string elementType, ArrayShape shape) =>
        elementType + "[" + string.Join(",", Enumerable.Range(0, shape.Rank).Select(i =>
            (i < shape.LowerBounds.Length ? shape.LowerBounds[i].ToString() : "0") + ":" + (i < shape.Sizes.Length ? (shape.LowerBounds.ElementAtOrDefault(i) + shape.Sizes[i] - 1).ToString() : ""))) + "]";
    public string GetByReferenceType(string elementType) => elementType + "@";
    public string GetPointerType(string elementType) => elementType + "*";
    public string GetPinnedType(string elementType) => elementType;
    public string GetModifiedType(string modifier, string unmodifiedType, bool isRequired) => unmodifiedType;
    public string GetGenericInstantiation(string genericType, ImmutableArray<string> typeArguments) =>
        WithoutArity(genericType) + "{" + string.Join(",", typeArguments) + "}";
    public string GetGenericTypeParameter(object? context, int index) => "`" + index;
    public string GetGenericMethodParameter(object? context, int index) => "``" + index;
    public string GetFunctionPointerType(MethodSignature<string> signature) => "(FnPtr)";
}

/// <summary>Which P/Invoke a method's own IL calls, directly or through a LibraryImport wrapper.</summary>
sealed class NativeCalls(MetadataReader reader, PEReader pe, IReadOnlySet<string> kernelDefines)
{
    static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(field => (OpCode)field.GetValue(null)!)
        .ToDictionary(op => op.Value);

    readonly Dictionary<MethodDefinitionHandle, MethodDefinitionHandle?> wrappers = new();

    public static string EntryName(MetadataReader reader, MethodDefinition method)
    {
        var import = method.GetImport();
        return import.Name.IsNil ? reader.GetString(method.Name) : reader.GetString(import.Name);
    }

    public static string EntryPoint(MetadataReader reader, MethodDefinition method) =>
        reader.GetString(reader.GetModuleReference(method.GetImport().Module).Name) + "!" + EntryName(reader, method);

    /// <summary>"calls P/Invoke lib!entry" when the method's IL calls one (or its wrapper), else null.</summary>
    /// <remarks>The wrapper (when there is one) and the P/Invoke go to <paramref name="chain"/>.</remarks>
    public string? Reached(MethodDefinitionHandle handle, List<MethodDefinitionHandle> chain)
    {
        foreach (var callee in Callees(handle))
        {
            if (PInvokeCalled(callee) is { } pinvoke)
            {
                chain.Add(pinvoke);
                return "calls P/Invoke " + EntryPoint(reader, reader.GetMethodDefinition(pinvoke));
            }
            if (!wrappers.TryGetValue(callee, out var wrapped))
                wrappers[callee] = wrapped = Callees(callee).Select(PInvokeCalled).FirstOrDefault(p => p != null);
            if (wrapped is { } inner)
            {
                chain.Add(callee);
                chain.Add(inner);
                return "calls P/Invoke " + EntryPoint(reader, reader.GetMethodDefinition(inner));
            }
        }
        return null;
    }

    /// <summary>The method itself when it is a P/Invoke the kernel runtime does not define.</summary>
    MethodDefinitionHandle? PInvokeCalled(MethodDefinitionHandle handle)
    {
        var method = reader.GetMethodDefinition(handle);
        return FrameworkMembers.IsPInvoke(method) && !kernelDefines.Contains(EntryName(reader, method)) ? handle : null;
    }

    /// <summary>The methods of this assembly that a method's IL calls (call, callvirt, newobj).</summary>
    IEnumerable<MethodDefinitionHandle> Callees(MethodDefinitionHandle handle)
    {
        var method = reader.GetMethodDefinition(handle);
        if (method.RelativeVirtualAddress == 0)
            yield break;
        var il = pe.GetMethodBody(method.RelativeVirtualAddress).GetILReader();
        while (il.RemainingBytes > 0)
        {
            short value = il.ReadByte();
            if (value == 0xfe)
                value = unchecked((short)(0xfe00 | il.ReadByte()));
            var op = OpCodesByValue[value];
            switch (op.OperandType)
            {
                case OperandType.InlineNone: break;
                case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar: il.Offset += 1; break;
                case OperandType.InlineVar: il.Offset += 2; break;
                case OperandType.InlineI8 or OperandType.InlineR: il.Offset += 8; break;
                case OperandType.InlineSwitch:
                    var targets = il.ReadInt32();
                    il.Offset += 4 * targets;
                    break;
                case OperandType.InlineMethod:
                    var token = MetadataTokens.EntityHandle(il.ReadInt32());
                    if (token.Kind == HandleKind.MethodDefinition && (op == OpCodes.Call || op == OpCodes.Callvirt || op == OpCodes.Newobj))
                        yield return (MethodDefinitionHandle)token;
                    break;
                default: il.Offset += 4; break;
            }
        }
    }
}
