using SpoSdk.Generators.Analyzers;

namespace SpoSdk.Generators.Tests.Analyzers;

/// <summary>SPO2004: too many syscall argument filters, and enum values the schema does not allow.</summary>
public sealed class SchemaConstraintAnalyzerTests
{
    private const string SevenArgs = """
        new List<SeccompProfileSyscallArg>
        {
            new SeccompProfileSyscallArg { Index = 0, Op = SeccompOperator.ScmpCmpEq },
            new SeccompProfileSyscallArg { Index = 1, Op = SeccompOperator.ScmpCmpEq },
            new SeccompProfileSyscallArg { Index = 2, Op = SeccompOperator.ScmpCmpEq },
            new SeccompProfileSyscallArg { Index = 3, Op = SeccompOperator.ScmpCmpEq },
            new SeccompProfileSyscallArg { Index = 4, Op = SeccompOperator.ScmpCmpEq },
            new SeccompProfileSyscallArg { Index = 5, Op = SeccompOperator.ScmpCmpEq },
            new SeccompProfileSyscallArg { Index = 6, Op = SeccompOperator.ScmpCmpEq },
        }
        """;

    [Fact]
    public async Task SevenArgumentFiltersAreAnError()
    {
        var source = $$"""
            using System.Collections.Generic;
            using SpoSdk.Api.V1;

            public static class Snippet
            {
                public static SeccompProfileSyscall Create() => new SeccompProfileSyscall
                {
                    Names = new List<string> { "ioctl" },
                    Action = SeccompAction.ScmpActErrno,
                    Args = {{SevenArgs}},
                };
            }
            """;

        var diagnostic = Assert.Single(await AnalyzerHarness.AnalyzeAsync(new SchemaConstraintAnalyzer(), source));

        Assert.Equal("SPO2004", diagnostic.Id);
        Assert.Contains("7 argument filters", diagnostic.GetMessage(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("SeccompAction.FromValue(\"SCMP_ACT_KIL\")")]
    [InlineData("(SeccompAction)\"allow\"")]
    [InlineData("new SeccompAction(\"SCMP_ACT_NOPE\")")]
    public async Task EnumValueOutsideTheSchemaIsAnError(string action)
    {
        var source = $$"""
            using SpoSdk.Api.V1;

            public static class Snippet
            {
                public static SeccompProfileSyscall Create()
                {
                    var rule = new SeccompProfileSyscall();
                    rule.Action = {{action}};
                    return rule;
                }
            }
            """;

        var diagnostic = Assert.Single(await AnalyzerHarness.AnalyzeAsync(new SchemaConstraintAnalyzer(), source));

        Assert.Equal("SPO2004", diagnostic.Id);
        Assert.Contains("SeccompAction", diagnostic.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SixArgumentsAndKnownEnumValuesAreSilent()
    {
        const string Source = """
            using System.Collections.Generic;
            using SpoSdk.Api.V1;

            public static class Snippet
            {
                public static SeccompProfileSyscall Create() => new SeccompProfileSyscall
                {
                    Names = new List<string> { "ioctl" },
                    Action = SeccompAction.FromValue("SCMP_ACT_ERRNO"),
                    Args = new[]
                    {
                        new SeccompProfileSyscallArg { Index = 0, Op = (SeccompOperator)"SCMP_CMP_EQ" },
                        new SeccompProfileSyscallArg { Index = 1, Op = SeccompOperator.ScmpCmpEq },
                        new SeccompProfileSyscallArg { Index = 2, Op = SeccompOperator.ScmpCmpEq },
                        new SeccompProfileSyscallArg { Index = 3, Op = SeccompOperator.ScmpCmpEq },
                        new SeccompProfileSyscallArg { Index = 4, Op = SeccompOperator.ScmpCmpEq },
                        new SeccompProfileSyscallArg { Index = 5, Op = SeccompOperator.ScmpCmpEq },
                    },
                };
            }
            """;

        Assert.Empty(await AnalyzerHarness.AnalyzeAsync(new SchemaConstraintAnalyzer(), Source));
    }
}
