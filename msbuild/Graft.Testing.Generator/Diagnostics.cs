using Microsoft.CodeAnalysis;

namespace Graft.Testing.Generator;

/// <summary>
/// The generator's errors, GRAFT8001-8019 (block 8xxx, kernel tests). The same codes, names and
/// meanings are in rust/graft-diag/src/codes.rs and docs/diagnostics.md. {0} is the test's
/// name (Class.Method), {1} what is wrong with it.
/// </summary>
internal static class Diagnostics
{
    const string Category = "Graft.Testing";

    static DiagnosticDescriptor Error(string id, string title, string message) =>
        new(id, title, message, Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    /// <summary>GRAFT8001 TEST_NOT_STATIC.</summary>
    public static readonly DiagnosticDescriptor NotStatic = Error("GRAFT8001", "A [Test] method must be static",
        "[Test] method {0} must be static: {1}; the generated Main calls each test without an object");

    /// <summary>GRAFT8002 TEST_HAS_PARAMETERS.</summary>
    public static readonly DiagnosticDescriptor HasParameters = Error("GRAFT8002", "A [Test] method takes no parameters",
        "[Test] method {0} must take no parameters: {1}");

    /// <summary>GRAFT8003 TEST_IS_GENERIC.</summary>
    public static readonly DiagnosticDescriptor Generic = Error("GRAFT8003", "A [Test] method cannot be generic",
        "[Test] method {0} cannot be generic: {1}; write one test per type argument");

    /// <summary>GRAFT8004 TEST_NOT_VOID.</summary>
    public static readonly DiagnosticDescriptor NotVoid = Error("GRAFT8004", "A [Test] method returns void",
        "[Test] method {0} must be a plain void method: {1}");

    /// <summary>GRAFT8005 TEST_NOT_ACCESSIBLE.</summary>
    public static readonly DiagnosticDescriptor NotAccessible = Error("GRAFT8005", "A [Test] method must be visible to the generated Main",
        "[Test] method {0} must be internal or public, and so must its classes: {1}");

    /// <summary>GRAFT8006 TEST_DUPLICATE_NAME (the arguments: the name, then both methods).</summary>
    public static readonly DiagnosticDescriptor DuplicateName = Error("GRAFT8006", "Two [Test] methods have the same name",
        "Two [Test] methods are named {0} ({1} and {2}): the runner selects and reports tests by Class.Method; rename one");

    /// <summary>GRAFT8007 TEST_PROJECT_HAS_MAIN.</summary>
    public static readonly DiagnosticDescriptor OwnMain = Error("GRAFT8007", "A test kernel has no Main of its own",
        "A test kernel's Main is generated from its [Test] methods (IsTestProject): remove this Main, or IsTestProject to make the project an ordinary kernel");
}
