using Verify = SpoSdk.Generators.Tests.Analyzers.SpoAnalyzerTest<SpoSdk.Generators.Analyzers.LegacyTypeUsageAnalyzer>;
using VerifyFix = SpoSdk.Generators.Tests.Analyzers.SpoCodeFixTest<SpoSdk.Generators.Analyzers.LegacyTypeUsageAnalyzer, SpoSdk.Generators.Analyzers.LegacyTypeUsageCodeFixProvider>;

namespace SpoSdk.Generators.Tests.Analyzers;

/// <summary>SPO2001: legacy-version model types are reported and the fix rewrites them, and their enum values, to v1.</summary>
public sealed class LegacyTypeUsageAnalyzerTests
{
    /// <summary>A generated model assembly of a user's own CRDs: the generator's registry marks it, [SpoWireValue] spells its enums.</summary>
    private const string ContosoModels = """
        namespace Contoso.Models
        {
            [System.CodeDom.Compiler.GeneratedCode("SpoSdk.Generators", "1.0.0")]
            public static class SpoGeneratedKinds { }
        }

        namespace Contoso.Models.V1Alpha2
        {
            [System.CodeDom.Compiler.GeneratedCode("SpoSdk.Generators", "1.0.0")]
            public sealed class Widget { }

            [System.CodeDom.Compiler.GeneratedCode("SpoSdk.Generators", "1.0.0")]
            public readonly struct Mode
            {
                public Mode(string value) => Value = value;

                [SpoSdk.Api.Schema.SpoWireValue("LOGX")]
                public static Mode Logx { get; } = new("LOGX");

                public string Value { get; }
            }
        }

        namespace Contoso.Models.V1
        {
            [System.CodeDom.Compiler.GeneratedCode("SpoSdk.Generators", "1.0.0")]
            public sealed class Widget { }

            [System.CodeDom.Compiler.GeneratedCode("SpoSdk.Generators", "1.0.0")]
            public readonly struct Mode
            {
                public Mode(string value) => Value = value;

                [SpoSdk.Api.Schema.SpoWireValue("logX")]
                public static Mode LogX { get; } = new("logX");

                public string Value { get; }
            }
        }
        """;

    [Fact]
    public Task QualifiedLegacyTypeIsReportedOnceWithTheV1Replacement() => Verify.VerifyAsync(
        """
        public static class Snippet
        {
            public static object Create() => new {|#0:SpoSdk.Api.V1Alpha1.ProfileRecording|}();
        }
        """,
        Verify.Diagnostic("SPO2001").WithLocation(0).WithArguments("ProfileRecording", "v1alpha1", "SpoSdk.Api.V1.ProfileRecording"));

    [Fact]
    public Task LegacyTypesImportedByUsingAreReportedWhereverTheyAreNamed() => Verify.VerifyAsync(
        """
        using SpoSdk.Api.V1Beta1;
        using Legacy = {|SPO2001:SpoSdk.Api.V1Beta1.SeccompProfileSpec|};
        using static {|SPO2001:SpoSdk.Api.V1Beta1.SeccompAction|};

        public static class Snippet
        {
            public static {|SPO2001:SeccompProfile|} Create()
            {
                var profile = new {|SPO2001:SeccompProfile|}();
                profile.Spec = new Legacy { DefaultAction = {|SPO2001:SpoSdk.Api.V1Beta1.SeccompAction|}.ScmpActLog };
                return profile;
            }
        }
        """);

    [Fact]
    public Task LegacyTypesImportedByAGlobalUsingInAnotherFileAreReported() => new Verify
    {
        TestState =
        {
            Sources =
            {
                "global using SpoSdk.Api.V1Alpha1;",
                """
                public static class Snippet
                {
                    public static object Create() => new [|ProfileRecording|]();
                }
                """,
            },
        },
    }.RunAsync();

    [Fact]
    public Task GeneratedLegacyTypesOutsideTheSdkNamespaceAreReported() => Verify.VerifyAsync(
        ContosoModels + """

        public static class Snippet
        {
            public static object Create() => new {|#0:Contoso.Models.V1Alpha2.Widget|}();
        }
        """,
        Verify.Diagnostic("SPO2001").WithLocation(0).WithArguments("Widget", "v1alpha2", "Contoso.Models.V1.Widget"));

    [Fact]
    public Task V1TypesAndUnrelatedVersionNamespacesAreSilent() => Verify.VerifyAsync(
        """
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
                var recording = new SpoSdk.Api.V1.ProfileRecording { Spec = new ProfileRecordingSpec { Recorder = ProfileRecordingRecorder.FromValue("Logs") } };
                object other = new Other.V1Alpha1.NotGenerated();
                return new object[] { profile, recording, other };
            }
        }
        """);

    [Fact]
    public Task CodeFixRewritesTheLegacyTypeToV1() => VerifyFix.VerifyAsync(
        """
        public static class Snippet
        {
            public static object Create() => new [|SpoSdk.Api.V1Alpha1.ProfileRecording|]();
        }
        """,
        """
        public static class Snippet
        {
            public static object Create() => new SpoSdk.Api.V1.ProfileRecording();
        }
        """);

    [Fact]
    public Task CodeFixOnAnImportedNameKeepsTheCodeCompiling() => VerifyFix.VerifyAsync(
        """
        using SpoSdk.Api.V1Alpha1;

        public static class Snippet
        {
            public static object Create() => new [|ProfileRecording|]();
        }
        """,
        """
        using SpoSdk.Api.V1Alpha1;

        public static class Snippet
        {
            public static object Create() => new SpoSdk.Api.V1.ProfileRecording();
        }
        """);

    [Fact]
    public Task CodeFixRenamesEnumValuesWhoseV1SpellingDiffers() => VerifyFix.VerifyAsync(
        """
        public static class Snippet
        {
            public static object[] Values() => new object[]
            {
                [|SpoSdk.Api.V1Alpha1.ProfileRecordingRecorder|].FromValue("logs"),
                [|SpoSdk.Api.V1Alpha1.ProfileRecordingRecorder|].FromValue("bpf"),
                ([|SpoSdk.Api.V1Alpha1.ProfileRecordingMergeStrategy|])"none",
                new [|SpoSdk.Api.V1Alpha1.SpodState|]("PENDING"),
                [|SpoSdk.Api.V1Alpha1.SpodLogEnricherSource|].FromValue("auditd"),
                [|SpoSdk.Api.V1Alpha1.ProfileRecordingRecorder|].Logs,
                [|SpoSdk.Api.V1Alpha1.ProfileRecordingRecorder|].FromValue("not-a-recorder"),
            };
        }
        """,
        """
        public static class Snippet
        {
            public static object[] Values() => new object[]
            {
                SpoSdk.Api.V1.ProfileRecordingRecorder.FromValue("Logs"),
                SpoSdk.Api.V1.ProfileRecordingRecorder.FromValue("Bpf"),
                (SpoSdk.Api.V1.ProfileRecordingMergeStrategy)"None",
                new SpoSdk.Api.V1.SpodState("Pending"),
                SpoSdk.Api.V1.SpodLogEnricherSource.FromValue("Auditd"),
                SpoSdk.Api.V1.ProfileRecordingRecorder.Logs,
                SpoSdk.Api.V1.ProfileRecordingRecorder.FromValue("not-a-recorder"),
            };
        }
        """);

    [Fact]
    public Task CodeFixRenamesAnImportedEnumValueInAnInitializer() => VerifyFix.VerifyAsync(
        """
        using SpoSdk.Api.V1Alpha1;

        public static class Snippet
        {
            public static [|ProfileRecordingSpec|] Create() => new [|ProfileRecordingSpec|]
            {
                Kind = [|ProfileRecordingProfileKind|].SeccompProfile,
                Recorder = [|ProfileRecordingRecorder|].FromValue("logs"),
            };
        }
        """,
        """
        using SpoSdk.Api.V1Alpha1;

        public static class Snippet
        {
            public static SpoSdk.Api.V1.ProfileRecordingSpec Create() => new SpoSdk.Api.V1.ProfileRecordingSpec
            {
                Kind = SpoSdk.Api.V1.ProfileRecordingProfileKind.SeccompProfile,
                Recorder = SpoSdk.Api.V1.ProfileRecordingRecorder.FromValue("Logs"),
            };
        }
        """);

    [Fact]
    public Task CodeFixRenamesAMemberWhoseV1NameDiffers() => VerifyFix.VerifyAsync(
        ContosoModels + """

        public static class Snippet
        {
            public static object Create() => [|Contoso.Models.V1Alpha2.Mode|].Logx;
        }
        """,
        ContosoModels + """

        public static class Snippet
        {
            public static object Create() => Contoso.Models.V1.Mode.LogX;
        }
        """);

    [Fact]
    public Task CodeFixThroughAnAliasRenamesTheValue() => VerifyFix.VerifyAsync(
        """
        using Recorder = [|SpoSdk.Api.V1Alpha1.ProfileRecordingRecorder|];

        public static class Snippet
        {
            public static object Create() => Recorder.FromValue("logs");

            public static object[] More() => new object[] { (Recorder)"bpf", new Recorder("logs"), Recorder.Logs, Recorder.FromValue("not-a-recorder") };
        }
        """,
        """
        using Recorder = SpoSdk.Api.V1.ProfileRecordingRecorder;

        public static class Snippet
        {
            public static object Create() => Recorder.FromValue("Logs");

            public static object[] More() => new object[] { (Recorder)"Bpf", new Recorder("Logs"), Recorder.Logs, Recorder.FromValue("not-a-recorder") };
        }
        """);

    [Fact]
    public Task CodeFixIsNotOfferedOnAGlobalAliasOfAStringEnum()
    {
        // Its uses may be in other files, which the fix cannot reach: the fix of the class alias still applies.
        const string Uses = """
            public static class Snippet
            {
                public static object Create() => Recorder.FromValue("logs");

                public static object Spec() => new Spec();
            }
            """;
        return new VerifyFix
        {
            TestState =
            {
                Sources =
                {
                    "global using Recorder = [|SpoSdk.Api.V1Alpha1.ProfileRecordingRecorder|];\nglobal using Spec = [|SpoSdk.Api.V1Alpha1.ProfileRecordingSpec|];",
                    Uses,
                },
            },
            FixedState =
            {
                Sources =
                {
                    "global using Recorder = SpoSdk.Api.V1Alpha1.ProfileRecordingRecorder;\nglobal using Spec = SpoSdk.Api.V1.ProfileRecordingSpec;",
                    Uses,
                },
                ExpectedDiagnostics = { Verify.Diagnostic("SPO2001").WithSpan(1, 25, 1, 69).WithArguments("ProfileRecordingRecorder", "v1alpha1", "SpoSdk.Api.V1.ProfileRecordingRecorder") },
            },
        }.RunAsync();
    }
}
