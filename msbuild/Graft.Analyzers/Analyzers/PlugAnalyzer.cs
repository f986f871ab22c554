using System;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Graft.Analyzers;

/// <summary>
/// Checks plugs while the user types (GRAFT1001-1009 and 1011, at the plug) and calls of
/// framework members that have no body in a kernel and no plug (GRAFT1010). The plug set is
/// built once per compilation (PlugSet), each type then reports its own diagnostics.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class PlugAnalyzer : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        Descriptors.TargetTypeNotFound, Descriptors.MemberNotFound, Descriptors.AThisMissing, Descriptors.AThisWrongType,
        Descriptors.SignatureMismatch, Descriptors.ClassNotStatic, Descriptors.Conflict, Descriptors.ArchitectureMismatch,
        Descriptors.Invalid, Descriptors.AddedMemberExists, Descriptors.UnpluggedNativeCall);

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            var architecture = KernelArchitecture(start.Options.AnalyzerConfigOptionsProvider.GlobalOptions);
            var compilation = start.Compilation;
            var plugs = new Lazy<PlugSet>(() => PlugSet.Build(compilation, architecture, FrameworkMembers.Instance));

            start.RegisterSymbolAction(symbol =>
            {
                foreach (var diagnostic in plugs.Value.DiagnosticsOf(symbol.Symbol))
                    symbol.ReportDiagnostic(diagnostic);
            }, SymbolKind.NamedType);

            start.RegisterOperationAction(operation =>
            {
                var (method, where) = operation.Operation switch
                {
                    IInvocationOperation call => (call.TargetMethod, call.Syntax.GetLocation()),
                    IObjectCreationOperation creation => (creation.Constructor, creation.Syntax.GetLocation()),
                    IPropertyReferenceOperation property => (IsWritten(property) ? property.Property.SetMethod : property.Property.GetMethod, property.Syntax.GetLocation()),
                    IMethodReferenceOperation reference => (reference.Method, reference.Syntax.GetLocation()),
                    _ => (null, null),
                };
                if (method == null || method.ContainingAssembly == null || SymbolEqualityComparer.Default.Equals(method.ContainingAssembly, compilation.Assembly))
                    return;
                var id = method.OriginalDefinition.GetDocumentationCommentId();
                if (id == null || FrameworkMembers.Instance.FindBodiless(id) is not { } bodiless || plugs.Value.Covers(method, bodiless))
                    return;
                var properties = ImmutableDictionary<string, string?>.Empty.Add("Target", id);
                operation.ReportDiagnostic(Diagnostic.Create(Descriptors.UnpluggedNativeCall, where, properties,
                    method.OriginalDefinition.ToDisplayString(SymbolDisplayFormat.CSharpErrorMessageFormat), bodiless.Why,
                    method.ContainingType.OriginalDefinition.ToDisplayString()));
            }, OperationKind.Invocation, OperationKind.ObjectCreation, OperationKind.PropertyReference, OperationKind.MethodReference);
        });
    }

    static bool IsWritten(IPropertyReferenceOperation property) =>
        property.Parent is IAssignmentOperation assignment && assignment.Target == property;

    /// <summary>
    /// The kernel's architecture from its RuntimeIdentifier (Sdk.targets makes it visible), or Any
    /// when unknown: a plug limited to another one is skipped, as the patcher skips it.
    /// </summary>
    static PlugArchitecture KernelArchitecture(AnalyzerConfigOptions options)
    {
        if (!options.TryGetValue("build_property.RuntimeIdentifier", out var rid))
            return PlugArchitecture.Any;
        if (rid.EndsWith("-x64", StringComparison.Ordinal))
            return PlugArchitecture.X64;
        if (rid.EndsWith("-arm64", StringComparison.Ordinal))
            return PlugArchitecture.Arm64;
        return PlugArchitecture.Any;
    }
}
