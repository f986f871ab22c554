// The one piece every stage task shares: turn the task's parameters into the
// stage's JSON request, keep that request in a file that changes only when its
// text does (so that targets can list it in Inputs, like a .rsp file), call
// libgraft's graft_run, forward its log to MSBuild, log its diagnostics with
// code, file, line and column, and hand its output to the derived task.
// No stage logic here: what a request means is decided in Rust.
using System;
using System.Collections.Concurrent;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading;
using Graft.Build.Tasks.Native;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace Graft.Build.Tasks
{
    public abstract class GraftStageTask : Microsoft.Build.Utilities.Task
    {
        /// <summary>The stage's name in libgraft (assemble, compile-c, link, image).</summary>
        protected abstract string Stage { get; }

        /// <summary>Builds the stage's request from the task's parameters.</summary>
        protected abstract JsonObject BuildRequest();

        /// <summary>Turns the stage's output JSON into [Output] items.</summary>
        protected abstract void TakeOutput(JsonNode output);

        /// <summary>Where the request JSON is kept; written only when its text changes.</summary>
        public string? RequestFile { get; set; }

        /// <summary>
        /// WriteRequest: only write RequestFile from the parameters. Run: run the
        /// request already in RequestFile (no other parameter needed). Empty:
        /// build the request, write it (when RequestFile is set) and run it.
        /// </summary>
        public string? Mode { get; set; }

        public override bool Execute()
        {
            string mode = Mode ?? "";
            string json;
            if (string.Equals(mode, "Run", StringComparison.OrdinalIgnoreCase))
            {
                if (string.IsNullOrEmpty(RequestFile) || !File.Exists(RequestFile))
                {
                    Log.LogError(null, "GRAFT0002", "GRAFT0002", RequestFile ?? "", 0, 0, 0, 0, $"the {Stage} request file '{RequestFile}' does not exist; the target that writes it did not run");
                    return false;
                }
                json = File.ReadAllText(RequestFile);
            }
            else
            {
                json = BuildRequest().ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
                if (!string.IsNullOrEmpty(RequestFile))
                {
                    WriteIfDifferent(RequestFile!, json);
                }
                if (string.Equals(mode, "WriteRequest", StringComparison.OrdinalIgnoreCase))
                {
                    return !Log.HasLoggedErrors;
                }
            }
            RunStage(json);
            return !Log.HasLoggedErrors;
        }

        void RunStage(string requestJson)
        {
            if (!NativeMethods.EnsureLoaded(out string code, out string message))
            {
                Log.LogError(null, code, code, null, 0, 0, 0, 0, message);
                return;
            }
            Log.LogMessage(MessageImportance.Low, $"graft {Stage}: libgraft {NativeMethods.LibraryPath} (ABI {NativeMethods.GRAFT_ABI_VERSION}); request {RequestFile ?? "(inline)"}");

            var call = new NativeCall(Stage, requestJson);
            // libgraft runs on a worker thread; its log lines are queued and
            // logged here, on the thread MSBuild gave the task, as they come.
            var worker = new Thread(call.Run) { IsBackground = true, Name = "graft " + Stage };
            worker.Start();
            while (true)
            {
                bool finished = call.Done.Wait(100);
                while (call.Messages.TryDequeue(out var line))
                {
                    LogNativeLine(line.Severity, line.Text);
                }
                if (finished) break;
            }
            worker.Join();

            if (call.CallbackFailure != null)
            {
                Log.LogError(null, "GRAFT9006", "GRAFT9006", null, 0, 0, 0, 0, $"the MSBuild log callback failed during graft {Stage} (the stage went on): {Flatten(call.CallbackFailure.ToString())}");
            }
            if (call.CallFailure != null)
            {
                Log.LogError(null, "GRAFT9001", "GRAFT9001", null, 0, 0, 0, 0, $"calling libgraft for {Stage} failed: {Flatten(call.CallFailure.Message)}");
                return;
            }
            HandleResult(call.Status, call.Result ?? "");
        }

        void LogNativeLine(int severity, string text)
        {
            // Warnings and errors also come back as diagnostics in the result
            // (logged with their codes below); here they are progress only.
            var importance = severity switch
            {
                0 => MessageImportance.Low,
                1 => MessageImportance.Normal,
                _ => MessageImportance.High,
            };
            Log.LogMessage(importance, "graft " + Stage + ": " + Flatten(text));
        }

        void HandleResult(int status, string resultJson)
        {
            JsonNode? result;
            try
            {
                result = JsonNode.Parse(resultJson);
            }
            catch (JsonException e)
            {
                Log.LogError(null, "GRAFT9001", "GRAFT9001", null, 0, 0, 0, 0, $"libgraft returned status {status} and an unreadable result for {Stage}: {Flatten(e.Message)}");
                return;
            }
            int errors = 0;
            foreach (var d in result?["diagnostics"]?.AsArray() ?? new JsonArray())
            {
                if (d == null) continue;
                string code = (string?)d["code"] ?? "GRAFT9001";
                string severity = (string?)d["severity"] ?? "error";
                string text = Flatten((string?)d["message"] ?? "");
                string? file = (string?)d["file"];
                int line = (int?)d["line"] ?? 0;
                int column = (int?)d["column"] ?? 0;
                switch (severity)
                {
                    case "error":
                        errors++;
                        Log.LogError(null, code, code, file, line, column, 0, 0, text);
                        break;
                    case "warning":
                        Log.LogWarning(null, code, code, file, line, column, 0, 0, text);
                        break;
                    default:
                        Log.LogMessage(null, code, code, file, line, column, 0, 0, MessageImportance.Normal, text);
                        break;
                }
            }
            bool ok = (bool?)result?["ok"] ?? false;
            if (!ok || status != NativeMethods.GRAFT_STATUS_OK)
            {
                if (errors == 0)
                {
                    Log.LogError(null, "GRAFT9001", "GRAFT9001", null, 0, 0, 0, 0, $"graft {Stage} failed (status {status}) without saying why; replay it with: graft request {Stage} {RequestFile}");
                }
                return;
            }
            if (result?["output"] is JsonNode output)
            {
                TakeOutput(output);
            }
        }

        /// <summary>MSBuild prints one canonical line per line: keep messages on one.</summary>
        static string Flatten(string s) => s.TrimEnd().Replace("\r\n", " | ").Replace('\n', ' ').Replace('\r', ' ');

        /// <summary>Writes beside the target, then renames: a reader never sees half a file,
        /// and an unchanged request keeps its timestamp.</summary>
        void WriteIfDifferent(string path, string text)
        {
            string full = Path.GetFullPath(path);
            if (File.Exists(full) && File.ReadAllText(full) == text) return;
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            string temp = full + "." + Environment.ProcessId + ".tmp";
            File.WriteAllText(temp, text, new UTF8Encoding(false));
            File.Move(temp, full, overwrite: true);
        }

        // ---- helpers for derived tasks: parameters to JSON ----

        protected static string FullPath(ITaskItem item) => Path.GetFullPath(item.ItemSpec);
        protected static string FullPath(string path) => Path.GetFullPath(path);
        protected static JsonArray Paths(ITaskItem[]? items) => new JsonArray((items ?? Array.Empty<ITaskItem>()).Select(i => (JsonNode?)JsonValue.Create(FullPath(i))).ToArray());
        protected static JsonArray Strings(string[]? values) => new JsonArray((values ?? Array.Empty<string>()).Where(v => v.Length > 0).Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());
        protected static void SetPath(JsonObject o, string name, string? path)
        {
            if (!string.IsNullOrWhiteSpace(path)) o[name] = path!.Contains('/') || path.Contains('\\') ? FullPath(path) : path;
        }
        protected static void SetString(JsonObject o, string name, string? value)
        {
            if (!string.IsNullOrEmpty(value)) o[name] = value;
        }

        /// <summary>One libgraft call: runs on a worker thread, queues the log.</summary>
        sealed unsafe class NativeCall
        {
            readonly string _stage;
            readonly string _request;
            public readonly ConcurrentQueue<(int Severity, string Text)> Messages = new();
            public readonly ManualResetEventSlim Done = new(false);
            public int Status;
            public string? Result;
            public Exception? CallbackFailure;
            public Exception? CallFailure;

            public NativeCall(string stage, string request)
            {
                _stage = stage;
                _request = request;
            }

            public void Run()
            {
                var handle = GCHandle.Alloc(this);
                try
                {
                    byte[] stage = Encoding.UTF8.GetBytes(_stage);
                    byte[] request = Encoding.UTF8.GetBytes(_request);
                    GraftBuffer buffer = default;
                    fixed (byte* s = stage)
                    fixed (byte* r = request)
                    {
                        Status = NativeMethods.graft_run(s, (nuint)stage.Length, r, (nuint)request.Length, &OnLog, (void*)GCHandle.ToIntPtr(handle), &buffer);
                    }
                    try
                    {
                        Result = buffer.ptr == null ? "" : Encoding.UTF8.GetString(buffer.ptr, checked((int)buffer.len));
                    }
                    finally
                    {
                        NativeMethods.graft_buffer_free(buffer);
                    }
                }
                catch (Exception e)
                {
                    CallFailure = e;
                }
                finally
                {
                    handle.Free();
                    Done.Set();
                }
            }

            /// <summary>Called by Rust. Nothing may unwind out of it into Rust frames.</summary>
            [UnmanagedCallersOnly(CallConvs = new[] { typeof(CallConvCdecl) })]
            static void OnLog(void* ctx, int severity, byte* message, nuint length)
            {
                NativeCall? call = null;
                try
                {
                    call = (NativeCall?)GCHandle.FromIntPtr((IntPtr)ctx).Target;
                    string text = message == null ? "" : Encoding.UTF8.GetString(message, checked((int)length));
                    call?.Messages.Enqueue((severity, text));
                }
                catch (Exception e)
                {
                    try
                    {
                        if (call != null && call.CallbackFailure == null) call.CallbackFailure = e;
                    }
                    catch
                    {
                        // Never let anything reach Rust.
                    }
                }
            }
        }
    }
}
