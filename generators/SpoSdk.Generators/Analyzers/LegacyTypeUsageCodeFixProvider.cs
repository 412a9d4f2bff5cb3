using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Simplification;
using SpoSdk.Generators.Infrastructure;

namespace SpoSdk.Generators.Analyzers;

/// <summary>
/// Fix for SPO2001: rewrites a legacy-version model type name to the v1 type of the same name and, where the
/// name is a string enum, renames the enum value written next to it (<c>FromValue("logs")</c>, <c>(T)"logs"</c>,
/// <c>new T("logs")</c>, <c>T.Member</c>) to the v1 value it converts to, paired exactly as the generated
/// converter pairs them (<see cref="EnumValuePairing"/>) from the <c>[SpoWireValue]</c> of both types. On an alias
/// directive (<c>using R = ...V1Alpha1.X;</c>) the values are renamed wherever the alias is used in the document; on a
/// global alias of a string enum, whose uses may be in other files, the fix is not offered.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(LegacyTypeUsageCodeFixProvider))]
[Shared]
public sealed class LegacyTypeUsageCodeFixProvider : CodeFixProvider
{
    private const string Title = "Use the v1 type";

    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } =
        ImmutableArray.Create(AnalyzerDescriptors.LegacyTypeUsage.Id);

    /// <inheritdoc />
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc />
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return;
        }

        foreach (var diagnostic in context.Diagnostics)
        {
            if (!diagnostic.Properties.TryGetValue(LegacyTypeUsageAnalyzer.ReplacementKey, out var replacement) || replacement is null)
            {
                continue;
            }

            if (root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is not ExpressionSyntax name
                || name is not (NameSyntax or MemberAccessExpressionSyntax))
            {
                continue;
            }

            // Values written through a global alias in other files would keep their legacy spelling.
            if (name.Parent is UsingDirectiveSyntax { Alias: not null, GlobalKeyword.RawKind: (int)SyntaxKind.GlobalKeyword }
                && await IsStringEnumAsync(context.Document, name, context.CancellationToken).ConfigureAwait(false))
            {
                continue;
            }

            context.RegisterCodeFix(
                CodeAction.Create(
                    Title,
                    cancellationToken => ReplaceAsync(context.Document, name, replacement, cancellationToken),
                    equivalenceKey: Title),
                diagnostic);
        }
    }

    private static async Task<Document> ReplaceAsync(Document document, ExpressionSyntax name, string replacement, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        if (root is null || model is null)
        {
            return document;
        }

        // A type written in an expression (X.FromValue(...), nameof(X)) is a member access there, not a qualified name.
        var fullName = "global::" + replacement;
        ExpressionSyntax newName = SyntaxFacts.IsInNamespaceOrTypeContext(name)
            ? SyntaxFactory.ParseName(fullName)
            : SyntaxFactory.ParseExpression(fullName);

        // Keep generic arguments written at the use site: List<V1Alpha1.X> only has 'X' replaced.
        if (name is GenericNameSyntax generic && newName is QualifiedNameSyntax qualified)
        {
            newName = qualified.WithRight(SyntaxFactory.GenericName(qualified.Right.Identifier, generic.TypeArgumentList));
        }

        newName = newName
            .WithTriviaFrom(name)
            .WithAdditionalAnnotations(Simplifier.Annotation);

        var replacements = new Dictionary<SyntaxNode, SyntaxNode> { [name] = newName };
        if (model.GetSymbolInfo(name, cancellationToken).Symbol is INamedTypeSymbol legacyType
            && model.Compilation.GetTypeByMetadataName(replacement) is { } hubType)
        {
            AddEnumValueRenames(name, legacyType, hubType, replacements);

            // Through an alias the values are written next to the alias, not the legacy name: rename them at every use.
            if (name.Parent is UsingDirectiveSyntax { Alias: not null } directive
                && model.GetDeclaredSymbol(directive, cancellationToken) is IAliasSymbol alias)
            {
                foreach (var use in root.DescendantNodes().OfType<IdentifierNameSyntax>().Where(n => n.Identifier.ValueText == alias.Name))
                {
                    if (SymbolEqualityComparer.Default.Equals(model.GetAliasInfo(use, cancellationToken), alias))
                    {
                        AddEnumValueRenames(use, legacyType, hubType, replacements);
                    }
                }
            }
        }

        var newRoot = root.ReplaceNodes(replacements.Keys, (original, _) => replacements[original]);
        var newDocument = document.WithSyntaxRoot(newRoot);
        return await Simplifier.ReduceAsync(newDocument, Simplifier.Annotation, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    private static async Task<bool> IsStringEnumAsync(Document document, ExpressionSyntax name, CancellationToken cancellationToken)
    {
        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        return model?.GetSymbolInfo(name, cancellationToken).Symbol is INamedTypeSymbol type
            && SpoSymbols.EnumMembers(type).Any(m => m.Value is not null);
    }

    /// <summary>Adds the rename of the enum value written with the legacy enum type <paramref name="name"/>, when its v1 spelling differs.</summary>
    private static void AddEnumValueRenames(ExpressionSyntax name, INamedTypeSymbol legacyType, INamedTypeSymbol hubType, Dictionary<SyntaxNode, SyntaxNode> replacements)
    {
        var hubMembers = SpoSymbols.EnumMembers(hubType);
        var hubValues = hubMembers.Where(m => m.Value is not null).Select(m => m.Value!).ToList();
        if (hubValues.Count == 0)
        {
            return;
        }

        switch (name.Parent)
        {
            // T.FromValue("logs")
            case MemberAccessExpressionSyntax { Name.Identifier.ValueText: "FromValue" } access
                when access.Expression == name && access.Parent is InvocationExpressionSyntax invocation:
                RenameLiteral(SingleArgument(invocation.ArgumentList), hubValues, replacements);
                break;

            // T.Logs: the member of the v1 type whose wire value pairs with the legacy member's.
            case MemberAccessExpressionSyntax access when access.Expression == name && access.Name is IdentifierNameSyntax member:
                var legacyValue = SpoSymbols.EnumMembers(legacyType).FirstOrDefault(m => m.Key.Name == member.Identifier.ValueText).Value;
                var hubValue = legacyValue is null ? null : EnumValuePairing.Pair(hubValues, legacyValue);
                var hubMember = hubMembers.FirstOrDefault(m => m.Value == hubValue).Key;
                if (hubValue is not null && hubMember is not null && hubMember.Name != member.Identifier.ValueText)
                {
                    replacements[member] = member.WithIdentifier(SyntaxFactory.Identifier(hubMember.Name).WithTriviaFrom(member.Identifier));
                }

                break;

            // (T)"logs"
            case CastExpressionSyntax cast when cast.Type == name:
                RenameLiteral(cast.Expression, hubValues, replacements);
                break;

            // new T("logs")
            case ObjectCreationExpressionSyntax creation when creation.Type == name:
                RenameLiteral(SingleArgument(creation.ArgumentList), hubValues, replacements);
                break;
        }
    }

    private static ExpressionSyntax? SingleArgument(ArgumentListSyntax? arguments) =>
        arguments is { Arguments.Count: 1 } ? arguments.Arguments[0].Expression : null;

    private static void RenameLiteral(ExpressionSyntax? value, List<string> hubValues, Dictionary<SyntaxNode, SyntaxNode> replacements)
    {
        while (value is ParenthesizedExpressionSyntax parenthesized)
        {
            value = parenthesized.Expression;
        }

        if (value is not LiteralExpressionSyntax literal || !literal.IsKind(SyntaxKind.StringLiteralExpression))
        {
            return;
        }

        var legacyValue = literal.Token.ValueText;
        if (EnumValuePairing.Pair(hubValues, legacyValue) is { } hubValue && hubValue != legacyValue)
        {
            replacements[literal] = SyntaxFactory.LiteralExpression(SyntaxKind.StringLiteralExpression, SyntaxFactory.Literal(hubValue)).WithTriviaFrom(literal);
        }
    }
}
