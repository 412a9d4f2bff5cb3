using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

namespace SpoSdk.Generators.Tests;

/// <summary>
/// Runs <see cref="CrdModelGenerator"/> in memory, the way the compiler does, over in-memory YAML
/// additional files, and compiles what it generates against the running .NET runtime, KubernetesClient
/// and SpoSdk.Api.
/// </summary>
internal static class GeneratorHarness
{
    /// <summary>
    /// The root namespace the tests generate into. Not <c>SpoSdk.Api</c>: SpoSdk.Api is referenced, with
    /// its own generated types, and the generated types must not clash with them.
    /// </summary>
    public const string GoldenNamespace = "Golden.Api";

    /// <summary>The parse options of the generated code: latest C# the generator's minimum Roslyn knows, doc comments checked.</summary>
    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest, DocumentationMode.Diagnose);

    private static readonly Lazy<ImmutableArray<MetadataReference>> LazyReferences = new(LoadReferences, LazyThreadSafetyMode.ExecutionAndPublication);

    private static readonly CSharpCompilationOptions CompilationOptions = new CSharpCompilationOptions(
            OutputKind.DynamicallyLinkedLibrary,
            nullableContextOptions: NullableContextOptions.Enable,
            warningLevel: 9999,
            deterministic: true)
        .WithSpecificDiagnosticOptions(new Dictionary<string, ReportDiagnostic>
        {
            // The runtime's implementation assemblies and the NuGet ones are of slightly different
            // versions; csc hides these unification notices by default (the SDK's NoWarn has them), so do we.
            ["CS1701"] = ReportDiagnostic.Suppress,
            ["CS1702"] = ReportDiagnostic.Suppress,
        });

    /// <summary>The repository root, from the assembly metadata MSBuild writes.</summary>
    public static string RepositoryRoot { get; } =
        typeof(GeneratorHarness).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .SingleOrDefault(a => a.Key == "RepositoryRoot")?.Value
        ?? throw new InvalidOperationException("The test assembly has no RepositoryRoot metadata.");

    /// <summary>The folder of the project's CRDs.</summary>
    public static string CrdDirectory => Path.Combine(RepositoryRoot, "crds");

    /// <summary>Every assembly of the running runtime, plus KubernetesClient and SpoSdk.Api.</summary>
    public static ImmutableArray<MetadataReference> References => LazyReferences.Value;

    /// <summary>Parses C# the way the generated code is parsed.</summary>
    public static SyntaxTree Parse(string source, string path = "") => CSharpSyntaxTree.ParseText(source, ParseOptions, path, Encoding.UTF8);

    /// <summary>A library compilation over <paramref name="trees"/> with <see cref="References"/>; nullable on, every warning wave on.</summary>
    public static CSharpCompilation CreateCompilation(params SyntaxTree[] trees) =>
        CSharpCompilation.Create("Golden.Tests", trees, References, CompilationOptions);

    /// <summary>Creates a driver for the generator, with incremental step tracking on.</summary>
    public static GeneratorDriver CreateDriver(IEnumerable<AdditionalText> additionalTexts, string? rootNamespace = GoldenNamespace, bool trackSteps = true, IReadOnlyDictionary<string, string>? buildProperties = null)
    {
        var globalOptions = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in buildProperties ?? new Dictionary<string, string>())
        {
            globalOptions["build_property." + name] = value;
        }

        if (rootNamespace is not null)
        {
            globalOptions["build_property.RootNamespace"] = rootNamespace;
        }

        return CSharpGeneratorDriver.Create(
            new[] { new CrdModelGenerator().AsSourceGenerator() },
            additionalTexts,
            ParseOptions,
            new TestAnalyzerConfigOptionsProvider(globalOptions),
            new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: trackSteps));
    }

    /// <summary>Runs the generator once on a fresh driver and returns the updated compilation with everything it reported.</summary>
    public static GeneratorRun Run(IEnumerable<AdditionalText> additionalTexts, CSharpCompilation? compilation = null, string? rootNamespace = GoldenNamespace, IReadOnlyDictionary<string, string>? buildProperties = null)
    {
        compilation ??= CreateCompilation();
        var driver = CreateDriver(additionalTexts, rootNamespace, buildProperties: buildProperties)
            .RunGeneratorsAndUpdateCompilation(compilation, out var output, out var diagnostics);
        return new GeneratorRun(driver, driver.GetRunResult(), output, diagnostics);
    }

    /// <summary>Runs the generator over a single YAML text.</summary>
    public static GeneratorRun RunYaml(string path, string yaml) => Run(new[] { new InMemoryAdditionalText(path, yaml) });

    /// <summary>One file of <c>crds/</c>, read into memory under its real path.</summary>
    public static InMemoryAdditionalText LoadCrd(string fileName)
    {
        var path = Path.Combine(CrdDirectory, fileName);
        return new InMemoryAdditionalText(path, File.ReadAllText(path));
    }

    /// <summary>Every YAML file of <c>crds/</c> (the 8 CRDs, type-names.yaml and whatever else SpoSdk.Api's build gets from there), in ordinal order of their names.</summary>
    public static ImmutableArray<InMemoryAdditionalText> LoadAllCrds() =>
        Directory.EnumerateFiles(CrdDirectory, "*.yaml")
            .Select(Path.GetFileName)
            .Order(StringComparer.Ordinal)
            .Select(name => LoadCrd(name!))
            .ToImmutableArray();

    /// <summary>Warnings and errors of a compilation, formatted one a line for assertion messages.</summary>
    public static string Format(IEnumerable<Diagnostic> diagnostics) =>
        string.Join(Environment.NewLine, diagnostics.Select(d => d.ToString()));

    private static ImmutableArray<MetadataReference> LoadReferences()
    {
        var trusted = (AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") as string ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        return trusted
            .Append(typeof(k8s.Models.V1ObjectMeta).Assembly.Location)
            .Append(typeof(SpoSdk.Api.Schema.ISpoObject).Assembly.Location)
            .Where(path => path.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
            .Select(Path.GetFullPath)
            .Distinct(StringComparer.Ordinal)
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .ToImmutableArray();
    }
}

/// <summary>What one generator run produced.</summary>
/// <param name="Driver">The driver after the run, for incremental re-runs.</param>
/// <param name="Result">The run result.</param>
/// <param name="OutputCompilation">The input compilation plus the generated trees.</param>
/// <param name="Diagnostics">What the generator reported (including a crash, as CS8785).</param>
internal sealed record GeneratorRun(GeneratorDriver Driver, GeneratorDriverRunResult Result, Compilation OutputCompilation, ImmutableArray<Diagnostic> Diagnostics)
{
    /// <summary>The result of the one generator.</summary>
    public GeneratorRunResult Generator => Result.Results.Single();

    /// <summary>The generated sources by hint name.</summary>
    public IReadOnlyDictionary<string, string> Sources =>
        Generator.GeneratedSources.ToDictionary(s => s.HintName, s => s.SourceText.ToString(), StringComparer.Ordinal);
}

/// <summary>An additional file held in memory. The same instance returns the same <see cref="SourceText"/>.</summary>
internal sealed class InMemoryAdditionalText : AdditionalText
{
    private readonly SourceText _text;

    public InMemoryAdditionalText(string path, string text)
    {
        Path = path;
        _text = SourceText.From(text, Encoding.UTF8);
    }

    /// <inheritdoc />
    public override string Path { get; }

    /// <summary>The text as a string.</summary>
    public string Text => _text.ToString();

    /// <inheritdoc />
    public override SourceText GetText(CancellationToken cancellationToken = default) => _text;

    /// <summary>A new file with the same path and different text, for <see cref="GeneratorDriver.ReplaceAdditionalText"/>.</summary>
    public InMemoryAdditionalText WithText(string text) => new(Path, text);
}

/// <summary>Supplies MSBuild properties (<c>build_property.*</c>) as global analyzer options.</summary>
internal sealed class TestAnalyzerConfigOptionsProvider : AnalyzerConfigOptionsProvider
{
    private static readonly AnalyzerConfigOptions NoOptions = new DictionaryAnalyzerConfigOptions(new Dictionary<string, string>());

    public TestAnalyzerConfigOptionsProvider(IReadOnlyDictionary<string, string> globalOptions)
    {
        GlobalOptions = new DictionaryAnalyzerConfigOptions(globalOptions);
    }

    /// <inheritdoc />
    public override AnalyzerConfigOptions GlobalOptions { get; }

    /// <inheritdoc />
    public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => NoOptions;

    /// <inheritdoc />
    public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => NoOptions;

    private sealed class DictionaryAnalyzerConfigOptions : AnalyzerConfigOptions
    {
        private readonly IReadOnlyDictionary<string, string> _options;

        public DictionaryAnalyzerConfigOptions(IReadOnlyDictionary<string, string> options)
        {
            _options = options;
        }

        public override bool TryGetValue(string key, [NotNullWhen(true)] out string? value) => _options.TryGetValue(key, out value);
    }
}
