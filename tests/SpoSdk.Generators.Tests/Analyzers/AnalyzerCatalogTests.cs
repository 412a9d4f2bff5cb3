using Microsoft.CodeAnalysis.Diagnostics;
using SpoSdk.Generators.Analyzers;

namespace SpoSdk.Generators.Tests.Analyzers;

/// <summary>Every SDK-usage rule has a docs page its help link points to, and a release-tracking entry.</summary>
public sealed class AnalyzerCatalogTests
{
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
    public void RulesAreDocumentedAndTracked(DiagnosticAnalyzer analyzer)
    {
        var unshipped = File.ReadAllText(Path.Combine(GeneratorHarness.RepositoryRoot, "generators", "SpoSdk.Generators", "AnalyzerReleases.Unshipped.md"));
        foreach (var descriptor in analyzer.SupportedDiagnostics)
        {
            Assert.EndsWith("docs/analyzers/" + descriptor.Id + ".md", descriptor.HelpLinkUri, StringComparison.Ordinal);
            Assert.True(File.Exists(Path.Combine(GeneratorHarness.RepositoryRoot, "docs", "analyzers", descriptor.Id + ".md")), descriptor.Id);
            Assert.Contains(descriptor.Id + " | " + descriptor.Category + " | " + descriptor.DefaultSeverity, unshipped, StringComparison.Ordinal);
        }
    }
}
