using System;
using System.Diagnostics;

namespace Graft.Testing;

/// <summary>
/// The in-kernel runner: runs the tests the generated Main hands it, in order, and prints the
/// line protocol of tests/csharp/README.md on serial, then exits QEMU with 0 when no test
/// failed, else 1. Options come from the kernel command line: <c>graft-test.from=&lt;i&gt;</c>
/// (run tests with index &gt;= i: the host runner's restart after a fault or a hang) and
/// <c>graft-test.filter=&lt;pattern&gt;</c> (a substring of Class.Method, <c>*</c> matching anything).
/// </summary>
public static class TestRunner
{
    const string Prefix = "graft-test: ";
    const string FromOption = "graft-test.from=";
    const string FilterOption = "graft-test.filter=";

    /// <summary>Runs <paramref name="tests"/> of the suite <paramref name="suite"/> (the assembly's name); never returns in a kernel.</summary>
    public static int Run(string suite, TestCase[] tests)
    {
        if (!TryReadOptions(TestConsole.CommandLine, out int from, out string? filter, out string? error))
        {
            // One clear line, no suite line: the host runner sees a broken boot, not a passing suite.
            TestConsole.WriteLine(Prefix + "error " + error);
            TestConsole.Exit(1);
            return 1;
        }

        TestConsole.WriteLine($"{Prefix}suite {suite} tests={tests.Length}");
        int passed = 0, failed = 0, skipped = 0;
        for (int i = from; i < tests.Length; i++)
        {
            TestCase test = tests[i];
            if (filter is not null && !Matches(filter, test.Name))
                continue;
            if (test.Skip is not null)
            {
                TestConsole.WriteLine($"{Prefix}skip {i} {test.Name}: {OneLine(test.Skip)}");
                skipped++;
                continue;
            }

            TestConsole.WriteLine($"{Prefix}start {i} {test.Name}");
            long started = Stopwatch.GetTimestamp();
            string? failure = null;
            string? skipReason = null;
            try
            {
                test.Body();
            }
            catch (SkipException e)
            {
                skipReason = e.Message;
            }
            catch (AssertionException e)
            {
                failure = $"at {e.File}:{e.Line}: {OneLine(e.Message)}";
            }
            catch (Exception e)
            {
                // The kernel cannot map an address to a source line (the host can, from
                // Kernel.elf's DWARF): the exception with its stack trace goes out first, each
                // frame with its code address, which graft run/test symbolise, then the fail line.
                TestConsole.WriteException(e);
                failure = $"at ?:0: {e.GetType().FullName}: {OneLine(e.Message)}";
            }
            long micros = (Stopwatch.GetTimestamp() - started) * 1_000_000 / Stopwatch.Frequency;

            if (failure is not null)
            {
                TestConsole.WriteLine($"{Prefix}fail {i} {test.Name} {failure}");
                failed++;
            }
            else if (skipReason is not null)
            {
                TestConsole.WriteLine($"{Prefix}skip {i} {test.Name}: {OneLine(skipReason)}");
                skipped++;
            }
            else
            {
                TestConsole.WriteLine($"{Prefix}pass {i} {test.Name} {micros}us");
                passed++;
            }
        }

        TestConsole.WriteLine($"{Prefix}end passed={passed} failed={failed} skipped={skipped}");
        int status = failed == 0 ? 0 : 1;
        TestConsole.Exit(status);
        return status;
    }

    /// <summary>Reads graft-test.from and graft-test.filter from the command line's words.</summary>
    internal static bool TryReadOptions(string commandLine, out int from, out string? filter, out string? error)
    {
        from = 0;
        filter = null;
        error = null;
        foreach (string word in commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (word.StartsWith(FromOption, StringComparison.Ordinal))
            {
                string value = word.Substring(FromOption.Length);
                if (!int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out from))
                {
                    error = $"{FromOption}{value} on the kernel command line: not a test index (0, 1, 2, ...)";
                    return false;
                }
            }
            else if (word.StartsWith(FilterOption, StringComparison.Ordinal))
            {
                filter = word.Substring(FilterOption.Length);
                if (filter.Length == 0)
                {
                    error = $"{FilterOption} on the kernel command line is empty: name part of a test (Class.Method, * for anything)";
                    return false;
                }
            }
        }
        return true;
    }

    /// <summary>
    /// Whether <paramref name="name"/> contains <paramref name="pattern"/>, each <c>*</c> in it
    /// matching any run of characters: the pieces between stars appear in order.
    /// </summary>
    internal static bool Matches(string pattern, string name)
    {
        int at = 0;
        foreach (string piece in pattern.Split('*'))
        {
            if (piece.Length == 0)
                continue;
            int found = name.IndexOf(piece, at, StringComparison.Ordinal);
            if (found < 0)
                return false;
            at = found + piece.Length;
        }
        return true;
    }

    // A protocol line is one line: line breaks in a message are shown, not obeyed.
    static string OneLine(string text) => text.Replace("\r", "").Replace("\n", "\\n");
}
