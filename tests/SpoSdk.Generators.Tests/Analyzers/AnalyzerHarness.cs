using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

namespace SpoSdk.Generators.Tests.Analyzers;

/// <summary>
/// Runs the SDK-usage analyzers and code fixes on snippets compiled against the running runtime's assemblies
/// and the real SpoSdk.Api (see <see cref="GeneratorHarness.References"/>); the Analyzer.Testing packages'
/// reference packs clash with net10.0 builds of SpoSdk.Api, so this harness drives Roslyn directly.
/// </summary>
internal static class AnalyzerHarness
{
    private static readonly CSharpCompilationOptions Options = new CSharpCompilationOptions(
            OutputKind.DynamicallyLinkedLibrary,
            nullableContextOptions: NullableContextOptions.Enable)
        .WithSpecificDiagnosticOptions(new Dictionary<string, ReportDiagnostic>
        {
            ["CS1701"] = ReportDiagnostic.Suppress,
            ["CS1702"] = ReportDiagnostic.Suppress,
        });

    /// <summary>Compiles <paramref name="sources"/> and returns what <paramref name="analyzer"/> reports, after checking the code compiles.</summary>
    public static async Task<ImmutableArray<Diagnostic>> AnalyzeAsync(DiagnosticAnalyzer analyzer, params string[] sources)
    {
        var compilation = CreateCompilation(sources);
        AssertCompiles(compilation);
        var withAnalyzers = compilation.WithAnalyzers(ImmutableArray.Create(analyzer));
        var diagnostics = await withAnalyzers.GetAnalyzerDiagnosticsAsync();

        // An analyzer that throws shows up as AD0001 among the analyzer diagnostics.
        Assert.DoesNotContain(diagnostics, d => d.Id == "AD0001");
        return diagnostics.OrderBy(d => d.Location.SourceSpan.Start).ToImmutableArray();
    }

    /// <summary>Applies the first fix <paramref name="fixer"/> offers for the first diagnostic of <paramref name="analyzer"/> and returns the new text.</summary>
    public static async Task<string> ApplyFixAsync(DiagnosticAnalyzer analyzer, CodeFixProvider fixer, string source)
    {
        using var workspace = new AdhocWorkspace();
        var projectId = ProjectId.CreateNewId();
        var documentId = DocumentId.CreateNewId(projectId);
        var solution = workspace.CurrentSolution
            .AddProject(ProjectInfo.Create(projectId, VersionStamp.Default, "Snippet", "Snippet", LanguageNames.CSharp)
                .WithCompilationOptions(Options)
                .WithParseOptions(GeneratorHarness.ParseOptions)
                .WithMetadataReferences(GeneratorHarness.References))
            .AddDocument(documentId, "Snippet.cs", SourceText.From(source));

        var document = solution.GetDocument(documentId)!;
        var compilation = (await document.Project.GetCompilationAsync())!;
        var diagnostics = await compilation.WithAnalyzers(ImmutableArray.Create(analyzer)).GetAnalyzerDiagnosticsAsync();
        var diagnostic = diagnostics.OrderBy(d => d.Location.SourceSpan.Start).First(d => fixer.FixableDiagnosticIds.Contains(d.Id));

        var actions = new List<CodeAction>();
        var context = new CodeFixContext(document, diagnostic, (action, _) => actions.Add(action), CancellationToken.None);
        await fixer.RegisterCodeFixesAsync(context);
        var operations = await Assert.Single(actions).GetOperationsAsync(CancellationToken.None);
        var changed = Assert.Single(operations.OfType<ApplyChangesOperation>()).ChangedSolution;
        var text = await changed.GetDocument(documentId)!.GetTextAsync();
        return text.ToString();
    }

    /// <summary>A compilation of <paramref name="sources"/> against the runtime and SpoSdk.Api.</summary>
    public static CSharpCompilation CreateCompilation(params string[] sources) =>
        CSharpCompilation.Create(
            "Snippet",
            sources.Select((source, i) => CSharpSyntaxTree.ParseText(source, GeneratorHarness.ParseOptions, "Snippet" + i + ".cs")),
            GeneratorHarness.References,
            Options);

    /// <summary>Fails when the snippet has compiler errors (legacy types' CS0618 warnings are expected).</summary>
    public static void AssertCompiles(Compilation compilation)
    {
        var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(errors.Count == 0, GeneratorHarness.Format(errors));
    }
}
