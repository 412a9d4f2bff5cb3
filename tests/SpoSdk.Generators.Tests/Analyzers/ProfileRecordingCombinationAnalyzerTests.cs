using Verify = SpoSdk.Generators.Tests.Analyzers.SpoAnalyzerTest<SpoSdk.Generators.Analyzers.ProfileRecordingCombinationAnalyzer>;

namespace SpoSdk.Generators.Tests.Analyzers;

/// <summary>SPO2003: invalid kind/recorder combinations in ProfileRecording specs.</summary>
public sealed class ProfileRecordingCombinationAnalyzerTests
{
    [Theory]
    [InlineData("ProfileRecordingProfileKind.SelinuxProfile", "ProfileRecordingRecorder.Bpf", "SelinuxProfile", "Bpf", "Logs")]
    [InlineData("ProfileRecordingProfileKind.AppArmorProfile", "ProfileRecordingRecorder.Logs", "AppArmorProfile", "Logs", "Bpf")]
    [InlineData("ProfileRecordingProfileKind.FromValue(\"SelinuxProfile\")", "(ProfileRecordingRecorder)\"Bpf\"", "SelinuxProfile", "Bpf", "Logs")]
    [InlineData("new ProfileRecordingProfileKind(\"AppArmorProfile\")", "ProfileRecordingRecorder.FromValue(\"Logs\")", "AppArmorProfile", "Logs", "Bpf")]
    public Task InvalidCombinationIsAnErrorOnTheRecorder(string kind, string recorder, string kindValue, string recorderValue, string required) => Verify.VerifyAsync(
        $$"""
        using SpoSdk.Api.V1;

        public static class Snippet
        {
            public static ProfileRecordingSpec Create() => new ProfileRecordingSpec
            {
                Kind = {{kind}},
                {|#0:Recorder = {{recorder}}|},
            };
        }
        """,
        Verify.Diagnostic("SPO2003").WithLocation(0).WithArguments(kindValue, recorderValue, required));

    [Theory]
    [InlineData("ProfileRecordingProfileKind.SelinuxProfile", "ProfileRecordingRecorder.Logs")]
    [InlineData("ProfileRecordingProfileKind.AppArmorProfile", "ProfileRecordingRecorder.Bpf")]
    [InlineData("ProfileRecordingProfileKind.SeccompProfile", "ProfileRecordingRecorder.Bpf")]
    [InlineData("ProfileRecordingProfileKind.SeccompProfile", "ProfileRecordingRecorder.Logs")]
    public Task ValidCombinationsAreSilent(string kind, string recorder) => Verify.VerifyAsync(
        $$"""
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
        """);

    [Fact]
    public Task LegacyLowerCaseWireValuesAreCheckedIgnoringCase() => Verify.VerifyAsync(
        """
        #pragma warning disable CS0618 // the legacy types are obsolete on purpose
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
                {|#0:Recorder = ProfileRecordingRecorder.FromValue("logs")|},
            };
        }
        """,
        Verify.Diagnostic("SPO2003").WithLocation(0).WithArguments("AppArmorProfile", "logs", "Bpf"));

    [Fact]
    public Task SpecBuiltInsideTheRecordingWithTargetTypedNewIsChecked() => Verify.VerifyAsync(
        """
        using SpoSdk.Api.V1;

        public static class Snippet
        {
            public static ProfileRecording Create() => new ProfileRecording
            {
                Spec = new()
                {
                    Kind = ProfileRecordingProfileKind.AppArmorProfile,
                    {|#0:Recorder = ProfileRecordingRecorder.Logs|},
                },
            };
        }
        """,
        Verify.Diagnostic("SPO2003").WithLocation(0).WithArguments("AppArmorProfile", "Logs", "Bpf"));

    [Fact]
    public Task KindAndRecorderSetOnALocalSpecAreCheckedTogether() => Verify.VerifyAsync(
        """
        using SpoSdk.Api.V1;

        public static class Snippet
        {
            public static ProfileRecordingSpec Assigned()
            {
                var spec = new ProfileRecordingSpec();
                spec.Kind = ProfileRecordingProfileKind.SelinuxProfile;
                {|#0:spec.Recorder = ProfileRecordingRecorder.Bpf|};
                return spec;
            }

            public static ProfileRecordingSpec KindInTheInitializer()
            {
                var spec = new ProfileRecordingSpec { Kind = ProfileRecordingProfileKind.AppArmorProfile };
                {|#1:spec.Recorder = ProfileRecordingRecorder.Logs|};
                return spec;
            }

            public static ProfileRecordingSpec KindAssignedLater()
            {
                ProfileRecordingSpec spec;
                spec = new ProfileRecordingSpec { {|#2:Recorder = ProfileRecordingRecorder.FromValue("Bpf")|} };
                spec.Kind = ProfileRecordingProfileKind.SelinuxProfile;
                return spec;
            }
        }
        """,
        Verify.Diagnostic("SPO2003").WithLocation(0).WithArguments("SelinuxProfile", "Bpf", "Logs"),
        Verify.Diagnostic("SPO2003").WithLocation(1).WithArguments("AppArmorProfile", "Logs", "Bpf"),
        Verify.Diagnostic("SPO2003").WithLocation(2).WithArguments("SelinuxProfile", "Bpf", "Logs"));

    [Fact]
    public Task ValidOrUndecidableLocalSpecsAreSilent() => Verify.VerifyAsync(
        """
        using SpoSdk.Api.V1;

        public static class Snippet
        {
            public static ProfileRecordingSpec Valid()
            {
                var spec = new ProfileRecordingSpec { Kind = ProfileRecordingProfileKind.SelinuxProfile };
                spec.Recorder = ProfileRecordingRecorder.Logs;
                return spec;
            }

            // Two different kinds on one local: which one holds depends on the branch, so nothing is reported.
            public static ProfileRecordingSpec Branches(bool selinux)
            {
                var spec = new ProfileRecordingSpec();
                if (selinux)
                {
                    spec.Kind = ProfileRecordingProfileKind.SelinuxProfile;
                }
                else
                {
                    spec.Kind = ProfileRecordingProfileKind.SeccompProfile;
                }

                spec.Recorder = ProfileRecordingRecorder.Bpf;
                return spec;
            }

            public static void Other(ProfileRecordingSpec parameter) => parameter.Recorder = ProfileRecordingRecorder.Bpf;
        }
        """);
}
