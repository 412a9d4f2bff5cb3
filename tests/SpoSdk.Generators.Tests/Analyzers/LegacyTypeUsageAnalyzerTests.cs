using SpoSdk.Generators.Analyzers;

namespace SpoSdk.Generators.Tests.Analyzers;

/// <summary>SPO2001: legacy-version model types are reported and the fix rewrites them to v1.</summary>
public sealed class LegacyTypeUsageAnalyzerTests
{
    [Fact]
    public async Task QualifiedLegacyTypeIsReportedOnceWithTheV1Replacement()
    {
        const string Source = """
            public static class Snippet
            {
                public static object Create() => new SpoSdk.Api.V1Alpha1.ProfileRecording();
            }
            """;

        var diagnostics = await AnalyzerHarness.AnalyzeAsync(new LegacyTypeUsageAnalyzer(), Source);

        var diagnostic = Assert.Single(diagnostics);
        Assert.Equal("SPO2001", diagnostic.Id);
        Assert.Equal("SpoSdk.Api.V1Alpha1.ProfileRecording", diagnostic.Location.SourceTree!.ToString().Substring(diagnostic.Location.SourceSpan.Start, diagnostic.Location.SourceSpan.Length));
        Assert.Contains("SpoSdk.Api.V1.ProfileRecording", diagnostic.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task LegacyTypesImportedByUsingAreReportedWhereverTheyAreNamed()
    {
        const string Source = """
            using SpoSdk.Api.V1Beta1;

            public static class Snippet
            {
                public static SeccompProfile Create()
                {
                    var profile = new SeccompProfile();
                    return profile;
                }
            }
            """;

        var diagnostics = await AnalyzerHarness.AnalyzeAsync(new LegacyTypeUsageAnalyzer(), Source);

        Assert.Equal(2, diagnostics.Length);
        Assert.All(diagnostics, d => Assert.Equal("SPO2001", d.Id));
    }

    [Fact]
    public async Task GeneratedLegacyTypesOutsideTheSdkNamespaceAreReported()
    {
        const string Source = """
            namespace Contoso.Models.V1Alpha2
            {
                [System.CodeDom.Compiler.GeneratedCode("SpoSdk.Generators", "1.0.0")]
                public sealed class Widget { }
            }

            namespace Contoso.Models.V1
            {
                [System.CodeDom.Compiler.GeneratedCode("SpoSdk.Generators", "1.0.0")]
                public sealed class Widget { }
            }

            public static class Snippet
            {
                public static object Create() => new Contoso.Models.V1Alpha2.Widget();
            }
            """;

        var diagnostics = await AnalyzerHarness.AnalyzeAsync(new LegacyTypeUsageAnalyzer(), Source);

        var diagnostic = Assert.Single(diagnostics);
        Assert.Contains("Contoso.Models.V1.Widget", diagnostic.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task V1TypesAndUnrelatedVersionNamespacesAreSilent()
    {
        const string Source = """
            using SpoSdk.Api.V1;

            namespace Other.V1Alpha1
            {
                public sealed class NotGenerated { }
            }

            public static class Snippet
            {
                public static object Create()
                {
                    var profile = new SeccompProfile();
                    var recording = new SpoSdk.Api.V1.ProfileRecording();
                    object other = new Other.V1Alpha1.NotGenerated();
                    return new object[] { profile, recording, other };
                }
            }
            """;

        var diagnostics = await AnalyzerHarness.AnalyzeAsync(new LegacyTypeUsageAnalyzer(), Source);

        Assert.Empty(diagnostics);
    }

    [Fact]
    public async Task CodeFixRewritesTheLegacyTypeToV1()
    {
        const string Before = """
            public static class Snippet
            {
                public static object Create() => new SpoSdk.Api.V1Alpha1.ProfileRecording();
            }
            """;
        const string After = """
            public static class Snippet
            {
                public static object Create() => new SpoSdk.Api.V1.ProfileRecording();
            }
            """;

        var fixedSource = await AnalyzerHarness.ApplyFixAsync(new LegacyTypeUsageAnalyzer(), new LegacyTypeUsageCodeFixProvider(), Before);

        Assert.Equal(After, fixedSource);
        var diagnostics = await AnalyzerHarness.AnalyzeAsync(new LegacyTypeUsageAnalyzer(), fixedSource);
        Assert.Empty(diagnostics);
    }

    [Fact]
    public async Task CodeFixOnAnImportedNameKeepsTheCodeCompiling()
    {
        const string Before = """
            using SpoSdk.Api.V1Alpha1;

            public static class Snippet
            {
                public static object Create() => new ProfileRecording();
            }
            """;

        var fixedSource = await AnalyzerHarness.ApplyFixAsync(new LegacyTypeUsageAnalyzer(), new LegacyTypeUsageCodeFixProvider(), Before);

        Assert.Contains("new SpoSdk.Api.V1.ProfileRecording()", fixedSource, StringComparison.Ordinal);
        Assert.Empty(await AnalyzerHarness.AnalyzeAsync(new LegacyTypeUsageAnalyzer(), fixedSource));
    }
}
