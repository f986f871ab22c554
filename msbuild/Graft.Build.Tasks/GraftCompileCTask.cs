// Task for stage `compile-c` (rust/graft-stages/src/compile_c.rs): freestanding
// C in, one ELF object per source out. Codes GRAFT3004-3005.
using System.Text.Json.Nodes;
using Microsoft.Build.Framework;

namespace Graft.Build.Tasks
{
    public sealed class GraftCompileCTask : GraftStageTask
    {
        protected override string Stage => "compile-c";

        public ITaskItem[]? Sources { get; set; }
        public string? OutputDirectory { get; set; }
        public string? Clang { get; set; }
        public ITaskItem[]? IncludeDirectories { get; set; }
        public string[]? Defines { get; set; }
        public string[]? Flags { get; set; }
        /// <summary>clang's -O level: 0, 1, 2, 3, s, z; empty: the stage's default (2).</summary>
        public string? OptimizationLevel { get; set; }
        public bool Sse { get; set; }
        /// <summary>small (linked below 2 GiB, the default script) or kernel (higher half).</summary>
        public string? CodeModel { get; set; }
        public bool Debug { get; set; }

        [Output] public ITaskItem[] Objects { get; private set; } = System.Array.Empty<ITaskItem>();

        protected override JsonObject BuildRequest()
        {
            var request = new JsonObject
            {
                ["sources"] = Paths(Sources),
                ["output_dir"] = FullPath(OutputDirectory ?? "."),
                ["include_dirs"] = Paths(IncludeDirectories),
                ["defines"] = Strings(Defines),
                ["flags"] = Strings(Flags),
                ["sse"] = Sse,
                ["debug"] = Debug,
            };
            SetPath(request, "clang", Clang);
            SetString(request, "opt_level", OptimizationLevel);
            SetString(request, "code_model", CodeModel);
            return request;
        }

        protected override void TakeOutput(JsonNode output) => Objects = StageOutputs.Objects(output);
    }
}
