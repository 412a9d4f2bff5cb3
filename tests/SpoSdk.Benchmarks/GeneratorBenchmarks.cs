using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Text;
using BenchmarkDotNet.Attributes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;
using SpoSdk.Generators;

namespace SpoSdk.Benchmarks;

/// <summary>
/// <see cref="CrdModelGenerator"/> over every YAML file of the project's crds/ (the 8 CRDs and type-names.yaml,
/// as SpoSdk.Api's build passes them), driven the way the
/// compiler drives it: a cold run on a new driver (YAML parsing, planning and emitting everything; the
/// generated code is not compiled), and a warm re-run of an already-run driver after a C# edit that does
/// not touch the CRDs, which should reuse every cached step.
/// </summary>
[MemoryDiagnoser]
public class GeneratorBenchmarks
{
    private const string Placeholder = "namespace Bench;\n\ninternal static class Placeholder\n{\n}\n";
    // 8 kinds in 2 versions, plus the kind catalog.
    private const int MinimumSources = (8 * 2) + 1;

    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    private readonly AnalyzerConfigOptionsProvider _options = new GlobalOptionsProvider("build_property.RootNamespace", "Bench.Api");
    private ImmutableArray<AdditionalText> _crds = ImmutableArray<AdditionalText>.Empty;
    private CSharpCompilation _compilation = null!;
    private CSharpCompilation _editedCompilation = null!;
    private GeneratorDriver _warmDriver = null!;

    [GlobalSetup]
    public void Setup()
    {
        var root = typeof(GeneratorBenchmarks).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryRoot").Value!;
        _crds = Directory.EnumerateFiles(Path.Combine(root, "crds"), "*.yaml")
            .Order(StringComparer.Ordinal)
            .Select(path => (AdditionalText)new MemoryAdditionalText(path, File.ReadAllText(path)))
            .ToImmutableArray();

        var placeholder = CSharpSyntaxTree.ParseText(Placeholder, ParseOptions, "Placeholder.cs");
        _compilation = CSharpCompilation.Create("Bench", new[] { placeholder }, options: new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        _editedCompilation = _compilation.ReplaceSyntaxTree(
            placeholder,
            CSharpSyntaxTree.ParseText(Placeholder + "\ninternal sealed class Added\n{\n}\n", ParseOptions, "Placeholder.cs"));

        _warmDriver = CreateDriver().RunGenerators(_compilation);
        var result = _warmDriver.GetRunResult();
        if (_crds.Length < 9 || result.GeneratedTrees.Length < MinimumSources || result.Diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error))
        {
            throw new InvalidOperationException(
                $"unexpected benchmark input: {_crds.Length} files, {result.GeneratedTrees.Length} sources, diagnostics: {string.Join("; ", result.Diagnostics)}");
        }
    }

    [Benchmark(Description = "cold generator run over all crds")]
    public GeneratorDriver ColdRun() => CreateDriver().RunGenerators(_compilation);

    [Benchmark(Description = "warm incremental re-run after unrelated edit")]
    public GeneratorDriver WarmRerunAfterUnrelatedEdit() => _warmDriver.RunGenerators(_editedCompilation);

    private GeneratorDriver CreateDriver() =>
        CSharpGeneratorDriver.Create(
            new[] { new CrdModelGenerator().AsSourceGenerator() },
            _crds,
            ParseOptions,
            _options,
            new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: false));

    private sealed class MemoryAdditionalText : AdditionalText
    {
        private readonly SourceText _text;

        public MemoryAdditionalText(string path, string text)
        {
            Path = path;
            _text = SourceText.From(text, Encoding.UTF8);
        }

        public override string Path { get; }

        public override SourceText GetText(CancellationToken cancellationToken = default) => _text;
    }

    private sealed class GlobalOptionsProvider : AnalyzerConfigOptionsProvider
    {
        private static readonly AnalyzerConfigOptions NoOptions = new Options(new Dictionary<string, string>());

        public GlobalOptionsProvider(string key, string value)
        {
            GlobalOptions = new Options(new Dictionary<string, string> { [key] = value });
        }

        public override AnalyzerConfigOptions GlobalOptions { get; }

        public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => NoOptions;

        public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => NoOptions;

        private sealed class Options : AnalyzerConfigOptions
        {
            private readonly Dictionary<string, string> _values;

            public Options(Dictionary<string, string> values)
            {
                _values = values;
            }

            public override bool TryGetValue(string key, [NotNullWhen(true)] out string? value) => _values.TryGetValue(key, out value);
        }
    }
}
