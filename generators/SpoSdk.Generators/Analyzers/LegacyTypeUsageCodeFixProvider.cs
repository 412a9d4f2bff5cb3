using System.Collections.Immutable;
using System.Composition;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Simplification;

namespace SpoSdk.Generators.Analyzers;

/// <summary>Fix for SPO2001: rewrites a legacy-version model type name to the v1 type of the same name.</summary>
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

            if (root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is not NameSyntax name)
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

    private static async Task<Document> ReplaceAsync(Document document, NameSyntax name, string replacement, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return document;
        }

        // Keep generic arguments written at the use site: List<V1Alpha1.X> only has 'X' replaced.
        NameSyntax newName = SyntaxFactory.ParseName("global::" + replacement);
        if (name is GenericNameSyntax generic && newName is QualifiedNameSyntax qualified)
        {
            newName = qualified.WithRight(SyntaxFactory.GenericName(qualified.Right.Identifier, generic.TypeArgumentList));
        }

        newName = newName
            .WithTriviaFrom(name)
            .WithAdditionalAnnotations(Simplifier.Annotation);

        var newDocument = document.WithSyntaxRoot(root.ReplaceNode(name, newName));
        return await Simplifier.ReduceAsync(newDocument, Simplifier.Annotation, cancellationToken: cancellationToken).ConfigureAwait(false);
    }
}
