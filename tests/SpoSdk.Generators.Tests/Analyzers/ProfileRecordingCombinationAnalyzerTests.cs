using SpoSdk.Generators.Analyzers;

namespace SpoSdk.Generators.Tests.Analyzers;

/// <summary>SPO2003: invalid kind/recorder combinations in ProfileRecording specs.</summary>
public sealed class ProfileRecordingCombinationAnalyzerTests
{
    [Theory]
    [InlineData("ProfileRecordingProfileKind.SelinuxProfile", "ProfileRecordingRecorder.Bpf", "Logs")]
    [InlineData("ProfileRecordingProfileKind.AppArmorProfile", "ProfileRecordingRecorder.Logs", "Bpf")]
    [InlineData("ProfileRecordingProfileKind.FromValue(\"SelinuxProfile\")", "(ProfileRecordingRecorder)\"Bpf\"", "Logs")]
    [InlineData("new ProfileRecordingProfileKind(\"AppArmorProfile\")", "ProfileRecordingRecorder.FromValue(\"Logs\")", "Bpf")]
    public async Task InvalidCombinationIsAnErrorOnTheRecorder(string kind, string recorder, string required)
    {
        var source = $$"""
            using SpoSdk.Api.V1;

            public static class Snippet
            {
                public static ProfileRecordingSpec Create() => new ProfileRecordingSpec
                {
                    Kind = {{kind}},
                    Recorder = {{recorder}},
                };
            }
            """;

        var diagnostics = await AnalyzerHarness.AnalyzeAsync(new ProfileRecordingCombinationAnalyzer(), source);

        var diagnostic = Assert.Single(diagnostics);
        Assert.Equal("SPO2003", diagnostic.Id);
        Assert.Equal(Microsoft.CodeAnalysis.DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.StartsWith("Recorder = ", diagnostic.Location.SourceTree!.ToString().Substring(diagnostic.Location.SourceSpan.Start), StringComparison.Ordinal);
        Assert.Contains("'" + required + "'", diagnostic.GetMessage(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ProfileRecordingProfileKind.SelinuxProfile", "ProfileRecordingRecorder.Logs")]
    [InlineData("ProfileRecordingProfileKind.AppArmorProfile", "ProfileRecordingRecorder.Bpf")]
    [InlineData("ProfileRecordingProfileKind.SeccompProfile", "ProfileRecordingRecorder.Bpf")]
    [InlineData("ProfileRecordingProfileKind.SeccompProfile", "ProfileRecordingRecorder.Logs")]
    public async Task ValidCombinationsAreSilent(string kind, string recorder)
    {
        var source = $$"""
            using SpoSdk.Api.V1;

            public static class Snippet
            {
                public static ProfileRecordingSpec Create() => new ProfileRecordingSpec
                {
                    Kind = {{kind}},
                    Recorder = {{recorder}},
                };

                public static ProfileRecordingSpec OnlyKind() => new ProfileRecordingSpec { Kind = ProfileRecordingProfileKind.SelinuxProfile };
            }
            """;

        var diagnostics = await AnalyzerHarness.AnalyzeAsync(new ProfileRecordingCombinationAnalyzer(), source);

        Assert.Empty(diagnostics);
    }

    [Fact]
    public async Task LegacyLowerCaseWireValuesAreCheckedIgnoringCase()
    {
        const string Source = """
            using SpoSdk.Api.V1Alpha1;

            public static class Snippet
            {
                public static ProfileRecordingSpec Valid() => new ProfileRecordingSpec
                {
                    Kind = ProfileRecordingProfileKind.SelinuxProfile,
                    Recorder = ProfileRecordingRecorder.FromValue("logs"),
                };

                public static ProfileRecordingSpec Invalid() => new ProfileRecordingSpec
                {
                    Kind = ProfileRecordingProfileKind.AppArmorProfile,
                    Recorder = ProfileRecordingRecorder.FromValue("logs"),
                };
            }
            """;

        var diagnostic = Assert.Single(await AnalyzerHarness.AnalyzeAsync(new ProfileRecordingCombinationAnalyzer(), Source));

        Assert.Contains("'AppArmorProfile'", diagnostic.GetMessage(), StringComparison.Ordinal);
    }
}
