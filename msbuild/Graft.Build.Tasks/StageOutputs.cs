// Stage outputs as MSBuild items. Shapes follow the stages' Output structs.
using System.Linq;
using System.Text.Json.Nodes;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace Graft.Build.Tasks
{
    internal static class StageOutputs
    {
        /// <summary>assemble / compile-c: {"objects": [{"source", "object"}]}.</summary>
        public static ITaskItem[] Objects(JsonNode output) =>
            (output["objects"]?.AsArray() ?? new JsonArray())
                .Where(o => o != null)
                .Select(o =>
                {
                    var item = new TaskItem((string?)o!["object"] ?? "");
                    item.SetMetadata("Source", (string?)o["source"] ?? "");
                    return (ITaskItem)item;
                })
                .ToArray();

        /// <summary>Every scalar of the output object as metadata of one item named by `output`.</summary>
        public static ITaskItem File(JsonNode output)
        {
            var item = new TaskItem((string?)output["output"] ?? "");
            foreach (var (name, value) in output.AsObject())
            {
                if (name == "output" || value == null) continue;
                string text = value is JsonArray array ? string.Join(";", array.Select(v => v?.ToString())) : value.ToString();
                item.SetMetadata(Pascal(name), text);
            }
            return item;
        }

        static string Pascal(string snake) => string.Concat(snake.Split('_').Select(w => w.Length == 0 ? w : char.ToUpperInvariant(w[0]) + w.Substring(1)));
    }
}
