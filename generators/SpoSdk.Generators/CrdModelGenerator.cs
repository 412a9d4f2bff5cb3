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

        /// <summary>Planning the C# types of one file.</summary>
        public const string PlanTypes = "SpoSdk.PlanTypes";

        /// <summary>The facts the kind catalog needs.</summary>
        public const string KindEntries = "SpoSdk.KindEntries";
    }

    private const string DefaultNamespace = "SpoSdk.Api";

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

        var typeNames = files
            .Select(static (file, _) => file.TypeNames)
            .Collect()
            .Select(static (all, _) => all.SelectMany(t => t).ToEquatableArray())
            .WithTrackingName(Steps.TypeNames);

        var plans = files
            .Combine(rootNamespace)
            .Combine(typeNames)
            .Select(static (input, _) => TypePlanner.Plan(input.Left.Left, input.Left.Right, input.Right))
            .WithTrackingName(Steps.PlanTypes);

        context.RegisterSourceOutput(plans, static (spc, plan) => EmitFile(spc, plan));

        var entries = plans
            .Select(static (plan, _) => plan.Kinds
                .SelectMany(k => k.Versions.Select(v => new KindEntry(v.Namespace, k.Kind, v.Version, plan.FilePath)))
                .ToEquatableArray())
            .WithTrackingName(Steps.KindEntries)
            .Collect();

        context.RegisterSourceOutput(entries.Combine(rootNamespace), static (spc, input) => EmitCatalog(spc, input.Left, input.Right));
    }

    private static bool IsYaml(string path) =>
        path.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".yml", StringComparison.OrdinalIgnoreCase);

    private static void EmitFile(SourceProductionContext context, FilePlan plan)
    {
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
                context.AddSource(Path.GetFileNameWithoutExtension(plan.FilePath) + "." + kind.Kind + "." + Identifiers.VersionNamespace(version.Version) + ".g.cs", SourceText.From(ModelEmitter.Emit(kind, version, fileName), System.Text.Encoding.UTF8));
            }
        }
    }

    private static void EmitCatalog(SourceProductionContext context, ImmutableArray<EquatableArray<KindEntry>> perFile, string rootNamespace)
    {
        var entries = perFile.SelectMany(e => e).ToImmutableArray();
        if (entries.IsEmpty)
        {
            return;
        }

        // Two files defining the same kind and version would emit the same type twice.
        foreach (var duplicate in entries.GroupBy(e => (e.Namespace, e.Kind)).Where(g => g.Count() > 1))
        {
            var first = duplicate.First();
            context.ReportDiagnostic(SpoDiagnostics.ToDiagnostic(SpoDiagnostics.Info(
                SpoDiagnostics.NameClash, duplicate.Last().FilePath, SourceSpan.None, first.Kind + " " + first.Version, first.Namespace + "." + first.Kind, string.Join(", ", duplicate.Select(d => Path.GetFileName(d.FilePath))))));
        }

        context.AddSource("SpoGeneratedKinds.g.cs", SourceText.From(RegistryEmitter.Emit(rootNamespace, entries.GroupBy(e => (e.Namespace, e.Kind)).Select(g => g.First()).ToImmutableArray()), System.Text.Encoding.UTF8));
    }
}
