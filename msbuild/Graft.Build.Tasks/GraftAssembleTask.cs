// Task for stage `assemble` (rust/graft-stages/src/assemble.rs): NASM and GNU
// assembly sources in, one ELF object per source out. Codes GRAFT3001-3003.
using Graft.Build.Tasks.Native;

namespace Graft.Build.Tasks
{
    public sealed class GraftAssembleTask : GraftObjectStageTask<AssembleRequest, AssembleOutput>
    {
        protected override string Stage => AssembleRequest.Stage;

        /// <summary>nasm or yasm (a name on PATH or a path); empty: Graft looks for both.</summary>
        public string? Assembler { get; set; }

        protected override AssembleRequest BuildRequest() => new()
        {
            Sources = Paths(Sources),
            OutputDir = FullPath(OutputDirectory),
            IncludeDirs = Paths(IncludeDirectories),
            Defines = Strings(Defines),
            Assembler = Tool(Assembler),
            Clang = Tool(Clang),
            Debug = Debug,
        };

        protected override ObjectFile[] ObjectsOf(AssembleOutput output) => output.Objects;
    }
}
