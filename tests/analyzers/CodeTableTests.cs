using System.Text.RegularExpressions;

namespace Graft.Analyzers.Tests;

/// <summary>The analyzer's codes are the patcher's: each is a row of docs/diagnostics.md, the table codes.rs is checked against.</summary>
[TestClass]
public sealed class CodeTableTests
{
    [TestMethod]
    public void Every_analyzer_code_is_in_the_code_table()
    {
        var table = FindRepositoryFile("docs/diagnostics.md");
        var documented = Regex.Matches(File.ReadAllText(table), @"^\| (GRAFT\d{4}) \|", RegexOptions.Multiline).Select(m => m.Groups[1].Value).ToHashSet();
        var ids = new PlugAnalyzer().SupportedDiagnostics.Select(d => d.Id).Distinct().ToList();
        CollectionAssert.AreEquivalent(new[] { "GRAFT1001", "GRAFT1002", "GRAFT1003", "GRAFT1004", "GRAFT1005", "GRAFT1006", "GRAFT1007", "GRAFT1008", "GRAFT1009", "GRAFT1010", "GRAFT1011" }, ids);
        foreach (var id in ids)
            Assert.IsTrue(documented.Contains(id), $"{id} is not a row of {table}");
    }

    static string FindRepositoryFile(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            var path = Path.Combine(dir.FullName, relative);
            if (File.Exists(path))
                return path;
        }
        throw new FileNotFoundException($"{relative} is not above {AppContext.BaseDirectory}: run the tests from the repository");
    }
}
