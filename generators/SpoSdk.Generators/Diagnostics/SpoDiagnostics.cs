using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using SpoSdk.Generators.Infrastructure;
using SpoSdk.Generators.Model;

namespace SpoSdk.Generators.Diagnostics;

/// <summary>The generator's diagnostics. IDs are tracked in AnalyzerReleases.*.md.</summary>
internal static class SpoDiagnostics
{
    private const string Category = "SpoSdk.Generators";

    public static readonly DiagnosticDescriptor InvalidYaml = new(
        "SPO1001", "CRD file is not valid YAML", "'{0}' is not valid YAML: {1}", Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor MalformedCrd = new(
        "SPO1002", "Malformed CustomResourceDefinition", "CustomResourceDefinition '{0}': {1}", Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor UnsupportedSchema = new(
        "SPO1003", "Unsupported schema construct", "{0} at '{1}': {2}", Category, DiagnosticSeverity.Warning, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor NameClash = new(
        "SPO1004", "Generated name clash", "{0}: the generated name '{1}' is used twice ({2}); rename one through the type-names file", Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor InvalidPattern = new(
        "SPO1005", "Schema pattern is not a valid regular expression", "{0} at '{1}': pattern '{2}' does not compile: {3}; it is not enforced", Category, DiagnosticSeverity.Warning, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor InvalidTypeNames = new(
        "SPO1006", "Invalid type-names entry", "Type-names file: {0}", Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor InvalidConversionRule = new(
        "SPO1007", "Invalid conversion rule", "Conversion rules: {0}", Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor IncompleteConversion = new(
        "SPO1008", "Field without a conversion counterpart", "{0}: '{1}' exists in {2} but not in {3}, and no conversion rule keeps it; list it under {4} in the conversion rules", Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor IncompatibleConversion = new(
        "SPO1009", "Field changes type between versions", "{0}: '{1}' is {2} in {3} but {4} in {5}; field-for-field conversion is impossible", Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    private static readonly ImmutableDictionary<string, DiagnosticDescriptor> ById =
        new[] { InvalidYaml, MalformedCrd, UnsupportedSchema, NameClash, InvalidPattern, InvalidTypeNames, InvalidConversionRule, IncompleteConversion, IncompatibleConversion }
            .ToImmutableDictionary(d => d.Id);

    public static DiagnosticInfo Info(DiagnosticDescriptor descriptor, string filePath, SourceSpan span, params string[] arguments) =>
        new(descriptor.Id, filePath, span, arguments.ToEquatableArray());

    public static Diagnostic ToDiagnostic(DiagnosticInfo info)
    {
        var span = info.Span;
        var location = Location.Create(
            info.FilePath,
            new TextSpan(span.Start, span.Length),
            new LinePositionSpan(new LinePosition(span.StartLine, span.StartColumn), new LinePosition(span.EndLine, span.EndColumn)));
        return Diagnostic.Create(ById[info.Id], location, info.Arguments.Items.Cast<object>().ToArray());
    }
}
