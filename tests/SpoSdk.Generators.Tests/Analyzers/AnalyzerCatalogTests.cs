using System.Reflection;
using Microsoft.CodeAnalysis.Diagnostics;
using SpoSdk.Generators.Analyzers;

namespace SpoSdk.Generators.Tests.Analyzers;

/// <summary>Every SDK-usage rule has a docs page its help link points to, and a release-tracking entry.</summary>
public sealed class AnalyzerCatalogTests
{
    /// <summary>The RepositoryUrl of Directory.Build.props, as MSBuild wrote it into this assembly.</summary>
    private static readonly string RepositoryUrl =
        typeof(AnalyzerCatalogTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryUrl").Value!;

    public static TheoryData<DiagnosticAnalyzer> Analyzers() => new()
    {
        new LegacyTypeUsageAnalyzer(),
        new UnknownSyscallAnalyzer(),
        new ProfileRecordingCombinationAnalyzer(),
        new SchemaConstraintAnalyzer(),
        new RawSelinuxProfileAnalyzer(),
    };

    [Theory]
    [MemberData(nameof(Analyzers))]
    public void HelpLinkIsTheRulesDocsPageInTheRepository(DiagnosticAnalyzer analyzer)
    {
        Assert.StartsWith("https://", RepositoryUrl, StringComparison.Ordinal);
        foreach (var descriptor in analyzer.SupportedDiagnostics)
        {
            Assert.Equal(RepositoryUrl + "/blob/main/docs/analyzers/" + descriptor.Id + ".md", descriptor.HelpLinkUri);

            var page = Path.Combine(GeneratorHarness.RepositoryRoot, "docs", "analyzers", descriptor.Id + ".md");
            Assert.True(File.Exists(page), page);
            Assert.StartsWith("# " + descriptor.Id + ": " + descriptor.Title, File.ReadAllText(page), StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(Analyzers))]
    public void RulesAreTrackedAndListedInTheIndex(DiagnosticAnalyzer analyzer)
    {
        var unshipped = File.ReadAllText(Path.Combine(GeneratorHarness.RepositoryRoot, "generators", "SpoSdk.Generators", "AnalyzerReleases.Unshipped.md"));
        var index = File.ReadAllText(Path.Combine(GeneratorHarness.RepositoryRoot, "docs", "analyzers", "README.md"));
        foreach (var descriptor in analyzer.SupportedDiagnostics)
        {
            Assert.Contains(descriptor.Id + " | " + descriptor.Category + " | " + descriptor.DefaultSeverity, unshipped, StringComparison.Ordinal);
            Assert.Contains("| [" + descriptor.Id + "](" + descriptor.Id + ".md) | " + descriptor.DefaultSeverity + " | " + descriptor.Title, index, StringComparison.Ordinal);
        }
    }
}
