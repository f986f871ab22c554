using Graft.Analyzers.CodeFixes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeRefactorings;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;

namespace Graft.Analyzers.Tests;

/// <summary>
/// The refactoring on a [Plug] class, run in a real Roslyn workspace (the NuGet mirror serves
/// no CodeRefactoring.Testing package): what it offers, and the source one offer writes.
/// </summary>
[TestClass]
public sealed class RefactoringTests
{
    const string Source = """
        using Graft;
        public class Device
        {
            public Device(int port) { }
            public void Reset() { }
            public int Read(int port) => port;
        }
        [Plug(typeof(Device))]
        static class DevicePlug
        {
            [PlugMember] public static void Reset(Device aThis) { }
        }
        """;

    [TestMethod]
    public async Task Offers_the_target_members_not_plugged_yet_and_writes_a_stub()
    {
        using var workspace = new AdhocWorkspace();
        var project = workspace.AddProject("Kernel", LanguageNames.CSharp)
            .WithCompilationOptions(new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary))
            .WithMetadataReferences(Verify.References);
        var document = project.AddDocument("Plugs.cs", Source);

        var actions = new List<CodeAction>();
        var context = new CodeRefactoringContext(document, new TextSpan(Source.IndexOf("DevicePlug", StringComparison.Ordinal), 0), actions.Add, CancellationToken.None);
        await new PlugMemberRefactoring().ComputeRefactoringsAsync(context);

        var group = actions.Single();
        Assert.AreEqual("Plug a member of 'Device'", group.Title);
        CollectionAssert.AreEqual(new[] { "Device.Device(int)", "Device.Read(int)" }, group.NestedActions.Select(a => a.Title).ToArray());

        var operations = await group.NestedActions.Single(a => a.Title == "Device.Read(int)").GetOperationsAsync(CancellationToken.None);
        var changed = operations.OfType<ApplyChangesOperation>().Single().ChangedSolution.GetDocument(document.Id)!;
        var text = (await changed.GetTextAsync()).ToString();
        Assert.AreEqual(Source.Replace("""
                [PlugMember] public static void Reset(Device aThis) { }
            }
            """, """
                [PlugMember] public static void Reset(Device aThis) { }

                [PlugMember]
                public static int Read(Device aThis, int port) => throw new System.NotImplementedException();
            }
            """), text);
    }
}
