// Task for stage `image` (rust/graft-stages/src/image/mod.rs): the kernel ELF
// in, a hybrid BIOS/UEFI bootable ISO out. Codes GRAFT5001-5006.
using System.Collections.Generic;
using Graft.Build.Tasks.Native;
using Microsoft.Build.Framework;

namespace Graft.Build.Tasks
{
    public sealed class GraftImageTask : GraftStageTask<ImageRequest, ImageOutput>
    {
        protected override string Stage => ImageRequest.Stage;

        [Required] public string Kernel { get; set; } = "";
        [Required] public string Output { get; set; } = "";
        public string? CommandLine { get; set; }
        public string? GrubMkimage { get; set; }
        public string? GrubDirectory { get; set; }
        public string? CacheDirectory { get; set; }
        /// <summary>A folder of prebuilt GRUB images (the package's kernel/grub/): no grub-mkimage run; empty: grub-mkimage.</summary>
        public string? GrubImages { get; set; }
        /// <summary>Seconds since 1970 for every date in the image; empty: the stage's fixed default.</summary>
        public string? SourceDateEpoch { get; set; }
        public string? VolumeId { get; set; }
        /// <summary>Seconds GRUB shows its menu; empty: the stage's default (0).</summary>
        public string? Timeout { get; set; }

        /// <summary>The image, with the image's output (Size, BootModes, GrubCached, ...) as metadata.</summary>
        [Output] public ITaskItem? Image { get; private set; }

        protected override ImageRequest BuildRequest() => new()
        {
            Kernel = FullPath(Kernel),
            Output = FullPath(Output),
            CommandLine = TextOrNull(CommandLine),
            GrubMkimage = Tool(GrubMkimage),
            GrubDir = PathOrNull(GrubDirectory),
            CacheDir = PathOrNull(CacheDirectory),
            GrubImages = PathOrNull(GrubImages),
            SourceDateEpoch = Number<ulong>("GraftSourceDateEpoch", SourceDateEpoch),
            VolumeId = TextOrNull(VolumeId),
            Timeout = Number<uint>("Timeout", Timeout),
        };

        /// <summary>A whole number, or null when empty (the stage's default); an error when it is not one.</summary>
        T? Number<T>(string property, string? text) where T : struct, System.IParsable<T>
        {
            if (string.IsNullOrWhiteSpace(text)) return null;
            if (T.TryParse(text.Trim(), System.Globalization.CultureInfo.InvariantCulture, out T value)) return value;
            Log.LogError(null, "GRAFT7004", "GRAFT7004", null, 0, 0, 0, 0, $"{property} is '{text}', which is not a whole number of seconds: set it to one, or leave it empty for the default.");
            return null;
        }

        /// <summary>The kernel, and the prebuilt GRUB images' manifest when they are used.</summary>
        protected override IEnumerable<string> InputsOf(ImageRequest request) => request.GrubImages == null
            ? new[] { request.Kernel }
            : new[] { request.Kernel, System.IO.Path.Combine(request.GrubImages, "grub-images.json") };

        protected override IReadOnlyList<string> OutputsOf(ImageOutput output) => new[] { output.Output };

        protected override void TakeOutput(ImageOutput output) => Image = FileItem.From(output.Output, output);
    }
}
