using System;

namespace Graft.Testing;

/// <summary>
/// Marks a <c>static void</c> method without parameters as a kernel test. The package's source
/// generator finds every one at build time and runs them in source order (file, then line).
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class TestAttribute : Attribute
{
    /// <summary>When set, the test is not run and is reported as skipped with this reason.</summary>
    public string? Skip { get; set; }
}
