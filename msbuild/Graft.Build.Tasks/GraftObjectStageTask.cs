// What assemble and compile-c share: sources in, one object per source out,
// in one folder. Each object item carries its source's metadata (so a
// kernel-side object stays marked GraftKernelSide) plus Source.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Graft.Build.Tasks.Native;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace Graft.Build.Tasks
{
    public abstract class GraftObjectStageTask<TRequest, TOutput> : GraftStageTask<TRequest, TOutput>
        where TOutput : class
    {
        [Required] public ITaskItem[] Sources { get; set; } = Array.Empty<ITaskItem>();
        [Required] public string OutputDirectory { get; set; } = "";
        public ITaskItem[]? IncludeDirectories { get; set; }
        /// <summary><c>NAME</c> or <c>NAME=VALUE</c>.</summary>
        public string[]? Defines { get; set; }
        /// <summary>clang (a name on PATH or a path); empty: Graft looks for one.</summary>
        public string? Clang { get; set; }
        public bool Debug { get; set; }

        /// <summary>One per source, in the order of Sources, with metadata Source.</summary>
        [Output] public ITaskItem[] Objects { get; private set; } = Array.Empty<ITaskItem>();

        /// <summary>The output's objects (the two stages' outputs share ObjectFile).</summary>
        protected abstract ObjectFile[] ObjectsOf(TOutput output);

        protected override IEnumerable<string> InputsOf(TRequest request) => Sources.Select(FullPath);

        protected override IReadOnlyList<string> OutputsOf(TOutput output) => ObjectsOf(output).Select(o => o.Object).ToArray();

        protected override string UpToDate(TOutput output) => ObjectsOf(output).Length switch
        {
            1 => $"1 object in {FullPath(OutputDirectory)} is up to date",
            int n => $"{n} objects in {FullPath(OutputDirectory)} are up to date",
        };

        protected override void TakeOutput(TOutput output)
        {
            var sources = Sources.GroupBy(FullPath).ToDictionary(g => g.Key, g => g.First());
            Objects = ObjectsOf(output).Select(o =>
            {
                var item = new TaskItem(o.Object);
                if (sources.TryGetValue(Path.GetFullPath(o.Source), out var source)) source.CopyMetadataTo(item);
                item.SetMetadata("Source", o.Source);
                return (ITaskItem)item;
            }).ToArray();
        }
    }
}
