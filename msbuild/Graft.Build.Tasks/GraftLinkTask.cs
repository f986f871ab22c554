// Task for stage `link` (rust/graft-stages/src/link.rs): objects in, one
// checked kernel ELF out. Codes GRAFT4001-4008.
using System.Text.Json.Nodes;
using Microsoft.Build.Framework;

namespace Graft.Build.Tasks
{
    public sealed class GraftLinkTask : GraftStageTask
    {
        protected override string Stage => "link";

        public ITaskItem[]? Objects { get; set; }
        public string? Output { get; set; }
        /// <summary>Empty: Graft's default script (graft-kernel.ld).</summary>
        public string? LinkerScript { get; set; }
        public string? Linker { get; set; }
        public string? Entry { get; set; }
        public string[]? ExtraArguments { get; set; }

        /// <summary>The kernel ELF, with metadata Entry, EntryAddress, Multiboot2HeaderOffset, Size.</summary>
        [Output] public ITaskItem? Kernel { get; private set; }

        protected override JsonObject BuildRequest()
        {
            var request = new JsonObject
            {
                ["objects"] = Paths(Objects),
                ["output"] = FullPath(Output ?? "Kernel.elf"),
            };
            // The linker script is always a path, even without a slash.
            if (!string.IsNullOrWhiteSpace(LinkerScript)) request["linker_script"] = FullPath(LinkerScript!);
            SetPath(request, "linker", Linker);
            SetString(request, "entry", Entry);
            if (ExtraArguments is { Length: > 0 }) request["extra_args"] = Strings(ExtraArguments);
            return request;
        }

        protected override void TakeOutput(JsonNode output) => Kernel = StageOutputs.File(output);
    }
}
