using System;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using SpoSdk.Generators.Diagnostics;
using SpoSdk.Generators.Emit;
using SpoSdk.Generators.Infrastructure;
using SpoSdk.Generators.Model;
using SpoSdk.Generators.Parsing;
using SpoSdk.Generators.Planning;

namespace SpoSdk.Generators;

/// <summary>
/// Generates typed models, validators and a kind catalog from the CustomResourceDefinitions given
/// as AdditionalFiles (<c>*.yaml</c>). One pipeline item per file: editing one CRD regenerates only it.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class CrdModelGenerator : IIncrementalGenerator
{
    /// <summary>Tracking names of the pipeline steps, for incrementality tests.</summary>
    public static class Steps
    {
        /// <summary>Reading one YAML file into CRD models.</summary>
        public const string ReadCrd = "SpoSdk.ReadCrd";

        /// <summary>Gathering the type-name overrides of every file.</summary>
        public const string TypeNames = "SpoSdk.TypeNames";

        /// <summary>Gathering the conversion rules of every file.</summary>
        public const string ConversionRules = "SpoSdk.ConversionRules";

        /// <summary>Planning the C# types of one file.</summary>
        public const string PlanTypes = "SpoSdk.PlanTypes";

        /// <summary>The facts the kind catalog needs.</summary>
        public const string KindEntries = "SpoSdk.KindEntries";
    }

    private const string DefaultNamespace = "SpoSdk.Api";

    private const string DefaultClientNamespace = "SpoSdk.Clients";

    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var files = context.AdditionalTextsProvider
            .Where(static text => IsYaml(text.Path))
            .Select(static (text, cancellationToken) => CrdReader.Read(text.Path, text.GetText(cancellationToken)?.ToString()))
            .WithTrackingName(Steps.ReadCrd);

        var rootNamespace = context.AnalyzerConfigOptionsProvider
            .Select(static (options, _) =>
                options.GlobalOptions.TryGetValue("build_property.SpoSdkModelNamespace", out var ns) && !string.IsNullOrWhiteSpace(ns) ? ns
                : options.GlobalOptions.TryGetValue("build_property.RootNamespace", out var root) && !string.IsNullOrWhiteSpace(root) ? root
                : DefaultNamespace);

        // Clients mode (SpoSdkGeneratorOutput=Clients, set by the SpoSdk runtime): the same CRDs give the
        // typed clients over the runtime's backends, the models staying in the assembly that generated them.
        var clientNamespace = context.AnalyzerConfigOptionsProvider
            .Select(static (options, _) =>
                !options.GlobalOptions.TryGetValue("build_property.SpoSdkGeneratorOutput", out var output) || !string.Equals(output, "Clients", StringComparison.OrdinalIgnoreCase) ? null
                : options.GlobalOptions.TryGetValue("build_property.SpoSdkClientNamespace", out var ns) && !string.IsNullOrWhiteSpace(ns) ? ns
                : DefaultClientNamespace);

        var typeNames = files
            .Select(static (file, _) => file.TypeNames)
            .Collect()
            .Select(static (all, _) => all.SelectMany(t => t).ToEquatableArray())
            .WithTrackingName(Steps.TypeNames);

        var conversionRules = files
            .Select(static (file, _) => file.ConversionRules)
            .Collect()
            .Select(static (all, _) => all.SelectMany(r => r).ToEquatableArray())
            .WithTrackingName(Steps.ConversionRules);

        var plans = files
            .Combine(rootNamespace)
            .Combine(typeNames)
            .Combine(conversionRules)
            .Select(static (input, _) => TypePlanner.Plan(input.Left.Left.Left, input.Left.Left.Right, input.Left.Right, input.Right))
            .WithTrackingName(Steps.PlanTypes);

        // Every YAML path: a file name used twice (in two folders, or as .yaml and .yml) gets a path hash in its hint names.
        var paths = context.AdditionalTextsProvider
            .Where(static text => IsYaml(text.Path))
            .Select(static (text, _) => text.Path)
            .Collect()
            .Select(static (all, _) => all.ToEquatableArray());

        context.RegisterSourceOutput(plans.Combine(paths).Combine(clientNamespace), static (spc, input) => EmitFile(spc, input.Left.Left, input.Left.Right, input.Right));

        var entries = plans
            .Select(static (plan, _) => plan.Kinds
                .SelectMany(k => k.Versions.Select(v => new KindEntry(v.Namespace, k.Kind, v.Version, v.IsStorage, plan.FilePath, StartOf(k.Span))))
                .ToEquatableArray())
            .WithTrackingName(Steps.KindEntries)
            .Collect();

        context.RegisterSourceOutput(entries.Combine(rootNamespace).Combine(clientNamespace), static (spc, input) => EmitCatalog(spc, input.Left.Left, input.Left.Right, input.Right));
    }

    /// <summary>
    /// Hint names must be unique (ignoring case, as Roslyn compares them) even when files of the same
    /// name in two folders, or widget.yaml and widget.yml of one folder, define the same kind (the catalog
    /// step then reports SPO1004 instead of the driver crashing): such files get a stable hash of their
    /// path after the file name.
    /// </summary>
    private static string HintPrefix(string filePath, EquatableArray<string> allPaths)
    {
        var name = Path.GetFileNameWithoutExtension(filePath);
        if (allPaths.Count(p => string.Equals(Path.GetFileNameWithoutExtension(p), name, StringComparison.OrdinalIgnoreCase)) < 2)
        {
            return name;
        }

        var hash = 2166136261u;
        foreach (var c in filePath.Replace('\\', '/'))
        {
            hash = unchecked((hash ^ c) * 16777619u);
        }

        return name + "." + hash.ToString("x8", System.Globalization.CultureInfo.InvariantCulture);
    }

    // Only where the definition starts: an edit inside it must not change the catalog step's input.
    private static SourceSpan StartOf(SourceSpan span) =>
        new(span.Start, 0, span.StartLine, span.StartColumn, span.StartLine, span.StartColumn);

    private static bool IsYaml(string path) =>
        path.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".yml", StringComparison.OrdinalIgnoreCase);

    private static void EmitFile(SourceProductionContext context, FilePlan plan, EquatableArray<string> allPaths, string? clientNamespace)
    {
        if (clientNamespace is not null)
        {
            // The models' assembly reports the CRD diagnostics; here they would be reported twice.
            EmitClients(context, plan, allPaths, clientNamespace);
            return;
        }

        foreach (var diagnostic in plan.Diagnostics)
        {
            context.ReportDiagnostic(SpoDiagnostics.ToDiagnostic(diagnostic));
        }

        var fileName = Path.GetFileName(plan.FilePath);
        foreach (var kind in plan.Kinds)
        {
            foreach (var version in kind.Versions)
            {
                context.CancellationToken.ThrowIfCancellationRequested();
                context.AddSource(HintPrefix(plan.FilePath, allPaths) + "." + kind.Kind + "." + Identifiers.VersionNamespace(version.Version) + ".g.cs", SourceText.From(ModelEmitter.Emit(kind, version, fileName), System.Text.Encoding.UTF8));
            }
        }
    }

    private static void EmitClients(SourceProductionContext context, FilePlan plan, EquatableArray<string> allPaths, string clientNamespace)
    {
        var fileName = Path.GetFileName(plan.FilePath);
        foreach (var kind in plan.Kinds)
        {
            foreach (var version in kind.Versions)
            {
                context.CancellationToken.ThrowIfCancellationRequested();
                context.AddSource(HintPrefix(plan.FilePath, allPaths) + "." + kind.Kind + "Client." + Identifiers.VersionNamespace(version.Version) + ".g.cs", SourceText.From(ClientEmitter.Emit(kind, version, clientNamespace, fileName), System.Text.Encoding.UTF8));
            }
        }
    }

    private static void EmitCatalog(SourceProductionContext context, ImmutableArray<EquatableArray<KindEntry>> perFile, string rootNamespace, string? clientNamespace)
    {
        var entries = perFile.SelectMany(e => e).ToImmutableArray();
        if (entries.IsEmpty)
        {
            return;
        }

        if (clientNamespace is not null)
        {
            context.AddSource("SpoClients.g.cs", SourceText.From(ClientEmitter.EmitClientSet(clientNamespace, entries.GroupBy(e => (e.Namespace, e.Kind)).Select(g => g.First()).ToImmutableArray()), System.Text.Encoding.UTF8));
            return;
        }

        // Two files defining the same kind and version would emit the same type twice.
        foreach (var duplicate in entries.GroupBy(e => (e.Namespace, e.Kind)).Where(g => g.Count() > 1))
        {
            var first = duplicate.First();
            context.ReportDiagnostic(SpoDiagnostics.ToDiagnostic(SpoDiagnostics.Info(
                SpoDiagnostics.NameClash, duplicate.Last().FilePath, duplicate.Last().Span, first.Kind + " " + first.Version, first.Namespace + "." + first.Kind, string.Join(", ", duplicate.Select(d => Path.GetFileName(d.FilePath))))));
        }

        context.AddSource("SpoGeneratedKinds.g.cs", SourceText.From(RegistryEmitter.Emit(rootNamespace, entries.GroupBy(e => (e.Namespace, e.Kind)).Select(g => g.First()).ToImmutableArray()), System.Text.Encoding.UTF8));
    }
}
