using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Text;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Graft.Testing.Generator;

/// <summary>
/// Writes a kernel test project's Main: every method marked [Graft.Testing.Test], in source
/// order (file path, then position), handed to Graft.Testing.TestRunner.Run with the assembly's
/// name. A [Test] method the generated Main cannot call is a GRAFT8001-8007 error at the method.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class TestMainGenerator : IIncrementalGenerator
{
    const string AttributeName = "Graft.Testing.TestAttribute";
    const string RunnerName = "Graft.Testing.TestRunner";

    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValuesProvider<TestMethod> tests = context.SyntaxProvider.ForAttributeWithMetadataName(
            AttributeName,
            predicate: static (node, _) => node is MethodDeclarationSyntax,
            transform: static (attributed, cancel) => Describe(attributed, cancel));
        IncrementalValueProvider<(string Suite, bool HasRunner)> project = context.CompilationProvider.Select(
            static (compilation, _) => (compilation.AssemblyName ?? "Tests", compilation.GetTypeByMetadataName(RunnerName) is not null));
        // The project's own Mains: a test kernel gets its Main from here, a second one would be CS0017.
        IncrementalValuesProvider<Location> mains = context.SyntaxProvider.CreateSyntaxProvider(
            predicate: static (node, _) => node is MethodDeclarationSyntax { Identifier.Text: "Main" } main && main.Modifiers.Any(SyntaxKind.StaticKeyword),
            transform: static (syntax, _) => ((MethodDeclarationSyntax)syntax.Node).Identifier.GetLocation());
        context.RegisterSourceOutput(tests.Collect().Combine(mains.Collect()).Combine(project),
            static (output, input) => Emit(output, input.Left.Left, input.Left.Right, input.Right.Suite, input.Right.HasRunner));
    }

    /// <summary>One [Test] method: what the Main needs, or why it cannot call it.</summary>
    sealed class TestMethod(string name, string call, string? skip, string file, int position, Location location, ImmutableArray<(DiagnosticDescriptor Rule, string Why)> problems)
    {
        public string Name { get; } = name;
        public string Call { get; } = call;
        public string? Skip { get; } = skip;
        public string File { get; } = file;
        public int Position { get; } = position;
        public Location Location { get; } = location;
        public ImmutableArray<(DiagnosticDescriptor Rule, string Why)> Problems { get; } = problems;
    }

    static TestMethod Describe(GeneratorAttributeSyntaxContext attributed, CancellationToken cancel)
    {
        var method = (IMethodSymbol)attributed.TargetSymbol;
        var declaration = (MethodDeclarationSyntax)attributed.TargetNode;
        string name = TestName(method);
        var problems = ImmutableArray.CreateBuilder<(DiagnosticDescriptor, string)>();

        if (!method.IsStatic)
            problems.Add((Diagnostics.NotStatic, "it is an instance method"));
        if (method.Parameters.Length > 0)
            problems.Add((Diagnostics.HasParameters, $"it takes {method.Parameters.Length} parameter(s)"));
        if (method.IsGenericMethod)
            problems.Add((Diagnostics.Generic, "it has type parameters"));
        else if (GenericContainer(method.ContainingType) is { } generic)
            problems.Add((Diagnostics.Generic, $"its class {generic.Name} has type parameters"));
        if (method.IsAsync)
            problems.Add((Diagnostics.NotVoid, "it is async (the runner cannot wait for it)"));
        else if (!method.ReturnsVoid)
            problems.Add((Diagnostics.NotVoid, $"it returns {method.ReturnType.ToDisplayString()}"));
        if (Inaccessible(method) is { } hidden)
            problems.Add((Diagnostics.NotAccessible, hidden));

        string? skip = null;
        foreach (AttributeData attribute in attributed.Attributes)
            foreach (KeyValuePair<string, TypedConstant> argument in attribute.NamedArguments)
                if (argument.Key == "Skip" && argument.Value.Value is string reason)
                    skip = reason;

        string call = method.ContainingType.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat) + "." + Identifier(method.Name);
        return new TestMethod(name, call, skip, declaration.SyntaxTree.FilePath, declaration.SpanStart,
            declaration.Identifier.GetLocation(), problems.ToImmutable());
    }

    static void Emit(SourceProductionContext output, ImmutableArray<TestMethod> found, ImmutableArray<Location> mains, string suite, bool hasRunner)
    {
        if (!hasRunner)
            return; // Graft.Testing is not referenced: nothing to run the tests with.
        foreach (Location main in mains)
            output.ReportDiagnostic(Diagnostic.Create(Diagnostics.OwnMain, main));

        List<TestMethod> ordered = found
            .OrderBy(test => test.File, StringComparer.Ordinal)
            .ThenBy(test => test.Position)
            .ToList();

        var runnable = new List<TestMethod>();
        var seen = new Dictionary<string, TestMethod>(StringComparer.Ordinal);
        foreach (TestMethod test in ordered)
        {
            foreach ((DiagnosticDescriptor rule, string why) in test.Problems)
                output.ReportDiagnostic(Diagnostic.Create(rule, test.Location, test.Name, why));
            if (test.Problems.Length > 0)
                continue;
            if (seen.TryGetValue(test.Name, out TestMethod? first))
            {
                output.ReportDiagnostic(Diagnostic.Create(Diagnostics.DuplicateName, test.Location, [first.Location], test.Name, first.Call, test.Call));
                continue;
            }
            seen.Add(test.Name, test);
            runnable.Add(test);
        }
        if (mains.Length > 0)
            return; // GRAFT8007 says why; a generated Main would add the compiler's CS0017.

        var source = new StringBuilder();
        source.AppendLine("// <auto-generated/> by Graft.Testing.Generator: the test kernel's Main, one entry per [Test] in source order.");
        source.AppendLine("namespace Graft.Testing.Generated");
        source.AppendLine("{");
        source.AppendLine("    internal static class TestMain");
        source.AppendLine("    {");
        source.AppendLine("        private static int Main() => global::Graft.Testing.TestRunner.Run(");
        source.Append("            ").Append(Literal(suite)).AppendLine(",");
        source.AppendLine("            new global::Graft.Testing.TestCase[]");
        source.AppendLine("            {");
        foreach (TestMethod test in runnable)
        {
            source.Append("                new global::Graft.Testing.TestCase(").Append(Literal(test.Name)).Append(", ").Append(test.Call);
            if (test.Skip is not null)
                source.Append(", ").Append(Literal(test.Skip));
            source.AppendLine("),");
        }
        source.AppendLine("            });");
        source.AppendLine("    }");
        source.AppendLine("}");
        output.AddSource("GraftTestMain.g.cs", source.ToString());
    }

    /// <summary>Class.Method: the containing types' names joined by dots, no namespace.</summary>
    static string TestName(IMethodSymbol method)
    {
        var parts = new List<string> { method.Name };
        for (INamedTypeSymbol? type = method.ContainingType; type is not null; type = type.ContainingType)
            parts.Insert(0, type.Name);
        return string.Join(".", parts);
    }

    static INamedTypeSymbol? GenericContainer(INamedTypeSymbol? type)
    {
        for (; type is not null; type = type.ContainingType)
            if (type.TypeParameters.Length > 0)
                return type;
        return null;
    }

    /// <summary>Why the generated Main (another class of the same assembly) cannot see the method, or null.</summary>
    static string? Inaccessible(IMethodSymbol method)
    {
        if (!Visible(method.DeclaredAccessibility))
            return $"it is {Describe(method.DeclaredAccessibility)}";
        for (INamedTypeSymbol? type = method.ContainingType; type is not null; type = type.ContainingType)
        {
            if (type.IsFileLocal)
                return $"its class {type.Name} is file-local";
            if (!Visible(type.DeclaredAccessibility))
                return $"its class {type.Name} is {Describe(type.DeclaredAccessibility)}";
        }
        return null;
    }

    static bool Visible(Accessibility accessibility) =>
        accessibility is Accessibility.Public or Accessibility.Internal or Accessibility.ProtectedOrInternal;

    static string Describe(Accessibility accessibility) => accessibility switch
    {
        Accessibility.Private => "private",
        Accessibility.Protected => "protected",
        Accessibility.ProtectedAndInternal => "private protected",
        _ => accessibility.ToString().ToLowerInvariant(),
    };

    static string Identifier(string name) =>
        SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None ? "@" + name : name;

    static string Literal(string text) => SymbolDisplay.FormatLiteral(text, quote: true);
}
