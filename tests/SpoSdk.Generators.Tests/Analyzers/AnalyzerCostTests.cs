using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Diagnostics.Telemetry;

namespace SpoSdk.Generators.Tests.Analyzers;

/// <summary>
/// The analyzers do no work on code that cannot hold SPO models: each checks once per compilation that SpoSdk.Api
/// is referenced and otherwise registers no syntax or operation action. Roslyn's analyzer telemetry counts what
/// each analyzer registered, so these tests see it directly.
/// </summary>
public sealed class AnalyzerCostTests
{
    private const string UnrelatedCode = """
        using System.Collections.Generic;

        namespace Shop.V1Alpha1
        {
            public sealed class ProfileRecording { public string? Recorder { get; set; } }
        }

        public static class Snippet
        {
            public static object Create()
            {
                var names = new List<string> { "opnat" };
                names.Add("clsoe");
                return new Shop.V1Alpha1.ProfileRecording { Recorder = "logs" };
            }
        }
        """;

    public static TheoryData<DiagnosticAnalyzer> Analyzers() => AnalyzerCatalogTests.Analyzers();

    [Theory]
    [MemberData(nameof(Analyzers))]
    public async Task UnrelatedCodeGetsNoSyntaxOrOperationActions(DiagnosticAnalyzer analyzer)
    {
        var telemetry = await RunAsync(analyzer, WithoutSpoSdkApi());

        Assert.Equal(1, telemetry.CompilationStartActionsCount);
        Assert.Equal(0, telemetry.SyntaxNodeActionsCount);
        Assert.Equal(0, telemetry.OperationActionsCount);
        Assert.Equal(0, telemetry.SyntaxTreeActionsCount);
        Assert.Equal(0, telemetry.SemanticModelActionsCount);
        Assert.Equal(0, telemetry.SymbolActionsCount);
    }

    [Theory]
    [MemberData(nameof(Analyzers))]
    public async Task CodeThatReferencesSpoSdkApiGetsItsActions(DiagnosticAnalyzer analyzer)
    {
        var telemetry = await RunAsync(analyzer, GeneratorHarness.References);

        Assert.True(telemetry.SyntaxNodeActionsCount + telemetry.OperationActionsCount > 0);
    }

    private static async Task<AnalyzerTelemetryInfo> RunAsync(DiagnosticAnalyzer analyzer, IEnumerable<MetadataReference> references)
    {
        var compilation = CSharpCompilation.Create(
            "Unrelated",
            new[] { CSharpSyntaxTree.ParseText(UnrelatedCode, GeneratorHarness.ParseOptions) },
            references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        Assert.DoesNotContain(compilation.GetDiagnostics(), d => d.Severity == DiagnosticSeverity.Error);

        var withAnalyzers = compilation.WithAnalyzers(
            ImmutableArray.Create(analyzer),
            new CompilationWithAnalyzersOptions(new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty), onAnalyzerException: null, concurrentAnalysis: false, logAnalyzerExecutionTime: false));
        var diagnostics = await withAnalyzers.GetAnalyzerDiagnosticsAsync();
        Assert.Empty(diagnostics);
        return await withAnalyzers.GetAnalyzerTelemetryInfoAsync(analyzer, CancellationToken.None);
    }

    /// <summary>The running runtime's assemblies only: no SpoSdk.Api, no KubernetesClient.</summary>
    private static IEnumerable<MetadataReference> WithoutSpoSdkApi()
    {
        var api = typeof(SpoSdk.Api.Schema.ISpoObject).Assembly.Location;
        var kubernetes = typeof(k8s.Models.V1ObjectMeta).Assembly.Location;
        return GeneratorHarness.References.Where(r => r is PortableExecutableReference { FilePath: var path } && path != api && path != kubernetes);
    }
}
