// Task for stage `assemble` (rust/graft-stages/src/assemble.rs): NASM and GNU
// assembly sources in, one ELF object per source out. Codes GRAFT3001-3003.
using System.Linq;
using System.Text.Json.Nodes;
using Microsoft.Build.Framework;

namespace Graft.Build.Tasks
{
    public sealed class GraftAssembleTask : GraftStageTask
    {
        protected override string Stage => "assemble";

        public ITaskItem[]? Sources { get; set; }
        public string? OutputDirectory { get; set; }
        public ITaskItem[]? IncludeDirectories { get; set; }
        public string[]? Defines { get; set; }
        /// <summary>nasm or yasm (a name on PATH or a path); empty: Graft looks for both.</summary>
        public string? Assembler { get; set; }
        public string? Clang { get; set; }
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
                ["debug"] = Debug,
            };
            SetPath(request, "assembler", Assembler);
            SetPath(request, "clang", Clang);
            return request;
        }

        protected override void TakeOutput(JsonNode output) => Objects = StageOutputs.Objects(output);
    }
}
