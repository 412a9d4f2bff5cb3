using Verify = SpoSdk.Generators.Tests.Analyzers.SpoAnalyzerTest<SpoSdk.Generators.Analyzers.RawSelinuxProfileAnalyzer>;

namespace SpoSdk.Generators.Tests.Analyzers;

/// <summary>SPO2005: creating a RawSelinuxProfile is explained.</summary>
public sealed class RawSelinuxProfileAnalyzerTests
{
    [Fact]
    public Task CreatingARawSelinuxProfileIsInfo() => Verify.VerifyAsync(
        """
        using SpoSdk.Api.V1;

        public static class Snippet
        {
            public static RawSelinuxProfile Create() => {|#0:new RawSelinuxProfile { Spec = new RawSelinuxProfileSpec() }|};

            public static RawSelinuxProfile Qualified() => {|#1:new SpoSdk.Api.V1.RawSelinuxProfile()|};
        }
        """,
        Verify.Diagnostic("SPO2005").WithLocation(0).WithSeverity(Microsoft.CodeAnalysis.DiagnosticSeverity.Info),
        Verify.Diagnostic("SPO2005").WithLocation(1).WithSeverity(Microsoft.CodeAnalysis.DiagnosticSeverity.Info));

    [Fact]
    public Task OtherProfilesAndSameNamedUserTypesAreSilent() => Verify.VerifyAsync(
        """
        using SpoSdk.Api.V1;

        public sealed class RawSelinuxProfile { }

        public static class Snippet
        {
            public static object[] Create() => new object[] { new SelinuxProfile(), new RawSelinuxProfileSpec(), new RawSelinuxProfile() };
        }
        """);
}
