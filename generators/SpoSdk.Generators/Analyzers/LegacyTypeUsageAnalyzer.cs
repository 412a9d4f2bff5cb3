using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace SpoSdk.Generators.Analyzers;

/// <summary>
/// SPO2001: reports names that bind to a model type of a legacy API version (v1alpha1, v1alpha2, v1beta1)
/// and tells which v1 type replaces it.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class LegacyTypeUsageAnalyzer : DiagnosticAnalyzer
{
    /// <summary>Diagnostic property holding the metadata name of the v1 replacement type.</summary>
    public const string ReplacementKey = "Replacement";

    private static readonly ImmutableArray<string> LegacyVersions = ImmutableArray.Create("V1Alpha1", "V1Alpha2", "V1Beta1");

    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(AnalyzerDescriptors.LegacyTypeUsage);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterSyntaxNodeAction(AnalyzeName, SyntaxKind.IdentifierName, SyntaxKind.QualifiedName);
    }

    private static void AnalyzeName(SyntaxNodeAnalysisContext context)
    {
        var name = (NameSyntax)context.Node;

        // 'var' binds to the inferred type; the type's own name is reported where it is written.
        if (name is IdentifierNameSyntax { IsVar: true })
        {
            return;
        }

        // A qualified name is reported once, as a whole: skip its parts.
        if (name.Parent is QualifiedNameSyntax || name.Parent is AliasQualifiedNameSyntax)
        {
            return;
        }

        // Names in using directives and namespace declarations are namespaces, never types we report.
        if (name.Parent is UsingDirectiveSyntax { Alias: null } || name.Parent is BaseNamespaceDeclarationSyntax)
        {
            return;
        }

        var symbol = context.SemanticModel.GetSymbolInfo(name, context.CancellationToken).Symbol;
        if (symbol is not INamedTypeSymbol type)
        {
            return;
        }

        type = type.OriginalDefinition;
        if (!TryGetLegacyVersion(type, out var legacyNamespace, out var version))
        {
            return;
        }

        var replacementNamespace = legacyNamespace.Substring(0, legacyNamespace.Length - version.Length) + "V1";
        var replacementName = replacementNamespace + "." + type.MetadataName;
        var replacement = context.Compilation.GetTypeByMetadataName(replacementName);

        var properties = replacement is null
            ? ImmutableDictionary<string, string?>.Empty
            : ImmutableDictionary<string, string?>.Empty.Add(ReplacementKey, replacementName);

        context.ReportDiagnostic(Diagnostic.Create(
            AnalyzerDescriptors.LegacyTypeUsage,
            name.GetLocation(),
            properties,
            type.Name,
            version.ToLowerInvariant(),
            replacement is null ? "the v1 types" : replacementName));
    }

    /// <summary>Whether <paramref name="type"/> is a legacy-version model type, and its namespace and version segment.</summary>
    internal static bool TryGetLegacyVersion(INamedTypeSymbol type, out string legacyNamespace, out string version)
    {
        legacyNamespace = string.Empty;
        version = string.Empty;

        // Nested types are legacy when their outermost type is.
        var outer = type;
        while (outer.ContainingType is not null)
        {
            outer = outer.ContainingType;
        }

        var ns = outer.ContainingNamespace;
        if (ns is null || ns.IsGlobalNamespace || !LegacyVersions.Contains(ns.Name))
        {
            return false;
        }

        var fullName = ns.ToDisplayString();
        var isSdkNamespace = fullName == SpoSymbols.ApiNamespace + "." + ns.Name;
        if (!isSdkNamespace && !SpoSymbols.HasGeneratorAttribute(outer))
        {
            return false;
        }

        legacyNamespace = fullName;
        version = ns.Name;
        return true;
    }
}
