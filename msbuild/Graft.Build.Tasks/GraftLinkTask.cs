// Task for stage `link` (rust/graft-stages/src/link/): objects in, one
// checked kernel ELF out. Codes GRAFT4001-4008.
using System;
using System.Collections.Generic;
using System.Linq;
using Graft.Build.Tasks.Native;
using Microsoft.Build.Framework;

namespace Graft.Build.Tasks
{
    public sealed class GraftLinkTask : GraftStageTask<LinkRequest, LinkOutput>
    {
        protected override string Stage => LinkRequest.Stage;

        [Required] public ITaskItem[] Objects { get; set; } = Array.Empty<ITaskItem>();
        [Required] public string Output { get; set; } = "";
        /// <summary>Empty: Graft's default script (graft-kernel.ld).</summary>
        public string? LinkerScript { get; set; }
        public string? Linker { get; set; }
        public string? Entry { get; set; }
        public string[]? ExtraArguments { get; set; }

        /// <summary>The kernel ELF, with the link's output (Entry, EntryAddress, Size, ...) as metadata.</summary>
        [Output] public ITaskItem? Kernel { get; private set; }

        protected override LinkRequest BuildRequest() => new()
        {
            Objects = Paths(Objects),
            Output = FullPath(Output),
            // The linker script is always a path, even without a slash.
            LinkerScript = PathOrNull(LinkerScript),
            Linker = Tool(Linker),
            Entry = TextOrNull(Entry),
            ExtraArgs = Strings(ExtraArguments),
        };

        protected override IEnumerable<string> InputsOf(LinkRequest request) =>
            request.LinkerScript is string script ? request.Objects.Append(script) : request.Objects;

        protected override IReadOnlyList<string> OutputsOf(LinkOutput output) => new[] { output.Output };

        protected override void TakeOutput(LinkOutput output) => Kernel = FileItem.From(output.Output, output);
    }
}
