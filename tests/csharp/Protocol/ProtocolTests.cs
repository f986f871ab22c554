using System;
using Graft.Testing;

namespace Protocol;

// Each test ends one way; expected.txt holds the line each must print. Line numbers matter:
// a failing assertion's line is in its fail line.
static class ProtocolTests
{
    [Test]
    public static void Passes() => Assert.Equal(2, 1 + 1);

    [Test]
    public static void FailsEqual() => Assert.Equal(1, 2);

    [Test]
    public static void FailsEqualStrings() => Assert.Equal("kernel", "colonel");

    [Test]
    public static void FailsTrueWithMessage() => Assert.True(false, "the flag was down");

    [Test]
    public static void ThrowsFromTheTest() => throw new InvalidOperationException("boom");

    [Test]
    public static void ThrowsTheWrongType() => Assert.Throws<ArgumentException>(() => throw new InvalidOperationException("other"));

    [Test]
    public static void ThrowsNothing() => Assert.Throws<ArgumentException>(() => { });

    [Test(Skip = "skipped by its attribute")]
    public static void SkippedByAttribute() => Assert.Fail("never runs");

    [Test]
    public static void SkippedAtRunTime() => Assert.Skip("skipped at run time");

    [Test]
    public static void MultiLineMessageStaysOnOneLine() => Assert.Fail("first\nsecond");

    [Test]
    public static void NullChecks()
    {
        Assert.Null(null);
        Assert.NotNull("x");
        Assert.NotNull(null);
    }

    [Test]
    public static void StillRunsAfterFailures() => Assert.Same(typeof(int), typeof(int));
}
