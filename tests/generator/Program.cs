using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using Graft.Testing.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

// Each case: C# sources (path, text) -> the generator -> the compiler. A case states the test
// list the generated Main must hold, in order, and the GRAFT/CS errors (code and line) expected.
int failed = 0;
void Case(string name, (string Path, string Text)[] sources, string[]? expectedTests, params string[] expectedErrors)
{
    var problems = new List<string>();
    (string? generated, ImmutableArray<Diagnostic> diagnostics) = Generate(sources, withFramework: true);
    string[] errors = diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)
        .Select(d => $"{d.Id}@{Path.GetFileName(d.Location.GetLineSpan().Path)}:{d.Location.GetLineSpan().StartLinePosition.Line + 1}")
        .OrderBy(e => e, StringComparer.Ordinal).ToArray();
    string[] wanted = expectedErrors.OrderBy(e => e, StringComparer.Ordinal).ToArray();
    if (!errors.SequenceEqual(wanted))
        problems.Add($"errors: expected [{string.Join(", ", wanted)}], actual [{string.Join(", ", errors)}]\n      "
            + string.Join("\n      ", diagnostics.Select(d => d.ToString())));
    if (expectedTests is not null)
    {
        string[] listed = generated is null ? [] : ListedTests(generated);
        if (generated is null)
            problems.Add("no Main was generated");
        else if (!listed.SequenceEqual(expectedTests))
            problems.Add($"tests: expected [{string.Join(", ", expectedTests)}], actual [{string.Join(", ", listed)}]");
    }
    Console.WriteLine($"{(problems.Count == 0 ? "pass" : "FAIL")} {name}");
    foreach (string problem in problems)
        Console.WriteLine("    " + problem);
    if (problems.Count > 0)
    {
        if (generated is not null)
            Console.WriteLine(generated);
        failed++;
    }
}

// The generated Main's TestCase arguments, one per test, as written: name, call[, skip reason].
static string[] ListedTests(string generated) => generated.Split('\n')
    .Select(line => line.Trim())
    .Where(line => line.StartsWith("new global::Graft.Testing.TestCase(", StringComparison.Ordinal) && line.EndsWith("),", StringComparison.Ordinal))
    .Select(line => line["new global::Graft.Testing.TestCase(".Length..^2])
    .ToArray();

static (string?, ImmutableArray<Diagnostic>) Generate((string Path, string Text)[] sources, bool withFramework)
{
    var options = new CSharpParseOptions(LanguageVersion.Latest);
    IEnumerable<SyntaxTree> trees = sources.Select(s => CSharpSyntaxTree.ParseText(s.Text, options, s.Path));
    var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
        .Where(path => withFramework || !Path.GetFileName(path).StartsWith("Graft.", StringComparison.Ordinal))
        .Select(path => MetadataReference.CreateFromFile(path));
    var compilation = CSharpCompilation.Create("GeneratorCase", trees, references,
        new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable));
    GeneratorDriver driver = CSharpGeneratorDriver.Create(new TestMainGenerator()).WithUpdatedParseOptions(options);
    driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> generatorDiagnostics);
    string? generated = driver.GetRunResult().GeneratedTrees.FirstOrDefault()?.ToString();
    return (generated, generatorDiagnostics.AddRange(output.GetDiagnostics()));
}

const string Usings = "using Graft.Testing; ";

Case("source order: file path, then line; nested classes; namespaces left out; skip reasons",
    [
        ("/src/b/Later.cs", Usings + "namespace N.M;\nstatic class Later\n{\n    [Test] public static void First() { }\n}\n"),
        ("/src/a/Earlier.cs", Usings + """
            static class Zeta
            {
                [Test] internal static void Two() { }
                [Test(Skip = "not \"yet\"")] public static void Skipped() { }
                internal static class Inner { [Test] public static void Three() { } }
            }
            static class Alpha { [Test] public static void Four() { } }
            """),
    ],
    [
        "\"Zeta.Two\", global::Zeta.Two",
        "\"Zeta.Skipped\", global::Zeta.Skipped, \"not \\\"yet\\\"\"",
        "\"Zeta.Inner.Three\", global::Zeta.Inner.Three",
        "\"Alpha.Four\", global::Alpha.Four",
        "\"Later.First\", global::N.M.Later.First",
    ]);

Case("a keyword as a class or method name is escaped",
    [("/src/K.cs", Usings + "static class @class { [Test] public static void @event() { } }")],
    ["\"class.event\", global::@class.@event"]);

Case("no tests: an empty suite still has its Main",
    [("/src/Empty.cs", Usings + "static class Nothing { }")],
    []);

Case("GRAFT8001: an instance test method",
    [("/src/Bad.cs", Usings + "class C\n{\n    [Test] public void M() { }\n    [Test] public static void Ok() { }\n}")],
    ["\"C.Ok\", global::C.Ok"], "GRAFT8001@Bad.cs:3");

Case("GRAFT8002: a test method with parameters",
    [("/src/Bad.cs", Usings + "static class C\n{\n    [Test] public static void M(int x) { }\n}")],
    [], "GRAFT8002@Bad.cs:3");

Case("GRAFT8003: a generic test method, and one in a generic class",
    [("/src/Bad.cs", Usings + "static class C\n{\n    [Test] public static void M<T>() { }\n}\nstatic class G<T>\n{\n    [Test] public static void N() { }\n}")],
    [], "GRAFT8003@Bad.cs:3", "GRAFT8003@Bad.cs:7");

Case("GRAFT8004: a test returning a value, and an async one",
    [("/src/Bad.cs", Usings + "static class C\n{\n    [Test] public static int M() => 1;\n    [Test] public static async System.Threading.Tasks.Task N() { await System.Threading.Tasks.Task.Yield(); }\n}")],
    [], "GRAFT8004@Bad.cs:3", "GRAFT8004@Bad.cs:4");

Case("GRAFT8005: a private test method, and one in a private class",
    [("/src/Bad.cs", Usings + "static class C\n{\n    [Test] static void M() { }\n    private static class P\n    {\n        [Test] public static void N() { }\n    }\n}")],
    [], "GRAFT8005@Bad.cs:3", "GRAFT8005@Bad.cs:6");

Case("one method with every problem gets each error once",
    [("/src/Bad.cs", Usings + "class C\n{\n    [Test] private int M<T>(T x) => 0;\n}")],
    [], "GRAFT8001@Bad.cs:3", "GRAFT8002@Bad.cs:3", "GRAFT8003@Bad.cs:3", "GRAFT8004@Bad.cs:3", "GRAFT8005@Bad.cs:3");

Case("GRAFT8006: two tests with one name (same class name in two namespaces)",
    [("/src/Dup.cs", Usings + "namespace A { static class C { [Test] public static void M() { } } }\nnamespace B { static class C { [Test] public static void M() { } } }")],
    ["\"C.M\", global::A.C.M"], "GRAFT8006@Dup.cs:2");

Case("GRAFT8007: a Main of the project's own (and no second entry point generated)",
    [("/src/Main.cs", Usings + "static class Program\n{\n    static int Main(string[] args) => 0;\n}\nstatic class C { [Test] public static void M() { } }")],
    null, "GRAFT8007@Main.cs:3");

// Without Graft.Testing referenced the generator writes nothing (the attribute is unknown).
{
    (string? generated, _) = Generate([("/src/X.cs", "static class C { static void Main() { } }")], withFramework: false);
    Console.WriteLine($"{(generated is null ? "pass" : "FAIL")} no Graft.Testing reference: nothing generated");
    if (generated is not null)
        failed++;
}

// Every error the generator can report is a row of docs/diagnostics.md (and so of codes.rs, which
// the Rust test compares with it), in the 8001-8019 block.
{
    string? folder = AppContext.BaseDirectory;
    while (folder is not null && !File.Exists(Path.Combine(folder, "docs", "diagnostics.md")))
        folder = Path.GetDirectoryName(folder);
    var problems = new List<string>();
    if (folder is null)
        problems.Add("docs/diagnostics.md not found above " + AppContext.BaseDirectory);
    else
    {
        string table = File.ReadAllText(Path.Combine(folder, "docs", "diagnostics.md"));
        var descriptors = typeof(TestMainGenerator).Assembly.GetType("Graft.Testing.Generator.Diagnostics")!
            .GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)
            .Select(field => (DiagnosticDescriptor)field.GetValue(null)!).ToList();
        if (descriptors.Count == 0)
            problems.Add("no descriptors found");
        foreach (DiagnosticDescriptor descriptor in descriptors)
        {
            int number = int.Parse(descriptor.Id.Substring("GRAFT".Length));
            if (number < 8001 || number > 8019)
                problems.Add($"{descriptor.Id} is outside 8001-8019");
            if (!table.Contains($"| {descriptor.Id} | `", StringComparison.Ordinal))
                problems.Add($"{descriptor.Id} has no row in docs/diagnostics.md");
        }
    }
    Console.WriteLine($"{(problems.Count == 0 ? "pass" : "FAIL")} every generator code is in docs/diagnostics.md");
    foreach (string problem in problems)
        Console.WriteLine("    " + problem);
    if (problems.Count > 0)
        failed++;
}

Console.WriteLine(failed == 0 ? "generator tests: every case passed" : $"generator tests: {failed} case(s) failed");
return failed;
