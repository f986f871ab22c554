using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Rename;

namespace Graft.Analyzers.CodeFixes;

/// <summary>
/// GRAFT1003: gives an instance member's plug its first parameter aThis, of the target type
/// (inserted; or, when the plug already takes the object first under another name, renamed).
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AddAThisCodeFix)), Shared]
public sealed class AddAThisCodeFix : CodeFixProvider
{
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(Descriptors.AThisMissing.Id);

    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        foreach (var diagnostic in context.Diagnostics)
        {
            var method = root?.FindToken(diagnostic.Location.SourceSpan.Start).Parent?.AncestorsAndSelf().OfType<MethodDeclarationSyntax>().FirstOrDefault();
            if (method == null || !diagnostic.Properties.TryGetValue("AThisType", out var type) || type == null)
                continue;
            if (diagnostic.Properties.TryGetValue("AThisFix", out var fix) && fix == "rename" && method.ParameterList.Parameters.Count > 0)
            {
                var document = context.Document;
                context.RegisterCodeFix(CodeAction.Create("Rename the first parameter to aThis", async token =>
                {
                    var model = await document.GetSemanticModelAsync(token).ConfigureAwait(false);
                    var parameter = model!.GetDeclaredSymbol(method.ParameterList.Parameters[0], token)!;
                    var solution = await Renamer.RenameSymbolAsync(document.Project.Solution, parameter, new SymbolRenameOptions(), "aThis", token).ConfigureAwait(false);
                    return solution;
                }, equivalenceKey: "GraftRenameAThis"), diagnostic);
                continue;
            }
            context.RegisterCodeFix(CodeAction.Create($"Add 'aThis' ({type})", _ =>
            {
                var parameters = method.ParameterList.Parameters.Insert(0, PlugStubs.AThis(type));
                var fixedRoot = root!.ReplaceNode(method, method.WithParameterList(method.ParameterList.WithParameters(parameters)));
                return Task.FromResult(context.Document.WithSyntaxRoot(fixedRoot));
            }, equivalenceKey: "GraftAddAThis"), diagnostic);
        }
    }
}
