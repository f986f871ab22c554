using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeRefactorings;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Graft.Analyzers.CodeFixes;

/// <summary>
/// On a [Plug] class whose target is a type the compilation sees: "Plug a member of T" offers
/// each method of the target the class does not plug yet (constructors and accessors included)
/// and writes its [PlugMember] stub into the class.
/// </summary>
[ExportCodeRefactoringProvider(LanguageNames.CSharp, Name = nameof(PlugMemberRefactoring)), Shared]
public sealed class PlugMemberRefactoring : CodeRefactoringProvider
{
    public override async Task ComputeRefactoringsAsync(CodeRefactoringContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        var declaration = root?.FindToken(context.Span.Start).Parent?.AncestorsAndSelf().OfType<ClassDeclarationSyntax>().FirstOrDefault();
        var model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        if (declaration == null || model == null || model.GetDeclaredSymbol(declaration, context.CancellationToken) is not INamedTypeSymbol plugClass)
            return;
        var target = PlugAttributeData.Of(plugClass) is { } plug
            ? plug.TargetType ?? (plug.TargetName != null ? model.Compilation.GetTypeByMetadataName(plug.TargetName.Split(',')[0].Trim()) : null)
            : null;
        if (target == null)
            return;

        // What the class plugs already: by the target's name and the parameters after aThis.
        var plugged = plugClass.GetMembers().OfType<IMethodSymbol>()
            .Where(m => PlugMemberData.Of(m) != null)
            .Select(m => Key(PlugMemberData.Of(m)!.TargetName ?? m.Name, m.Parameters.Length > 0 && m.Parameters[0].Name == "aThis" ? m.Parameters.Skip(1) : m.Parameters))
            .ToImmutableHashSet();
        var compilation = model.Compilation;
        var actions = target.GetMembers().OfType<IMethodSymbol>()
            .Where(m => m.MethodKind is MethodKind.Ordinary or MethodKind.Constructor or MethodKind.StaticConstructor or MethodKind.PropertyGet or MethodKind.PropertySet)
            .Where(m => !m.IsAbstract && !plugged.Contains(Key(StubName(m), m.Parameters)))
            .Select(m => CodeAction.Create(m.ToDisplayString(SymbolDisplayFormat.CSharpErrorMessageFormat), _ =>
            {
                var stub = PlugStubs.Method(m, compilation);
                return Task.FromResult(context.Document.WithSyntaxRoot(root!.ReplaceNode(declaration, declaration.AddMembers(stub))));
            }, equivalenceKey: "GraftPlugMember:" + m.GetDocumentationCommentId()))
            .ToImmutableArray();
        if (actions.Length > 0)
            context.RegisterRefactoring(CodeAction.Create($"Plug a member of '{target.Name}'", actions, isInlinable: false));
    }

    static string StubName(IMethodSymbol method) => method.MethodKind switch
    {
        MethodKind.Constructor => "Ctor",
        MethodKind.StaticConstructor => "CCtor",
        _ => method.Name,
    };

    static string Key(string name, System.Collections.Generic.IEnumerable<IParameterSymbol> parameters) =>
        (name == ".ctor" ? "Ctor" : name == ".cctor" ? "CCtor" : name) + "(" + string.Join(",", parameters.Select(p => p.Type.ToDisplayString())) + ")";
}
