// What every stage task shares: build the stage's typed request from the
// task's parameters, decide whether the stage must run, run it through
// libgraft (NativeStage), and hand its output to the derived task.
//
// The task owns its up-to-date check, so that each stage is one task call
// (see the comment at the top of Sdk.targets): the request last run is kept
// in RequestFile (<stage>.json, what `graft request` replays; written only
// when its text changes) and that run's output beside it
// (<stage>.result.json). The stage is skipped when the new request is the
// kept one, and every output the kept result names exists and is not older
// than any input (the files the request reads, AdditionalInputs, and this
// assembly, so a new package reruns every stage). What a request means and
// how outputs are named stays in Rust.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using Graft.Build.Tasks.Native;
using Microsoft.Build.Framework;

namespace Graft.Build.Tasks
{
    public abstract class GraftStageTask<TRequest, TOutput> : Microsoft.Build.Utilities.Task, IIncrementalTask
        where TOutput : class
    {
        /// <summary>The stage's name in libgraft (the request type's Stage).</summary>
        protected abstract string Stage { get; }

        /// <summary>Builds the stage's request from the task's parameters (may log errors).</summary>
        protected abstract TRequest BuildRequest();

        /// <summary>The files the request tells the stage to read.</summary>
        protected abstract IEnumerable<string> InputsOf(TRequest request);

        /// <summary>The files the stage wrote, as its output names them.</summary>
        protected abstract IReadOnlyList<string> OutputsOf(TOutput output);

        /// <summary>Sets the [Output] parameters from the stage's output (a new or a kept one).</summary>
        protected abstract void TakeOutput(TOutput output);

        /// <summary>Where the request is kept (<c>obj/.../graft/&lt;stage&gt;.json</c>); the result goes beside it.</summary>
        [Required] public string RequestFile { get; set; } = "";

        /// <summary>Files the stage reads that its request does not name (headers).</summary>
        public ITaskItem[]? AdditionalInputs { get; set; }

        /// <summary>Set by MSBuild for -question: fail instead of running the stage.</summary>
        public bool FailIfNotIncremental { get; set; }

        public override bool Execute()
        {
            TRequest request = BuildRequest();
            if (Log.HasLoggedErrors) return false;
            string requestJson = StageJson.Serialize(request);
            string requestFile = Path.GetFullPath(RequestFile);
            string resultFile = Path.ChangeExtension(requestFile, ".result.json");

            var inputs = InputsOf(request)
                .Concat((AdditionalInputs ?? Array.Empty<ITaskItem>()).Select(FullPath))
                .Append(typeof(GraftStageTask<TRequest, TOutput>).Assembly.Location);
            TOutput? kept = ReadKept(requestFile, requestJson, resultFile, out string? reason);
            reason ??= WhyOutOfDate(OutputsOf(kept!), inputs);
            if (reason == null)
            {
                Log.LogMessage(MessageImportance.Normal, $"graft {Stage}: {UpToDate(kept!)}");
                TakeOutput(kept!);
                return true;
            }
            if (FailIfNotIncremental)
            {
                Log.LogError($"graft {Stage} would run ({reason}); request {requestFile}");
                return false;
            }
            Log.LogMessage(MessageImportance.Low, $"graft {Stage}: running: {reason}");

            try
            {
                // No kept result while the stage runs: a failed or killed run is never taken for a good one.
                if (File.Exists(resultFile)) File.Delete(resultFile);
                WriteIfDifferent(requestFile, requestJson);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Log.LogError(null, "GRAFT0001", "GRAFT0001", requestFile, 0, 0, 0, 0, $"cannot write the {Stage} request: {NativeStage.Flatten(e.Message)}");
                return false;
            }
            string? outputJson = NativeStage.Run(Log, Stage, requestJson, requestFile);
            if (outputJson == null) return false;
            TOutput? output = null;
            string problem = "is empty";
            try
            {
                output = StageJson.Deserialize<TOutput>(outputJson);
            }
            catch (JsonException e)
            {
                problem = "does not have the shape of Requests.g.cs: " + NativeStage.Flatten(e.Message);
            }
            if (output == null)
            {
                Log.LogError(null, "GRAFT9001", "GRAFT9001", null, 0, 0, 0, 0, $"graft {Stage}'s output {problem}; replay it with: graft request {Stage} {requestFile}");
                return false;
            }
            try
            {
                WriteIfDifferent(resultFile, StageJson.Serialize(output));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The outputs are good; the next build only runs the stage again.
                Log.LogWarning(null, "GRAFT0001", "GRAFT0001", resultFile, 0, 0, 0, 0, $"cannot keep the {Stage} result (the next build runs the stage again): {NativeStage.Flatten(e.Message)}");
            }
            TakeOutput(output);
            return !Log.HasLoggedErrors;
        }

        /// <summary>The line logged when the stage is skipped; names what is up to date.</summary>
        protected virtual string UpToDate(TOutput output) =>
            string.Join(", ", OutputsOf(output).Select(Path.GetFileName)) + " is up to date";

        /// <summary>The kept result when the kept request is this one; otherwise null and why not.</summary>
        static TOutput? ReadKept(string requestFile, string requestJson, string resultFile, out string? whyNot)
        {
            try
            {
                whyNot = !File.Exists(requestFile) ? "no request kept from an earlier build"
                    : File.ReadAllText(requestFile) != requestJson ? "the request changed"
                    : !File.Exists(resultFile) ? "no result kept from an earlier run"
                    : null;
                if (whyNot != null) return null;
                TOutput? kept = StageJson.Deserialize<TOutput>(File.ReadAllText(resultFile));
                if (kept == null) whyNot = $"{resultFile} is empty";
                return kept;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
            {
                // An unreadable kept file only means the stage runs again.
                whyNot = $"the kept files are unreadable ({NativeStage.Flatten(e.Message)})";
                return null;
            }
        }

        /// <summary>Why the outputs are out of date (as MSBuild decides it: an input newer than an output), or null.</summary>
        static string? WhyOutOfDate(IReadOnlyList<string> outputs, IEnumerable<string> inputs)
        {
            if (outputs.Count == 0) return "the kept result names no output";
            string? oldest = null;
            DateTime oldestTime = DateTime.MaxValue;
            foreach (string output in outputs)
            {
                if (!File.Exists(output)) return $"{output} does not exist";
                DateTime time = File.GetLastWriteTimeUtc(output);
                if (time < oldestTime) (oldest, oldestTime) = (output, time);
            }
            foreach (string input in inputs)
            {
                // A missing input is the stage's to report (with its code).
                if (!File.Exists(input)) return $"{input} does not exist";
                if (File.GetLastWriteTimeUtc(input) > oldestTime) return $"{input} is newer than {oldest}";
            }
            return null;
        }

        /// <summary>Writes beside the target, then renames: a reader never sees half a file,
        /// and an unchanged file keeps its timestamp.</summary>
        static void WriteIfDifferent(string path, string text)
        {
            if (File.Exists(path) && File.ReadAllText(path) == text) return;
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            string temp = path + "." + Environment.ProcessId + ".tmp";
            File.WriteAllText(temp, text, new UTF8Encoding(false));
            File.Move(temp, path, overwrite: true);
        }

        // ---- for derived tasks: parameters to request fields ----

        protected static string FullPath(ITaskItem item) => Path.GetFullPath(item.ItemSpec);
        protected static string FullPath(string path) => Path.GetFullPath(path);
        protected static string[] Paths(ITaskItem[]? items) => (items ?? Array.Empty<ITaskItem>()).Select(FullPath).ToArray();

        /// <summary>The non-empty values, or null (the stage's default: none).</summary>
        protected static string[]? Strings(string[]? values) => values?.Where(v => v.Length > 0).ToArray() is { Length: > 0 } kept ? kept : null;

        /// <summary>A tool: a name stays a name (looked up on PATH by the stage), a path becomes absolute.</summary>
        protected static string? Tool(string? tool) =>
            string.IsNullOrWhiteSpace(tool) ? null : tool!.Contains('/') || tool.Contains('\\') ? FullPath(tool) : tool;

        protected static string? PathOrNull(string? path) => string.IsNullOrWhiteSpace(path) ? null : FullPath(path!);
        protected static string? TextOrNull(string? value) => string.IsNullOrEmpty(value) ? null : value;
    }
}
