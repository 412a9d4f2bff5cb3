using Microsoft.CodeAnalysis;
using SpoSdk.Generators.Analyzers;

namespace SpoSdk.Generators.Tests.Analyzers;

/// <summary>SPO2005: creating a RawSelinuxProfile is explained.</summary>
public sealed class RawSelinuxProfileAnalyzerTests
{
    [Fact]
    public async Task CreatingARawSelinuxProfileIsInfo()
    {
        const string Source = """
            using SpoSdk.Api.V1;

            public static class Snippet
            {
                public static RawSelinuxProfile Create() => new RawSelinuxProfile { Spec = new RawSelinuxProfileSpec() };
            }
            """;

        var diagnostic = Assert.Single(await AnalyzerHarness.AnalyzeAsync(new RawSelinuxProfileAnalyzer(), Source));

        Assert.Equal("SPO2005", diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Info, diagnostic.Severity);
        Assert.Contains("enableRawSelinuxProfiles", diagnostic.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OtherProfilesAreSilent()
    {
        const string Source = """
            using SpoSdk.Api.V1;

            public sealed class RawSelinuxProfile { }

            public static class Snippet
            {
                public static object[] Create() => new object[] { new SelinuxProfile(), new RawSelinuxProfileSpec(), new RawSelinuxProfile() };
            }
            """;

        Assert.Empty(await AnalyzerHarness.AnalyzeAsync(new RawSelinuxProfileAnalyzer(), Source));
    }
}
