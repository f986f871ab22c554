using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;
using Microsoft.CodeAnalysis.Simplification;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace Graft.Analyzers.CodeFixes;

/// <summary>The syntax of plug stubs: a [PlugMember] method for a target method, a [Plug] class.</summary>
static class PlugStubs
{
    static readonly SymbolDisplayFormat Qualified = SymbolDisplayFormat.FullyQualifiedFormat;

    /// <summary>How a plug writes a type: itself, or object when the kernel cannot name it (internal to the framework).</summary>
    public static TypeSyntax TypeOf(ITypeSymbol type, Compilation compilation) =>
        ParseTypeName(compilation.IsSymbolAccessibleWithin(type, compilation.Assembly) ? type.ToDisplayString(Qualified) : "object");

    /// <summary>The plug's first parameter for an instance target: the object (by reference for a value type).</summary>
    public static ParameterSyntax AThis(INamedTypeSymbol target, Compilation compilation)
    {
        var nameable = compilation.IsSymbolAccessibleWithin(target, compilation.Assembly) && !target.IsGenericType;
        var parameter = Parameter(Identifier("aThis")).WithType(nameable ? TypeOf(target, compilation) : ParseTypeName("object"));
        return nameable && target.IsValueType ? parameter.WithModifiers(TokenList(Token(SyntaxKind.RefKeyword))) : parameter;
    }

    /// <summary>A parameter written from the aThis type a diagnostic carries ("global::X", "ref global::S", "object").</summary>
    public static ParameterSyntax AThis(string written)
    {
        var byRef = written.StartsWith("ref ", System.StringComparison.Ordinal);
        var parameter = Parameter(Identifier("aThis")).WithType(ParseTypeName(byRef ? written.Substring(4) : written));
        return (byRef ? parameter.WithModifiers(TokenList(Token(SyntaxKind.RefKeyword))) : parameter)
            .WithAdditionalAnnotations(Simplifier.Annotation);
    }

    /// <summary>A [PlugMember] method standing for <paramref name="target"/>, whose body throws until written.</summary>
    public static MethodDeclarationSyntax Method(IMethodSymbol target, Compilation compilation)
    {
        var name = target.MethodKind switch
        {
            MethodKind.Constructor => "Ctor",
            MethodKind.StaticConstructor => "CCtor",
            _ => target.Name,
        };
        var parameters = target.Parameters.Select(p =>
        {
            var parameter = Parameter(Identifier(p.Name)).WithType(TypeOf(p.Type, compilation));
            var modifier = p.RefKind switch
            {
                RefKind.Ref => SyntaxKind.RefKeyword,
                RefKind.Out => SyntaxKind.OutKeyword,
                RefKind.In => SyntaxKind.InKeyword,
                _ => SyntaxKind.None,
            };
            return modifier == SyntaxKind.None ? parameter : parameter.WithModifiers(TokenList(Token(modifier)));
        }).ToList();
        if (!target.IsStatic)
            parameters.Insert(0, AThis(target.ContainingType, compilation));
        var returns = target.MethodKind is MethodKind.Constructor or MethodKind.StaticConstructor || target.ReturnsVoid
            ? PredefinedType(Token(SyntaxKind.VoidKeyword))
            : TypeOf(target.ReturnType, compilation);
        var method = MethodDeclaration(returns, Identifier(name))
            .WithAttributeLists(SingletonList(AttributeList(SingletonSeparatedList(Attribute(ParseName("global::Graft.PlugMember"))))))
            .WithModifiers(TokenList(Token(SyntaxKind.PublicKeyword), Token(SyntaxKind.StaticKeyword)))
            .WithParameterList(ParameterList(SeparatedList(parameters)))
            .WithExpressionBody(ArrowExpressionClause(ParseExpression("throw new global::System.NotImplementedException()")))
            .WithSemicolonToken(Token(SyntaxKind.SemicolonToken));
        if (target.IsGenericMethod)
            method = method.WithTypeParameterList(TypeParameterList(SeparatedList(target.TypeParameters.Select(t => TypeParameter(t.Name)))));
        return method.WithAdditionalAnnotations(Simplifier.Annotation, Formatter.Annotation);
    }

    /// <summary>A new static [Plug] class for <paramref name="target"/> holding <paramref name="member"/>.</summary>
    public static ClassDeclarationSyntax Class(INamedTypeSymbol target, Compilation compilation, MemberDeclarationSyntax member)
    {
        // typeof needs an unbound List<> for a generic type: the metadata name is simpler.
        var nameable = compilation.IsSymbolAccessibleWithin(target, compilation.Assembly) && !target.IsGenericType;
        var argument = nameable
            ? (ExpressionSyntax)TypeOfExpression(ParseTypeName(target.OriginalDefinition.ToDisplayString(Qualified)))
            : LiteralExpression(SyntaxKind.StringLiteralExpression, Literal(SymbolNames.MetadataName(target)));
        return ClassDeclaration(target.Name + "Plug")
            .WithAttributeLists(SingletonList(AttributeList(SingletonSeparatedList(
                Attribute(ParseName("global::Graft.Plug")).WithArgumentList(AttributeArgumentList(SingletonSeparatedList(AttributeArgument(argument))))))))
            .WithModifiers(TokenList(Token(SyntaxKind.InternalKeyword), Token(SyntaxKind.StaticKeyword)))
            .WithMembers(SingletonList(member))
            .WithAdditionalAnnotations(Simplifier.Annotation, Formatter.Annotation);
    }
}
