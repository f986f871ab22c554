// Task for stage `image` (rust/graft-stages/src/image/mod.rs): the kernel ELF
// in, a hybrid BIOS/UEFI bootable ISO out. Codes GRAFT5001-5005.
using System.Text.Json.Nodes;
using Microsoft.Build.Framework;

namespace Graft.Build.Tasks
{
    public sealed class GraftImageTask : GraftStageTask
    {
        protected override string Stage => "image";

        public string? Kernel { get; set; }
        public string? Output { get; set; }
        public string? CommandLine { get; set; }
        public string? GrubMkimage { get; set; }
        public string? GrubDirectory { get; set; }
        public string? CacheDirectory { get; set; }
        /// <summary>Seconds since 1970 for every date in the image; empty: the stage's fixed default.</summary>
        public string? SourceDateEpoch { get; set; }
        public string? VolumeId { get; set; }
        public int Timeout { get; set; }

        /// <summary>The image, with metadata Size, BootModes, GrubCached.</summary>
        [Output] public ITaskItem? Image { get; private set; }

        protected override JsonObject BuildRequest()
        {
            var request = new JsonObject
            {
                ["kernel"] = FullPath(Kernel ?? "Kernel.elf"),
                ["output"] = FullPath(Output ?? "Kernel.iso"),
                ["command_line"] = CommandLine ?? "",
                ["timeout"] = Timeout,
            };
            SetPath(request, "grub_mkimage", GrubMkimage);
            if (!string.IsNullOrWhiteSpace(GrubDirectory)) request["grub_dir"] = FullPath(GrubDirectory!);
            if (!string.IsNullOrWhiteSpace(CacheDirectory)) request["cache_dir"] = FullPath(CacheDirectory!);
            if (ulong.TryParse(SourceDateEpoch, out ulong epoch)) request["source_date_epoch"] = epoch;
            SetString(request, "volume_id", VolumeId);
            return request;
        }

        protected override void TakeOutput(JsonNode output) => Image = StageOutputs.File(output);
    }
}
