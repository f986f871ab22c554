// Task for stage `compile-c` (rust/graft-stages/src/compile_c.rs): freestanding
// C in, one ELF object per source out. Codes GRAFT3004-3005.
using System;
using Graft.Build.Tasks.Native;

namespace Graft.Build.Tasks
{
    public sealed class GraftCompileCTask : GraftObjectStageTask<CompileCRequest, CompileCOutput>
    {
        protected override string Stage => CompileCRequest.Stage;

        /// <summary>More clang arguments, after Graft's own.</summary>
        public string[]? Flags { get; set; }
        /// <summary>clang's -O level: 0, 1, 2, 3, s, z; empty: the stage's default (2).</summary>
        public string? OptimizationLevel { get; set; }
        public bool Sse { get; set; }
        /// <summary>small (linked below 2 GiB, the default script) or kernel (higher half); empty: small.</summary>
        public string? CodeModel { get; set; }

        protected override CompileCRequest BuildRequest() => new()
        {
            Sources = Paths(Sources),
            OutputDir = FullPath(OutputDirectory),
            IncludeDirs = Paths(IncludeDirectories),
            Defines = Strings(Defines),
            Flags = Strings(Flags),
            OptLevel = TextOrNull(OptimizationLevel),
            Sse = Sse,
            CodeModel = ParseCodeModel(),
            Clang = Tool(Clang),
            Debug = Debug,
        };

        Native.CodeModel? ParseCodeModel()
        {
            if (string.IsNullOrEmpty(CodeModel)) return null;
            foreach (var model in Enum.GetValues<Native.CodeModel>())
            {
                if (string.Equals(model.ToString(), CodeModel, StringComparison.OrdinalIgnoreCase)) return model;
            }
            Log.LogError(null, "GRAFT7004", "GRAFT7004", null, 0, 0, 0, 0, $"GraftCodeModel is '{CodeModel}', which is not a code model: use small (linked below 2 GiB) or kernel (higher half).");
            return null;
        }

        protected override ObjectFile[] ObjectsOf(CompileCOutput output) => output.Objects;
    }
}
