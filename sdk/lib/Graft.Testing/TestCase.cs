using System;

namespace Graft.Testing;

/// <summary>One test as the source generator hands it to <see cref="TestRunner"/>.</summary>
public sealed class TestCase
{
    /// <summary>The test's name, <c>Class.Method</c> (nested classes joined by dots, no namespace).</summary>
    public string Name { get; }

    /// <summary>The test method.</summary>
    public Action Body { get; }

    /// <summary>The reason from <c>[Test(Skip = "...")]</c>, or null when the test runs.</summary>
    public string? Skip { get; }

    /// <summary>A test named <paramref name="name"/> running <paramref name="body"/>.</summary>
    public TestCase(string name, Action body, string? skip = null)
    {
        Name = name;
        Body = body;
        Skip = skip;
    }
}
