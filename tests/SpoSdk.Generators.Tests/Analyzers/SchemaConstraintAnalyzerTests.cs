using Verify = SpoSdk.Generators.Tests.Analyzers.SpoAnalyzerTest<SpoSdk.Generators.Analyzers.SchemaConstraintAnalyzer>;

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
    public Task SevenArgumentFiltersAreAnError() => Verify.VerifyAsync(
        $$"""
        using System.Collections.Generic;
        using SpoSdk.Api.V1;

        public static class Snippet
        {
            public static SeccompProfileSyscall Create() => new SeccompProfileSyscall
            {
                Names = new List<string> { "ioctl" },
                Action = SeccompAction.ScmpActErrno,
                {|#0:Args = {{SevenArgs}}|},
            };

            public static SeccompProfileSyscall Added() => new SeccompProfileSyscall
            {
                {|#2:Args = { new SeccompProfileSyscallArg(), new SeccompProfileSyscallArg(), new SeccompProfileSyscallArg(), new SeccompProfileSyscallArg(), new SeccompProfileSyscallArg(), new SeccompProfileSyscallArg(), new SeccompProfileSyscallArg() }|},
            };

            public static void Assign(SeccompProfileSyscall rule) => {|#1:rule.Args = new[] { new SeccompProfileSyscallArg(), new SeccompProfileSyscallArg(), new SeccompProfileSyscallArg(), new SeccompProfileSyscallArg(), new SeccompProfileSyscallArg(), new SeccompProfileSyscallArg(), new SeccompProfileSyscallArg() }|};
        }
        """,
        Verify.Diagnostic("SPO2004").WithLocation(0).WithArguments("A seccomp syscall rule has 7 argument filters; the kernel and the schema allow at most 6"),
        Verify.Diagnostic("SPO2004").WithLocation(1).WithArguments("A seccomp syscall rule has 7 argument filters; the kernel and the schema allow at most 6"),
        Verify.Diagnostic("SPO2004").WithLocation(2).WithArguments("A seccomp syscall rule has 7 argument filters; the kernel and the schema allow at most 6"));

    [Theory]
    [InlineData("SeccompAction.FromValue(\"SCMP_ACT_KIL\")", "SCMP_ACT_KIL")]
    [InlineData("(SeccompAction)\"allow\"", "allow")]
    [InlineData("new SeccompAction(\"SCMP_ACT_NOPE\")", "SCMP_ACT_NOPE")]
    // Same member name (ScmpActKill) but not the schema's spelling: the API server compares exactly.
    [InlineData("SeccompAction.FromValue(\"scmp_act_kill\")", "scmp_act_kill")]
    public Task EnumValueOutsideTheSchemaIsAnError(string action, string value) => Verify.VerifyAsync(
        $$"""
        using SpoSdk.Api.V1;

        public static class Snippet
        {
            public static SeccompProfileSyscall Create()
            {
                var rule = new SeccompProfileSyscall();
                rule.Action = {|#0:{{action}}|};
                return rule;
            }
        }
        """,
        Verify.Diagnostic("SPO2004").WithLocation(0).WithArguments(
            "'" + value + "' is not a value the schema allows for SeccompAction (allowed: SCMP_ACT_KILL, SCMP_ACT_KILL_PROCESS, SCMP_ACT_KILL_THREAD, SCMP_ACT_TRAP, SCMP_ACT_ERRNO, SCMP_ACT_TRACE, SCMP_ACT_ALLOW, SCMP_ACT_LOG, SCMP_ACT_NOTIFY)"));

    [Fact]
    public Task SixArgumentsAndKnownEnumValuesAreSilent() => Verify.VerifyAsync(
        """
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

            public static ProfileRecordingRecorder Recorder(string fromConfig) => ProfileRecordingRecorder.FromValue(fromConfig);
        }
        """);

    [Fact]
    public Task OptionalEnumPropertyWithUnknownLiteralIsReported() => Verify.VerifyAsync(
        """
        using SpoSdk.Api.V1;

        public static class Snippet
        {
            public static void Set(SeccompProfileSpec spec, ProfileRecordingSpec recording)
            {
                spec.State = {|#0:(SeccompProfileSpecState)"bogus"|};
                spec.State = SeccompProfileSpecState.FromValue("Disabled");
                spec.State = null;
                recording.MergeStrategy = {|#1:ProfileRecordingMergeStrategy.FromValue("nope")|};
            }
        }
        """,
        Verify.Diagnostic("SPO2004").WithLocation(0).WithArguments("'bogus' is not a value the schema allows for SeccompProfileSpecState (allowed: Enabled, Disabled)"),
        Verify.Diagnostic("SPO2004").WithLocation(1).WithArguments("'nope' is not a value the schema allows for ProfileRecordingMergeStrategy (allowed: None, Containers)"));
}
