using SpoSdk.Generators.Analyzers;

namespace SpoSdk.Generators.Tests.Analyzers;

/// <summary>SPO2002: unknown syscall names in seccomp syscall rules.</summary>
public sealed class UnknownSyscallAnalyzerTests
{
    [Theory]
    [InlineData("new List<string> { \"read\", \"opnat\" }")]
    [InlineData("new[] { \"read\", \"opnat\" }")]
    [InlineData("[\"read\", \"opnat\"]")]
    public async Task TypoIsReportedWithASuggestion(string names)
    {
        var source = $$"""
            using System.Collections.Generic;
            using SpoSdk.Api.V1;

            public static class Snippet
            {
                public static SeccompProfileSyscall Create() => new SeccompProfileSyscall
                {
                    Names = {{names}},
                    Action = SeccompAction.ScmpActKill,
                };
            }
            """;

        var diagnostics = await AnalyzerHarness.AnalyzeAsync(new UnknownSyscallAnalyzer(), source);

        var diagnostic = Assert.Single(diagnostics);
        Assert.Equal("SPO2002", diagnostic.Id);
        Assert.Equal("\"opnat\"", diagnostic.Location.SourceTree!.ToString().Substring(diagnostic.Location.SourceSpan.Start, diagnostic.Location.SourceSpan.Length));
        Assert.Contains("did you mean 'openat'?", diagnostic.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task FarOffNameHasNoSuggestion()
    {
        const string Source = """
            using System.Collections.Generic;
            using SpoSdk.Api.V1;

            public static class Snippet
            {
                public static SeccompProfileSyscall Create() => new SeccompProfileSyscall { Names = new List<string> { "definitely_not_a_syscall" } };
            }
            """;

        var diagnostic = Assert.Single(await AnalyzerHarness.AnalyzeAsync(new UnknownSyscallAnalyzer(), Source));

        Assert.DoesNotContain("did you mean", diagnostic.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task KnownNamesAndUnrelatedNamesPropertiesAreSilent()
    {
        const string Source = """
            using System.Collections.Generic;
            using SpoSdk.Api.V1;

            public sealed class Unrelated
            {
                public IList<string> Names { get; set; } = new List<string>();
            }

            public static class Snippet
            {
                public static SeccompProfileSyscall Create() => new SeccompProfileSyscall
                {
                    Names = new List<string> { "read", "openat", "breakpoint", "clock_gettime64" },
                    Action = SeccompAction.ScmpActKill,
                };

                public static Unrelated Other() => new Unrelated { Names = new List<string> { "opnat" } };
            }
            """;

        var diagnostics = await AnalyzerHarness.AnalyzeAsync(new UnknownSyscallAnalyzer(), Source);

        Assert.Empty(diagnostics);
    }
}
