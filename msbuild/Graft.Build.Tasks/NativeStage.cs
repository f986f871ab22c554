// One call of a libgraft stage: runs graft_run on a worker thread, forwards
// its log to MSBuild as it comes, logs its diagnostics with code, file, line
// and column, and hands back the stage's output JSON. No stage logic here.
using System;
using System.Collections.Concurrent;
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
    internal static class NativeStage
    {
        /// <summary>Runs the request; returns the stage's output JSON, or null after logging why there is none.</summary>
        public static string? Run(TaskLoggingHelper log, string stage, string requestJson, string requestFile)
        {
            if (!NativeMethods.EnsureLoaded(out string code, out string message))
            {
                log.LogError(null, code, code, null, 0, 0, 0, 0, message);
                return null;
            }
            // The node-reuse test reads this line: which library this build used.
            log.LogMessage(MessageImportance.Low, $"graft {stage}: libgraft {NativeMethods.LibraryPath} (ABI {NativeMethods.GRAFT_ABI_VERSION}); request {requestFile}");

            var call = new NativeCall(stage, requestJson);
            // libgraft runs on a worker thread; its log lines are queued and
            // logged here, on the thread MSBuild gave the task, as they come.
            var worker = new Thread(call.Run) { IsBackground = true, Name = "graft " + stage };
            worker.Start();
            while (true)
            {
                bool finished = call.Done.Wait(100);
                while (call.Messages.TryDequeue(out var line))
                {
                    LogNativeLine(log, stage, line.Severity, line.Text);
                }
                if (finished) break;
            }
            worker.Join();

            if (call.CallbackFailure != null)
            {
                log.LogError(null, "GRAFT9006", "GRAFT9006", null, 0, 0, 0, 0, $"the MSBuild log callback failed during graft {stage} (the stage went on): {Flatten(call.CallbackFailure.ToString())}");
            }
            if (call.CallFailure != null)
            {
                log.LogError(null, "GRAFT9001", "GRAFT9001", null, 0, 0, 0, 0, $"calling libgraft for {stage} failed: {Flatten(call.CallFailure.Message)}");
                return null;
            }
            return HandleResult(log, stage, requestFile, call.Status, call.Result ?? "");
        }

        static void LogNativeLine(TaskLoggingHelper log, string stage, int severity, string text)
        {
            // Warnings and errors also come back as diagnostics in the result
            // (logged with their codes below); here they are progress only.
            var importance = severity switch
            {
                0 => MessageImportance.Low,
                1 => MessageImportance.Normal,
                _ => MessageImportance.High,
            };
            log.LogMessage(importance, "graft " + stage + ": " + Flatten(text));
        }

        static string? HandleResult(TaskLoggingHelper log, string stage, string requestFile, int status, string resultJson)
        {
            JsonNode? result;
            try
            {
                result = JsonNode.Parse(resultJson);
            }
            catch (JsonException e)
            {
                log.LogError(null, "GRAFT9001", "GRAFT9001", null, 0, 0, 0, 0, $"libgraft returned status {status} and an unreadable result for {stage}: {Flatten(e.Message)}");
                return null;
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
                        log.LogError(null, code, code, file, line, column, 0, 0, text);
                        break;
                    case "warning":
                        log.LogWarning(null, code, code, file, line, column, 0, 0, text);
                        break;
                    default:
                        log.LogMessage(null, code, code, file, line, column, 0, 0, MessageImportance.Normal, text);
                        break;
                }
            }
            bool ok = (bool?)result?["ok"] ?? false;
            if (!ok || status != NativeMethods.GRAFT_STATUS_OK || result?["output"] is not JsonNode output)
            {
                if (errors == 0)
                {
                    log.LogError(null, "GRAFT9001", "GRAFT9001", null, 0, 0, 0, 0, $"graft {stage} failed (status {status}) without saying why; replay it with: graft request {stage} {requestFile}");
                }
                return null;
            }
            return output.ToJsonString();
        }

        /// <summary>MSBuild prints one canonical line per line: keep messages on one.</summary>
        public static string Flatten(string s) => s.TrimEnd().Replace("\r\n", " | ").Replace('\n', ' ').Replace('\r', ' ');

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
