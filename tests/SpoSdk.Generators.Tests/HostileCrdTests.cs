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
