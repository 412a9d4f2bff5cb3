using Verify = SpoSdk.Generators.Tests.Analyzers.SpoAnalyzerTest<SpoSdk.Generators.Analyzers.UnknownSyscallAnalyzer>;

namespace SpoSdk.Generators.Tests.Analyzers;

/// <summary>SPO2002: unknown syscall names in seccomp syscall rules.</summary>
public sealed class UnknownSyscallAnalyzerTests
{
    [Theory]
    [InlineData("new List<string> { \"read\", {|#0:\"opnat\"|} }")]
    [InlineData("new[] { \"read\", {|#0:\"opnat\"|} }")]
    [InlineData("[\"read\", {|#0:\"opnat\"|}]")]
    [InlineData("{ \"read\", {|#0:\"opnat\"|} }")]
    public Task TypoInAnInitializerIsReportedWithASuggestion(string names) => Verify.VerifyAsync(
        $$"""
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
        """,
        Verify.Diagnostic("SPO2002").WithLocation(0).WithArguments("opnat", "; did you mean 'openat'?"));

    [Fact]
    public Task TyposAssignedOrAddedLaterAreReported() => Verify.VerifyAsync(
        """
        using System.Collections.Generic;
        using SpoSdk.Api.V1;

        public static class Snippet
        {
            public static SeccompProfileSyscall Create()
            {
                var rule = new SeccompProfileSyscall();
                rule.Names = new List<string> { {|#0:"closee"|} };
                rule.Names.Add({|#1:"mremp"|});
                rule.Names.Add("mmap");
                return rule;
            }
        }
        """,
        Verify.Diagnostic("SPO2002").WithLocation(0).WithArguments("closee", "; did you mean 'close'?"),
        Verify.Diagnostic("SPO2002").WithLocation(1).WithArguments("mremp", "; did you mean 'mremap'?"));

    [Fact]
    public Task FarOffNameHasNoSuggestion() => Verify.VerifyAsync(
        """
        using System.Collections.Generic;
        using SpoSdk.Api.V1;

        public static class Snippet
        {
            public static SeccompProfileSyscall Create() => new SeccompProfileSyscall { Names = new List<string> { {|#0:"definitely_not_a_syscall"|} } };
        }
        """,
        Verify.Diagnostic("SPO2002").WithLocation(0).WithArguments("definitely_not_a_syscall", string.Empty));

    [Fact]
    public Task KnownNamesAndUnrelatedNamesPropertiesAreSilent() => Verify.VerifyAsync(
        """
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
                // Names from several architectures' tables: x86_64, arm64/arm (breakpoint), 32-bit time64 calls.
                Names = new List<string> { "read", "openat", "breakpoint", "clock_gettime64" },
                Action = SeccompAction.ScmpActKill,
            };

            public static Unrelated Other()
            {
                var other = new Unrelated { Names = new List<string> { "opnat" } };
                other.Names.Add("opnat");
                return other;
            }
        }
        """);
}
