using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace SpoSdk.Generators.Analyzers;

/// <summary>
/// SPO2001: reports names that bind to a model type of a legacy API version (v1alpha1, v1alpha2, v1beta1)
/// and tells which v1 type replaces it.
/// </summary>
/// <remarks>
/// Cheap on unrelated code: once per compilation it checks that SpoSdk.Api is referenced and collects the simple
/// names of the legacy types of the assemblies that hold generated models; per identifier it then only compares
/// text, and binds just the identifiers spelled like a legacy type in files that can reach a legacy namespace.
/// </remarks>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class LegacyTypeUsageAnalyzer : DiagnosticAnalyzer
{
    /// <summary>Diagnostic property holding the metadata name of the v1 replacement type.</summary>
    public const string ReplacementKey = "Replacement";

    /// <summary>A type the generator emits once per assembly of generated models: where it is absent, there are none.</summary>
    private const string GeneratedKindsTypeName = "SpoGeneratedKinds";

    private static readonly ImmutableArray<string> LegacyVersions = ImmutableArray.Create("V1Alpha1", "V1Alpha2", "V1Beta1");

    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(AnalyzerDescriptors.LegacyTypeUsage);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(Start);
    }

    private static void Start(CompilationStartAnalysisContext context)
    {
        if (!SpoSymbols.ReferencesSpoApi(context.Compilation))
        {
            return;
        }

        var legacyTypeNames = LegacyTypeNames(context.Compilation);
        if (legacyTypeNames.Count == 0)
        {
            return;
        }

        // A legacy type is reachable only from a file that spells a legacy version (a using directive, a qualified
        // name, a namespace declaration) or through a global using. Files that do neither bind nothing: their
        // identifiers named like a legacy type (the v1 types share those names) all bind to v1.
        var everyFile = HasGlobalLegacyUsing(context.Compilation, context.CancellationToken);
        var fileMentionsLegacy = new ConcurrentDictionary<SyntaxTree, bool>();
        context.RegisterSyntaxNodeAction(
            c =>
            {
                if (everyFile || fileMentionsLegacy.GetOrAdd(c.Node.SyntaxTree, tree => MentionsLegacyVersion(tree, c.CancellationToken)))
                {
                    AnalyzeIdentifier(c, legacyTypeNames);
                }
            },
            SyntaxKind.IdentifierName);
    }

    private static bool HasGlobalLegacyUsing(Compilation compilation, System.Threading.CancellationToken cancellationToken)
    {
        foreach (var tree in compilation.SyntaxTrees)
        {
            if (tree.GetRoot(cancellationToken) is CompilationUnitSyntax unit
                && unit.Usings.Any(u => u.GlobalKeyword.IsKind(SyntaxKind.GlobalKeyword) && u.Name is not null && u.Name.DescendantTokens().Any(IsLegacyVersion)))
            {
                return true;
            }
        }

        return false;
    }

    private static bool MentionsLegacyVersion(SyntaxTree tree, System.Threading.CancellationToken cancellationToken) =>
        tree.GetRoot(cancellationToken).DescendantTokens().Any(IsLegacyVersion);

    private static bool IsLegacyVersion(SyntaxToken token) =>
        token.IsKind(SyntaxKind.IdentifierToken) && LegacyVersions.Contains(token.ValueText);

    /// <summary>The simple names of every legacy-version type in the assemblies (this one included) that hold generated models.</summary>
    internal static HashSet<string> LegacyTypeNames(Compilation compilation)
    {
        var names = new HashSet<string>(System.StringComparer.Ordinal);

        // Generated models always reference SpoSdk.Api, so only SpoSdk.Api, its dependents and this compilation
        // are looked into: asking every runtime assembly for its type names would cost far more than the rest.
        var assemblies = new List<IAssemblySymbol> { compilation.Assembly };
        assemblies.AddRange(compilation.SourceModule.ReferencedAssemblySymbols.Where(IsOrReferencesSpoApi));
        foreach (var assembly in assemblies)
        {
            if (assembly.TypeNames.Contains(GeneratedKindsTypeName))
            {
                CollectLegacyTypeNames(assembly.GlobalNamespace, names);
            }
        }

        return names;
    }

    private static bool IsOrReferencesSpoApi(IAssemblySymbol assembly) =>
        assembly.Identity.Name == SpoSymbols.ApiNamespace
        || assembly.Modules.Any(m => m.ReferencedAssemblies.Any(r => r.Name == SpoSymbols.ApiNamespace));

    private static void CollectLegacyTypeNames(INamespaceSymbol ns, HashSet<string> names)
    {
        foreach (var child in ns.GetNamespaceMembers())
        {
            if (LegacyVersions.Contains(child.Name))
            {
                foreach (var type in child.GetTypeMembers())
                {
                    names.Add(type.Name);
                }
            }

            CollectLegacyTypeNames(child, names);
        }
    }

    private static void AnalyzeIdentifier(SyntaxNodeAnalysisContext context, HashSet<string> legacyTypeNames)
    {
        var identifier = (IdentifierNameSyntax)context.Node;

        // The cheap filter: only identifiers spelled like a legacy type are bound.
        if (!legacyTypeNames.Contains(identifier.Identifier.ValueText))
        {
            return;
        }

        // Names in using directives and namespace declarations are namespaces, never types we report.
        ExpressionSyntax reported = Qualified(context.SemanticModel, identifier, context.CancellationToken);
        // ('using static' and alias directives name types and are reported.)
        if (reported.Parent is UsingDirectiveSyntax { Alias: null, StaticKeyword.RawKind: (int)SyntaxKind.None } || reported.Parent is BaseNamespaceDeclarationSyntax)
        {
            return;
        }

        if (context.SemanticModel.GetSymbolInfo(identifier, context.CancellationToken).Symbol is not INamedTypeSymbol type)
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
            reported.GetLocation(),
            properties,
            type.Name,
            version.ToLowerInvariant(),
            replacement is null ? "the v1 types" : replacementName));
    }

    /// <summary>
    /// The whole written name of the type <paramref name="identifier"/> ends: <c>SpoSdk.Api.V1Alpha1.X</c> as a
    /// qualified type name, or as a member access in an expression (<c>SpoSdk.Api.V1Alpha1.X.FromValue(...)</c>).
    /// </summary>
    private static ExpressionSyntax Qualified(SemanticModel model, IdentifierNameSyntax identifier, System.Threading.CancellationToken cancellationToken)
    {
        ExpressionSyntax node = identifier;
        while (true)
        {
            switch (node.Parent)
            {
                case QualifiedNameSyntax qualified when qualified.Right == node:
                    node = qualified;
                    continue;
                case AliasQualifiedNameSyntax aliasQualified when aliasQualified.Name == node:
                    node = aliasQualified;
                    continue;
                case MemberAccessExpressionSyntax access when access.Name == node
                    && model.GetSymbolInfo(access.Expression, cancellationToken).Symbol is INamespaceSymbol:
                    node = access;
                    continue;
                default:
                    return node;
            }
        }
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
