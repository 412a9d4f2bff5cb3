using Microsoft.CodeAnalysis;

namespace SpoSdk.Generators.Tests;

/// <summary>
/// CRDs that once crashed, hung or broke the generator (recursive aliases, duplicate kinds, odd but
/// legal schemas): each must now produce a diagnostic or compiling code, never a crash.
/// </summary>
public sealed class HostileCrdTests
{
    private const string CrdPath = "/repo/crds/widget.yaml";

    [Fact]
    public void RecursiveAliasInDefaultIsReportedNotFatal()
    {
        var run = Run((CrdPath, TestCrds.Widget("tags:\n  type: array\n  items:\n    type: string\n  default: &tags [a, *tags]")));

        Assert.Null(run.Generator.Exception);
        Assert.Contains(run.Diagnostics, d => d.Id.StartsWith("SPO", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SelfReferencingSchemaAnchorIsReportedQuickly()
    {
        var text = TestCrds.Widget("node: &node\n  type: object\n  properties:\n    left: *node\n    right: *node");

        // Throws TimeoutException when the generator hangs.
        var run = await Task.Run(() => Run((CrdPath, text))).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Contains(run.Diagnostics, d => d.Id.StartsWith("SPO", StringComparison.Ordinal));
    }

    // Aliases once expanded per schema node and per default, each with its own budget: this 1,821-character CRD
    // generated 717 MB of C#. An alias inside openAPIV3Schema is now SPO1002 and the version is not generated.
    [Fact]
    public void AliasedDefaultsAreRejectedNotExpanded()
    {
        // b3: ~9,000 scalars (under YamlToJson's 10,000-node cap); s3: 1,000 leaves in a DAG (under the 100,000-node schema cap).
        var yaml = """
            a:
              type: object
              x-b0: &b0 [xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx, xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx, xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx, xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx, xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx, xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx, xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx, xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx, xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx]
              x-b1: &b1 [*b0, *b0, *b0, *b0, *b0, *b0, *b0, *b0, *b0, *b0]
              x-b2: &b2 [*b1, *b1, *b1, *b1, *b1, *b1, *b1, *b1, *b1, *b1]
              x-b3: &b3 [*b2, *b2, *b2, *b2, *b2, *b2, *b2, *b2, *b2]
              x-s0: &s0 {type: array, items: {type: string}, default: *b3}
              x-s1: &s1 {type: object, properties: {p0: *s0, p1: *s0, p2: *s0, p3: *s0, p4: *s0, p5: *s0, p6: *s0, p7: *s0, p8: *s0, p9: *s0}}
              x-s2: &s2 {type: object, properties: {p0: *s1, p1: *s1, p2: *s1, p3: *s1, p4: *s1, p5: *s1, p6: *s1, p7: *s1, p8: *s1, p9: *s1}}
              properties: {p0: *s2, p1: *s2, p2: *s2, p3: *s2, p4: *s2, p5: *s2, p6: *s2, p7: *s2, p8: *s2, p9: *s2}
            """;
        var text = TestCrds.Widget(yaml);

        var run = Run((CrdPath, text));

        Assert.Null(run.Generator.Exception);
        var generated = run.Sources.Values.Sum(s => (long)s.Length);
        Assert.True(generated < 1_000_000, $"a {text.Length}-char CRD generated {generated:N0} chars of C#");
        var diagnostic = Assert.Single(run.Diagnostics, d => d.Id == "SPO1002");
        Assert.Contains("alias (*b0)", diagnostic.GetMessage(), StringComparison.Ordinal);
        Assert.Equal(TestCrds.LineOf(text, "x-b0: &b0"), diagnostic.Location.GetLineSpan().StartLinePosition.Line);
    }

    [Fact]
    public void SchemaSharedByTwoVersionsThroughAnAliasIsSpo1002()
    {
        var version = "  - name: v1beta1\n    served: true\n    storage: false\n    schema: *schema\n";
        var text = TestCrds.ReplaceOnce(TestCrds.Widget(), "    schema:\n", "    schema: &schema\n");
        text = text.TrimEnd('\n') + "\n" + version;

        var run = Run((CrdPath, text));

        Assert.Null(run.Generator.Exception);
        var diagnostic = Assert.Single(run.Diagnostics);
        Assert.Equal("SPO1002", diagnostic.Id);
        Assert.Contains("version v1beta1", diagnostic.GetMessage(), StringComparison.Ordinal);
        Assert.DoesNotContain(run.Sources.Keys, k => k.Contains("V1Beta1", StringComparison.Ordinal));
    }

    [Fact]
    public void AnchorWithoutAliasIsNoProblem()
    {
        var run = Run((CrdPath, TestCrds.Widget("color: &color\n  type: string\n  enum: [red, green]")));

        Assert.Empty(run.Diagnostics);
        AssertCompiles(run);
    }

    [Fact]
    public void SameKindTwiceInOneFileIsSpo1004NotACrash()
    {
        var text = TestCrds.Widget();

        var run = Run((CrdPath, text + "---\n" + text));

        Assert.Null(run.Generator.Exception);
        Assert.Contains(run.Diagnostics, d => d.Id == "SPO1004");
    }

    [Fact]
    public void SameKindInSameNamedFilesOfTwoFoldersIsSpo1004NotACrash()
    {
        var text = TestCrds.Widget();

        var run = Run(("/repo/a/widget.yaml", text), ("/repo/b/widget.yaml", text));

        Assert.Null(run.Generator.Exception);
        Assert.Contains(run.Diagnostics, d => d.Id == "SPO1004");
    }

    // Hint names are compared ignoring case: widget.yaml and widget.yml (or Widget.yaml) of one folder once got
    // the same folder hash and the driver threw (CS8785, no output at all).
    [Theory]
    [InlineData("/repo/crds/widget.yaml", "/repo/crds/widget.yml")]
    [InlineData("/repo/crds/widget.yaml", "/repo/crds/Widget.yaml")]
    public void SameKindInSameNamedFilesOfOneFolderIsSpo1004NotACrash(string first, string second)
    {
        var text = TestCrds.Widget();

        var run = Run((first, text), (second, text));

        Assert.Null(run.Generator.Exception);
        Assert.DoesNotContain(run.Diagnostics, d => d.Id == "CS8785");
        Assert.Contains(run.Diagnostics, d => d.Id == "SPO1004");
        Assert.Equal(2, run.Sources.Keys.Count(k => k.EndsWith(".Widget.V1.g.cs", StringComparison.Ordinal)));
    }

    [Fact]
    public void KindsDifferingOnlyInCaseInOneFileAreSpo1004NotACrash()
    {
        var text = TestCrds.Widget() + "---\n" + TestCrds.Widget(kind: "WIDGET", plural: "bigwidgets");

        var run = Run((CrdPath, text));

        Assert.Null(run.Generator.Exception);
        var diagnostic = Assert.Single(run.Diagnostics);
        Assert.Equal("SPO1004", diagnostic.Id);
        Assert.Contains("differ only in case", diagnostic.GetMessage(), StringComparison.Ordinal);
        Assert.Equal(TestCrds.LineOf(text, "---") + 1, diagnostic.Location.GetLineSpan().StartLinePosition.Line);
        Assert.Contains("widget.Widget.V1.g.cs", run.Sources.Keys);
    }

    // v1Beta1 would share v1beta1's namespace V1Beta1 (and the API server refuses both a repeated and an
    // upper-case version name).
    [Theory]
    [InlineData("v1beta1", "v1Beta1", "must look like")]
    [InlineData("v1beta1", "v1beta1", "listed twice")]
    public void VersionsOfOneNamespaceAreSpo1002NotACrash(string a, string b, string message)
    {
        var version = "  - name: {0}\n    served: true\n    storage: false\n    schema:\n      openAPIV3Schema:\n        type: object\n        properties:\n          apiVersion:\n            type: string\n          kind:\n            type: string\n          metadata:\n            type: object\n          spec:\n            type: object\n            properties:\n              size:\n                type: integer\n                format: int32\n";
        var text = TestCrds.ReplaceOnce(TestCrds.Widget(), "  versions:\n", "  versions:\n" + string.Format(null, version, a) + string.Format(null, version, b));

        var run = Run((CrdPath, text));

        Assert.Null(run.Generator.Exception);
        var diagnostic = Assert.Single(run.Diagnostics);
        Assert.Equal("SPO1002", diagnostic.Id);
        Assert.Contains(message, diagnostic.GetMessage(), StringComparison.Ordinal);
        Assert.Contains("widget.Widget.V1Beta1.g.cs", run.Sources.Keys);
        AssertCompiles(run);
    }

    // double.Parse takes these (NaN and infinities) and the emitter once wrote NaNd / Infinityd; the API server refuses them.
    [Theory]
    [InlineData("minimum: NaN")]
    [InlineData("maximum: 1e400")]
    [InlineData("minimum: -Infinity")]
    [InlineData("maximum: many")]
    public void NonFiniteBoundIsSpo1002AndNotEnforced(string bound)
    {
        var text = TestCrds.Widget("ratio:\n  type: number\n  " + bound);

        var run = Run((CrdPath, text));

        Assert.Null(run.Generator.Exception);
        var diagnostic = Assert.Single(run.Diagnostics);
        Assert.Equal("SPO1002", diagnostic.Id);
        Assert.Contains("is not a finite number", diagnostic.GetMessage(), StringComparison.Ordinal);
        Assert.Equal(TestCrds.LineOf(text, bound), diagnostic.Location.GetLineSpan().StartLinePosition.Line);
        AssertCompiles(run);
    }

    [Fact]
    public void NullBoundIsNoBound()
    {
        var run = Run((CrdPath, TestCrds.Widget("ratio:\n  type: number\n  minimum: null\n  maximum: ~")));

        Assert.Empty(run.Diagnostics);
        AssertCompiles(run);
    }

    [Fact]
    public void ListKindThatIsNoTypeNameIsSpo1002()
    {
        var text = TestCrds.ReplaceOnce(TestCrds.Widget(), "listKind: WidgetList", "listKind: widget-list");

        var run = Run((CrdPath, text));

        Assert.Null(run.Generator.Exception);
        var diagnostic = Assert.Single(run.Diagnostics);
        Assert.Equal("SPO1002", diagnostic.Id);
        Assert.Contains("listKind 'widget-list'", diagnostic.GetMessage(), StringComparison.Ordinal);
        Assert.Empty(run.Sources);
    }

    [Fact]
    public void ListMapKeyedByARequiredEnumCompiles()
    {
        var run = Run((CrdPath, TestCrds.Widget("""
            ports:
              type: array
              x-kubernetes-list-type: map
              x-kubernetes-list-map-keys: [protocol, port]
              items:
                type: object
                required: [protocol, port]
                properties:
                  protocol:
                    type: string
                    enum: [TCP, UDP]
                  port:
                    type: integer
                    format: int32
            """)));

        Assert.Empty(run.Diagnostics);
        AssertCompiles(run);
    }

    [Fact]
    public void RootSchemaWithoutApiVersionKindAndMetadataCompiles()
    {
        var text = TestCrds.ReplaceOnce(TestCrds.Widget(), "          apiVersion:\n            type: string\n          kind:\n            type: string\n          metadata:\n            type: object\n", string.Empty);

        var run = Run((CrdPath, text));

        Assert.Empty(run.Diagnostics);
        AssertCompiles(run);
    }

    private static GeneratorRun Run(params (string Path, string Text)[] files) =>
        GeneratorHarness.Run(files.Select(f => new InMemoryAdditionalText(f.Path, f.Text)));

    private static void AssertCompiles(GeneratorRun run)
    {
        var problems = run.OutputCompilation.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        Assert.True(problems.Count == 0, GeneratorHarness.Format(problems.Take(10)));
    }
}
