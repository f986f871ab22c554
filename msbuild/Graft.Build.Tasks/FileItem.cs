// A stage's output file as an MSBuild item: every scalar property of the
// stage's typed output becomes metadata (arrays joined by ';').
using System.Collections;
using System.Linq;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace Graft.Build.Tasks
{
    internal static class FileItem
    {
        public static ITaskItem From(string path, object output)
        {
            var item = new TaskItem(path);
            foreach (var property in output.GetType().GetProperties())
            {
                object? value = property.GetValue(output);
                if (value == null || property.Name == "Output") continue;
                string text = value is IEnumerable values and not string
                    ? string.Join(";", values.Cast<object?>())
                    : value.ToString() ?? "";
                item.SetMetadata(property.Name, text);
            }
            return item;
        }
    }
}
