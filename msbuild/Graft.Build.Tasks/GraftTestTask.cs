// Task for stage `test` (rust/graft-stages/src/test/mod.rs): `dotnet test` on
// a kernel test project. Boots the built kernel in QEMU once per mode asked
// for, booting again after a test that crashes or hangs; each failed test is
// an MSBuild error at its source file and line (logged from the stage's
// diagnostics by NativeStage, so the IDE lists it), and each test's result a
// line of the build's output. Codes GRAFT6011-6019.
//
// Not a GraftStageTask: tests run on every call, there is no up-to-date
// check. The request is still kept (RequestFile, what `graft request test`
// replays) and the stage writes its results beside it, where this task reads
// them after failures too (the call returns no output when a test failed).
using System;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using Graft.Build.Tasks.Native;
using Microsoft.Build.Framework;

namespace Graft.Build.Tasks
{
    public sealed class GraftTestTask : Microsoft.Build.Utilities.Task
    {
        [Required] public string RequestFile { get; set; } = "";
        [Required] public string Kernel { get; set; } = "";
        public string? Image { get; set; }
        /// <summary>Boot modes, separated by ';', ',' or spaces (-p: on a command line splits at ';' and ',') (direct, bios-cd, uefi-cd, bios-disk, uefi-disk); empty: direct.</summary>
        public string? Modes { get; set; }
        /// <summary>A part of Class.Method (<c>*</c> matches anything), or dotnet test's --filter (FullyQualifiedName~X, Name=X or X).</summary>
        public string? Filter { get; set; }
        public string? JUnit { get; set; }
        /// <summary>Seconds per boot; empty: the stage's default.</summary>
        public string? Timeout { get; set; }
        /// <summary>QEMU memory in MiB; empty: the stage's default.</summary>
        public string? Memory { get; set; }
        public string? CommandLine { get; set; }
        public string? Qemu { get; set; }
        public string? Ovmf { get; set; }

        [Output] public int Passed { get; private set; }
        [Output] public int Failed { get; private set; }
        [Output] public int Skipped { get; private set; }

        public override bool Execute()
        {
            string requestFile = Path.GetFullPath(RequestFile);
            string resultsFile = Path.ChangeExtension(requestFile, ".result.json");
            var request = new TestRequest
            {
                Kernel = Path.GetFullPath(Kernel),
                Image = string.IsNullOrWhiteSpace(Image) ? null : Path.GetFullPath(Image!),
                Modes = ParseModes(),
                Filter = FilterPattern(Filter),
                Junit = string.IsNullOrWhiteSpace(JUnit) ? null : Path.GetFullPath(JUnit!),
                ResultsFile = resultsFile,
                TimeoutSecs = Number<double>("GraftTestTimeout", Timeout),
                MemoryMib = Number<uint>("GraftRunMemory", Memory),
                CommandLine = string.IsNullOrEmpty(CommandLine) ? null : CommandLine,
                Qemu = string.IsNullOrWhiteSpace(Qemu) ? null : Qemu,
                Ovmf = string.IsNullOrWhiteSpace(Ovmf) ? null : Path.GetFullPath(Ovmf!),
            };
            if (Log.HasLoggedErrors) return false;
            string requestJson = StageJson.Serialize(request);
            try
            {
                Directory.CreateDirectory(Path.GetDirectoryName(requestFile)!);
                File.WriteAllText(requestFile, requestJson, new UTF8Encoding(false));
                // An old result is never read as this run's.
                if (File.Exists(resultsFile)) File.Delete(resultsFile);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Log.LogError(null, "GRAFT0001", "GRAFT0001", requestFile, 0, 0, 0, 0, $"cannot write the test request: {NativeStage.Flatten(e.Message)}");
                return false;
            }

            NativeStage.Run(Log, TestRequest.Stage, requestJson, requestFile);
            TestOutput? output = ReadResults(resultsFile);
            if (output != null) Report(output);
            return !Log.HasLoggedErrors && output != null && output.Failed == 0;
        }

        TestOutput? ReadResults(string resultsFile)
        {
            try
            {
                return File.Exists(resultsFile) ? StageJson.Deserialize<TestOutput>(File.ReadAllText(resultsFile)) : null;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
            {
                Log.LogError(null, "GRAFT9001", "GRAFT9001", resultsFile, 0, 0, 0, 0, $"graft test's results are unreadable: {NativeStage.Flatten(e.Message)}");
                return null;
            }
        }

        /// <summary>One line per test, then the totals, where dotnet test shows them.</summary>
        void Report(TestOutput output)
        {
            foreach (SuiteRun suite in output.Suites)
            {
                string mode = JsonSerializer.Serialize(suite.Mode).Trim('"');
                foreach (TestResult test in suite.Tests)
                {
                    string detail = test.Status switch
                    {
                        TestStatus.Passed => $"passed ({test.Micros ?? 0} us)",
                        TestStatus.Skipped => $"skipped: {test.Message}",
                        _ => $"FAILED ({test.Status.ToString().ToLowerInvariant()}): {NativeStage.Flatten(test.Message ?? "")}",
                    };
                    Log.LogMessage(MessageImportance.High, $"  {mode} {test.Name} {detail}");
                }
                string firsts = string.Join(", ", suite.Boots.Select(b => b.FirstResultMs is ulong ms ? $"{ms} ms" : "-"));
                Log.LogMessage(MessageImportance.High, $"graft test {mode} {suite.Name ?? "(no suite)"}: {suite.Tests.Count(t => t.Status == TestStatus.Passed)} passed, {suite.Tests.Count(t => t.Status is not (TestStatus.Passed or TestStatus.Skipped))} failed, {suite.Tests.Count(t => t.Status == TestStatus.Skipped)} skipped in {suite.Boots.Length} boot(s); QEMU start to first result: {firsts}");
            }
            (Passed, Failed, Skipped) = ((int)output.Passed, (int)output.Failed, (int)output.Skipped);
            Log.LogMessage(MessageImportance.High, $"graft test: {Passed} passed, {Failed} failed, {Skipped} skipped" + (output.Junit != null ? $"; JUnit: {output.Junit}" : ""));
        }

        TestMode[]? ParseModes()
        {
            string[] names = (Modes ?? "").Split(new[] { ';', ',', ' ' }, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (names.Length == 0) return null;
            var modes = new TestMode[names.Length];
            for (int i = 0; i < names.Length; i++)
            {
                try
                {
                    modes[i] = StageJson.Deserialize<TestMode>(JsonSerializer.Serialize(names[i]));
                }
                catch (JsonException)
                {
                    string all = string.Join(", ", Enum.GetValues<TestMode>().Select(m => JsonSerializer.Serialize(m).Trim('"')));
                    Log.LogError(null, "GRAFT7004", "GRAFT7004", null, 0, 0, 0, 0, $"GraftTestModes names '{names[i]}', which is no boot mode; the modes are: {all}.");
                }
            }
            return modes;
        }

        /// <summary>dotnet test's filter reduced to the name part Graft.Testing matches.</summary>
        static string? FilterPattern(string? filter)
        {
            if (string.IsNullOrWhiteSpace(filter)) return null;
            string text = filter!.Trim();
            foreach (string property in new[] { "FullyQualifiedName", "DisplayName", "Name" })
            {
                foreach (string op in new[] { "~", "=" })
                {
                    if (text.StartsWith(property + op, StringComparison.OrdinalIgnoreCase)) return text.Substring(property.Length + op.Length);
                }
            }
            return text;
        }

        /// <summary>A number, or null when empty (the stage's default); an error when it is not one.</summary>
        T? Number<T>(string property, string? text) where T : struct, IParsable<T>
        {
            if (string.IsNullOrWhiteSpace(text)) return null;
            if (T.TryParse(text!.Trim(), System.Globalization.CultureInfo.InvariantCulture, out T value)) return value;
            Log.LogError(null, "GRAFT7004", "GRAFT7004", null, 0, 0, 0, 0, $"{property} is '{text}', which is not a number: set it to one, or leave it empty for the default.");
            return null;
        }
    }
}
