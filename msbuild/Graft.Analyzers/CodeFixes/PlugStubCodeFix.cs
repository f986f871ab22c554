using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Graft.Analyzers.CodeFixes;

/// <summary>
/// GRAFT1010: writes a plug stub for the framework member the call reaches: a [PlugMember]
/// method in the document's [Plug] class for that type, or a new static [Plug] class after
/// the calling type.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(PlugStubCodeFix)), Shared]
public sealed class PlugStubCodeFix : CodeFixProvider
{
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(Descriptors.UnpluggedNativeCall.Id);

    public override FixAllProvider? GetFixAllProvider() => null;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var compilation = await context.Document.Project.GetCompilationAsync(context.CancellationToken).ConfigureAwait(false);
        foreach (var diagnostic in context.Diagnostics)
        {
            if (compilation == null || !diagnostic.Properties.TryGetValue("Target", out var id) || id == null
                || DocumentationCommentId.GetFirstSymbolForDeclarationId(id, compilation) is not IMethodSymbol target)
                continue;
            context.RegisterCodeFix(CodeAction.Create($"Plug '{target.ToDisplayString(SymbolDisplayFormat.CSharpErrorMessageFormat)}'",
                token => AddStub(context.Document, diagnostic.Location, target, compilation, token),
                equivalenceKey: "GraftPlugStub:" + id), diagnostic);
        }
    }

    static async Task<Document> AddStub(Document document, Location location, IMethodSymbol target, Compilation compilation, CancellationToken token)
    {
        var root = await document.GetSyntaxRootAsync(token).ConfigureAwait(false);
        var model = await document.GetSemanticModelAsync(token).ConfigureAwait(false);
        var stub = PlugStubs.Method(target, compilation);
        var type = target.ContainingType.OriginalDefinition;

        // The document's plug class for this type, when it has one.
        var existing = root!.DescendantNodes().OfType<ClassDeclarationSyntax>().FirstOrDefault(c =>
            model!.GetDeclaredSymbol(c, token) is { } symbol && PlugAttributeData.Of(symbol) is { } plug
            && (SymbolEqualityComparer.Default.Equals(plug.TargetType, type) || plug.TargetName == SymbolNames.MetadataName(type)));
        if (existing != null)
            return document.WithSyntaxRoot(root.ReplaceNode(existing, existing.AddMembers(stub)));

        var caller = root.FindToken(location.SourceSpan.Start).Parent!.AncestorsAndSelf().OfType<BaseTypeDeclarationSyntax>().LastOrDefault();
        var plugClass = PlugStubs.Class(type, compilation, stub);
        if (caller == null)
            return document.WithSyntaxRoot(((Microsoft.CodeAnalysis.CSharp.Syntax.CompilationUnitSyntax)root).AddMembers(plugClass));
        return document.WithSyntaxRoot(root.InsertNodesAfter(caller, new[] { plugClass }));
    }
}
