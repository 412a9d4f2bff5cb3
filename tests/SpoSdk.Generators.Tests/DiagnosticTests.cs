using Microsoft.CodeAnalysis;

namespace SpoSdk.Generators.Tests;

/// <summary>
/// Malformed inputs become SPO diagnostics (IDs as in SpoDiagnostics.cs) at the YAML line that causes them,
/// never generator crashes. Lines are 0-based, as <see cref="Location.GetLineSpan"/> gives them.
/// </summary>
public sealed class DiagnosticTests
{
    private const string CrdPath = "/repo/crds/widget.yaml";
    private const string TypeNamesPath = "/repo/crds/type-names.yaml";

    [Fact]
    public void InvalidYamlSyntaxIsSpo1001AtTheOffendingLine()
    {
        var text = TestCrds.ReplaceOnce(TestCrds.Widget(), "  group: example.com\n", "  group: example.com: nope\n");

        var run = Run((CrdPath, text));

        AssertDiagnostic(Assert.Single(run.Diagnostics), "SPO1001", DiagnosticSeverity.Error, CrdPath, TestCrds.LineOf(text, "group: example.com: nope"));
        Assert.Empty(run.Sources);
    }

    [Fact]
    public void UnclosedFlowSequenceIsSpo1001NotAGeneratorCrash()
    {
        // YamlDotNet's scanner throws InvalidOperationException (not YamlException) for this text.
        var text = TestCrds.ReplaceOnce(TestCrds.Widget(), "    plural: widgets\n", "    plural: [widgets\n");

        var run = Run((CrdPath, text));

        AssertDiagnostic(Assert.Single(run.Diagnostics), "SPO1001", DiagnosticSeverity.Error, CrdPath, TestCrds.LineOf(text, "plural: [widgets"));
        Assert.Empty(run.Sources);
    }

    [Fact]
    public void MissingNamesKindIsSpo1002AtTheNamesMapping()
    {
        var text = TestCrds.ReplaceOnce(TestCrds.Widget(), "    kind: Widget\n", string.Empty);

        var run = Run((CrdPath, text));

        // The names mapping is where the kind is missing; a mapping starts with its first key.
        var diagnostic = Assert.Single(run.Diagnostics);
        AssertDiagnostic(diagnostic, "SPO1002", DiagnosticSeverity.Error, CrdPath, TestCrds.LineOf(text, "    listKind: WidgetList"));
        Assert.Contains("spec.names.kind", diagnostic.GetMessage(), StringComparison.Ordinal);
        Assert.Empty(run.Sources);
    }

    [Fact]
    public void NoStorageVersionIsSpo1002AtTheVersionsList()
    {
        var text = TestCrds.ReplaceOnce(TestCrds.Widget(), "storage: true", "storage: false");

        var run = Run((CrdPath, text));

        var diagnostic = Assert.Single(run.Diagnostics);
        AssertDiagnostic(diagnostic, "SPO1002", DiagnosticSeverity.Error, CrdPath, TestCrds.LineOf(text, "- name: v1"));
        Assert.Contains("storage: true", diagnostic.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public void AnyOfWithoutIntOrStringIsSpo1003WarningAtThePropertySchema()
    {
        var text = TestCrds.Widget("""
            limits:
              type: object
              properties:
                cpu:
                  type: string
                memory:
                  type: string
              anyOf:
              - required: [cpu]
              - required: [memory]
            """);

        var run = Run((CrdPath, text));

        var diagnostic = Assert.Single(run.Diagnostics);
        AssertDiagnostic(diagnostic, "SPO1003", DiagnosticSeverity.Warning, CrdPath, TestCrds.LineOf(text, "limits:") + 1);
        Assert.Contains("anyOf", diagnostic.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public void AnyOfWithIntOrStringIsSupported()
    {
        var text = TestCrds.Widget("""
            port:
              anyOf:
              - type: integer
              - type: string
              x-kubernetes-int-or-string: true
            """);

        var run = Run((CrdPath, text));

        Assert.Empty(run.Diagnostics);
        Assert.Contains("public global::k8s.Models.IntOrString? Port { get; set; }", run.Sources["widget.Widget.V1.g.cs"], StringComparison.Ordinal);
    }

    [Theory]
    // A class clash still compiles: the second class is numbered. An enum clash reuses the first enum.
    [InlineData("type: object\n  properties:\n    a:\n      type: string", "type: object\n  properties:\n    b:\n      type: integer", "public Shared2? Second { get; set; }")]
    [InlineData("type: string\n  enum: [x, y]", "type: string\n  enum: [y, z]", "public Shared? Second { get; set; }")]
    public void TypeNamesForcingOneNameOnDifferentSchemasIsSpo1004AtTheSecondSchema(string firstSchema, string secondSchema, string secondProperty)
    {
        var text = TestCrds.Widget("first:\n  " + firstSchema + "\nsecond:\n  " + secondSchema);
        var typeNames = TestCrds.TypeNames("Widget", ("spec.first", "Shared"), ("spec.second", "Shared"));

        var run = Run((CrdPath, text), (TypeNamesPath, typeNames));

        var diagnostic = Assert.Single(run.Diagnostics);
        AssertDiagnostic(diagnostic, "SPO1004", DiagnosticSeverity.Error, CrdPath, TestCrds.LineOf(text, "second:") + 1);
        Assert.Contains("'Shared'", diagnostic.GetMessage(), StringComparison.Ordinal);
        Assert.Contains(secondProperty, run.Sources["widget.Widget.V1.g.cs"], StringComparison.Ordinal);
    }

    [Fact]
    public void TypeNamesSharingOneNameOnEqualSchemasIsAllowed()
    {
        // Descriptions may differ: only the shape decides whether two paths can share a class.
        var text = TestCrds.Widget("""
            first:
              description: The first one.
              type: object
              properties:
                a:
                  type: string
            second:
              description: The second one.
              type: object
              properties:
                a:
                  type: string
            """);
        var typeNames = TestCrds.TypeNames("Widget", ("spec.first", "Shared"), ("spec.second", "Shared"));

        var run = Run((CrdPath, text), (TypeNamesPath, typeNames));

        Assert.Empty(run.Diagnostics);
        var source = run.Sources["widget.Widget.V1.g.cs"];
        Assert.Contains("public Shared? First { get; set; }", source, StringComparison.Ordinal);
        Assert.Contains("public Shared? Second { get; set; }", source, StringComparison.Ordinal);
        Assert.DoesNotContain("class Shared2", source, StringComparison.Ordinal);
    }

    [Fact]
    public void InvalidRegexPatternIsSpo1005WarningAndNotEnforced()
    {
        var text = TestCrds.Widget("""
            label:
              type: string
              pattern: '[a-'
            """);

        var run = Run((CrdPath, text));

        var diagnostic = Assert.Single(run.Diagnostics);
        AssertDiagnostic(diagnostic, "SPO1005", DiagnosticSeverity.Warning, CrdPath, TestCrds.LineOf(text, "label:") + 1);
        Assert.Contains("'[a-'", diagnostic.GetMessage(), StringComparison.Ordinal);
        Assert.DoesNotContain("CreatePattern", run.Sources["widget.Widget.V1.g.cs"], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("9Lives")]
    [InlineData("class")]
    [InlineData("lowercaseName")]
    [InlineData("Not-An-Identifier")]
    public void InvalidTypeNameIsSpo1006AtTheTypeNamesEntry(string typeName)
    {
        var typeNames = TestCrds.TypeNames("Widget", ("spec.first", "First"), ("spec.size", typeName));

        var run = Run((CrdPath, TestCrds.Widget("first:\n  type: object\n  properties:\n    a:\n      type: string")), (TypeNamesPath, typeNames));

        var diagnostic = Assert.Single(run.Diagnostics);
        AssertDiagnostic(diagnostic, "SPO1006", DiagnosticSeverity.Error, TypeNamesPath, TestCrds.LineOf(typeNames, "spec.size:"));
        Assert.Contains(typeName, diagnostic.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public void SameKindAndVersionInTwoFilesIsSpo1004()
    {
        const string CopyPath = "/repo/crds/widget-copy.yaml";
        var text = TestCrds.Widget();

        var run = Run((CrdPath, text), (CopyPath, text));

        // Reported on the later file; the catalog step knows the file but no position in it, so the
        // location is the start of the file, where this (single-document) CRD begins.
        var diagnostic = Assert.Single(run.Diagnostics);
        AssertDiagnostic(diagnostic, "SPO1004", DiagnosticSeverity.Error, CopyPath, 0);
        Assert.Contains("widget.yaml, widget-copy.yaml", diagnostic.GetMessage(), StringComparison.Ordinal);
        Assert.Contains("Widget v1", diagnostic.GetMessage(), StringComparison.Ordinal);
    }

    private static GeneratorRun Run(params (string Path, string Text)[] files)
    {
        var run = GeneratorHarness.Run(files.Select(f => new InMemoryAdditionalText(f.Path, f.Text)));
        Assert.Null(run.Generator.Exception);
        return run;
    }

    private static void AssertDiagnostic(Diagnostic diagnostic, string id, DiagnosticSeverity severity, string path, int line)
    {
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(severity, diagnostic.Severity);
        var span = diagnostic.Location.GetLineSpan();
        Assert.Equal(path, span.Path);
        Assert.True(line == span.StartLinePosition.Line, $"{id} should point at line {line} (0-based), but points at {span.StartLinePosition.Line}: {diagnostic}");
    }
}
