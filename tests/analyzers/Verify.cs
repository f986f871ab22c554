using System.Collections.Immutable;
using System.Runtime.InteropServices;
using Graft.Analyzers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Testing;

namespace Graft.Analyzers.Tests;

/// <summary>
/// Runs the analyzer (and a code fix) on test sources compiled against what a kernel compiles
/// against: the installed .NET SDK's Microsoft.NETCore.App reference pack and the real
/// Graft.Kernel.dll. The kernel's RuntimeIdentifier comes in as Sdk.targets passes it.
/// </summary>
static class Verify
{
    public static ImmutableArray<MetadataReference> References => KernelReferences.Value;

    static readonly Lazy<ImmutableArray<MetadataReference>> KernelReferences = new(() =>
    {
        // .../dotnet/shared/Microsoft.NETCore.App/<version>/ -> .../dotnet/packs/Microsoft.NETCore.App.Ref/<version>/ref/net10.0/
        var dotnet = Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", ".."));
        var packs = Path.Combine(dotnet, "packs", "Microsoft.NETCore.App.Ref");
        var refs = Directory.Exists(packs)
            ? Directory.GetDirectories(packs).Select(v => Path.Combine(v, "ref", "net10.0")).Where(Directory.Exists).OrderBy(v => v, StringComparer.Ordinal).LastOrDefault()
            : null;
        if (refs == null)
            throw new InvalidOperationException($"no Microsoft.NETCore.App reference pack for net10.0 under '{packs}': the analyzer tests need the .NET 10 SDK's packs");
        return Directory.GetFiles(refs, "*.dll")
            .Append(typeof(Graft.PlugAttribute).Assembly.Location)
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .ToImmutableArray();
    });

    const string GlobalConfig = "is_global = true\nbuild_property.RuntimeIdentifier = linux-x64\n";

    static void Setup(SolutionState state)
    {
        state.AdditionalReferences.AddRange(KernelReferences.Value);
        state.AnalyzerConfigFiles.Add(("/.globalconfig", GlobalConfig));
    }

    static readonly ReferenceAssemblies NoPackage = new("net10.0");

    public static DiagnosticResult Diagnostic(string id) => CSharpAnalyzerVerifier<PlugAnalyzer, DefaultVerifier>.Diagnostic(id);

    public static DiagnosticResult Diagnostic(DiagnosticDescriptor descriptor) => CSharpAnalyzerVerifier<PlugAnalyzer, DefaultVerifier>.Diagnostic(descriptor);

    public static async Task Analyzer(string source, params DiagnosticResult[] expected)
    {
        var test = new CSharpAnalyzerTest<PlugAnalyzer, DefaultVerifier> { TestCode = source, ReferenceAssemblies = NoPackage };
        Setup(test.TestState);
        test.ExpectedDiagnostics.AddRange(expected);
        await test.RunAsync();
    }

    public static async Task CodeFix<TFix>(string source, DiagnosticResult[] expected, string fixedSource, params DiagnosticResult[] fixedExpected)
        where TFix : CodeFixProvider, new()
    {
        var test = new CSharpCodeFixTest<PlugAnalyzer, TFix, DefaultVerifier> { TestCode = source, FixedCode = fixedSource, ReferenceAssemblies = NoPackage };
        Setup(test.TestState);
        Setup(test.FixedState);
        test.ExpectedDiagnostics.AddRange(expected);
        test.FixedState.ExpectedDiagnostics.AddRange(fixedExpected);
        await test.RunAsync();
    }
}
