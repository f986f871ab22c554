// Task for stage `patch` (rust/graft-stages/src/patch/): every assembly ILC
// compiles in, the [Plug] rules of all of them applied; the assemblies that
// hold a plugged target are written as patched copies to OutputDirectory.
// Codes GRAFT1001-1009, 1011 and 1012 (at the plug's file and line; 1010 is the
// analyzer's), 2001-2003.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Graft.Build.Tasks.Native;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace Graft.Build.Tasks
{
    public sealed class GraftPatchTask : GraftStageTask<PatchRequest, PatchOutput>
    {
        protected override string Stage => PatchRequest.Stage;

        /// <summary>Every assembly ILC compiles: the project's, its references, the framework's, CoreLib included.</summary>
        [Required] public ITaskItem[] Assemblies { get; set; } = Array.Empty<ITaskItem>();
        /// <summary>Where the patched copies go (<c>obj/.../graft/patched/</c>).</summary>
        [Required] public string OutputDirectory { get; set; } = "";
        /// <summary>The kernel's architecture as the runtime identifier spells it (<c>x64</c>, <c>arm64</c>); empty: the stage's default.</summary>
        public string? Architecture { get; set; }

        /// <summary>Assemblies in the order given, each the patched copy where there is one (with metadata
        /// Patched=true and OriginalPath), otherwise the input itself; every input's metadata is kept.</summary>
        [Output] public ITaskItem[] IlcAssemblies { get; private set; } = Array.Empty<ITaskItem>();

        protected override PatchRequest BuildRequest() => new()
        {
            Assemblies = Paths(Assemblies),
            OutputDir = FullPath(OutputDirectory),
            Architecture = ParseArchitecture(),
        };

        KernelArchitecture? ParseArchitecture()
        {
            if (string.IsNullOrEmpty(Architecture)) return null;
            foreach (var architecture in Enum.GetValues<KernelArchitecture>())
            {
                if (string.Equals(architecture.ToString(), Architecture, StringComparison.OrdinalIgnoreCase)) return architecture;
            }
            Log.LogError(null, "GRAFT7004", "GRAFT7004", null, 0, 0, 0, 0, $"The kernel's architecture is '{Architecture}' (from RuntimeIdentifier), which plugs cannot be limited to: build for x64 (remove RuntimeIdentifier from the project).");
            return null;
        }

        protected override IEnumerable<string> InputsOf(PatchRequest request) => request.Assemblies;

        /// <summary>The patched copies, and the kept result itself: a run that patched nothing still has
        /// that one output (no output counts as out of date), so its inputs are not patched again.</summary>
        protected override IReadOnlyList<string> OutputsOf(PatchOutput output) =>
            output.Patched.SelectMany(p => p.OutputPdb is string pdb ? new[] { p.Output, pdb } : new[] { p.Output })
                .Append(Path.ChangeExtension(FullPath(RequestFile), ".result.json"))
                .ToArray();

        /// <summary>Called only when the stage is skipped. A run of the stage logs each plug applied and
        /// each one skipped itself; a skipped stage logs the kept ones in the same words, so -v:n shows
        /// the plugs of every build once.</summary>
        protected override string UpToDate(PatchOutput output)
        {
            foreach (var applied in output.Applied)
                Log.LogMessage(MessageImportance.Normal, $"graft patch: patch: {applied.Target} <- {applied.Plug}");
            foreach (var skipped in output.Skipped)
                Log.LogMessage(MessageImportance.Normal, $"graft patch: patch: skipped {skipped.Plug} -> {skipped.Target}: {skipped.Reason}");
            int assemblies = output.Patched.Length, plugs = output.Applied.Length;
            return $"{assemblies} patched {(assemblies == 1 ? "assembly" : "assemblies")} in {FullPath(OutputDirectory)}"
                + $" ({plugs} {(plugs == 1 ? "plug" : "plugs")}) {(assemblies == 1 ? "is" : "are")} up to date";
        }

        protected override void TakeOutput(PatchOutput output)
        {
            var patched = output.Patched.ToDictionary(p => Path.GetFullPath(p.Input), p => p);
            IlcAssemblies = Assemblies.Select(assembly =>
            {
                if (!patched.TryGetValue(FullPath(assembly), out var copy)) return assembly;
                var item = new TaskItem(copy.Output);
                assembly.CopyMetadataTo(item);
                item.SetMetadata("Patched", "true");
                item.SetMetadata("OriginalPath", FullPath(assembly));
                item.SetMetadata("Edits", copy.Edits.ToString(System.Globalization.CultureInfo.InvariantCulture));
                return (ITaskItem)item;
            }).ToArray();
        }
    }
}
