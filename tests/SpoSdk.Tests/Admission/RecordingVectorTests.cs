using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using SpoSdk.Admission;
using SpoSdk.Admission.State;
using SpoSdk.Api.V1;
using SpoSdk.Tests.Admission.Infrastructure;
using static SpoSdk.Tests.Admission.Infrastructure.Reviews;

namespace SpoSdk.Tests.Admission;

/// <summary>Upstream's <c>recording_test.go TestHandle</c> vectors R1–R14 (test-vectors.md §1.10) over HTTPS.</summary>
public sealed partial class RecordingVectorTests
{
    private const string Path = SpoWebhooks.RecordingPath;

    [Fact]
    public async Task R1_no_recordings_leaves_the_pod_unchanged()
    {
        await using var server = await WebhookServer.StartAsync(new FakeAdmissionState());

        var result = await server.PostAsync(Path, Pod("CREATE", TestPod()));

        Assert.True(result.Allowed);
        Assert.Equal(200, result.Code);
        Assert.Equal("pod unchanged", result.Message);
        Assert.Empty(result.Patch);
    }

    [Fact]
    public async Task R2_list_error_refuses_with_500()
    {
        await using var server = await WebhookServer.StartAsync(new FakeAdmissionState { ListError = new InvalidOperationException("no list") });

        var result = await server.PostAsync(Path, Pod("CREATE", TestPod()));

        Assert.False(result.Allowed);
        Assert.Equal(500, result.Code);
    }

    [Fact]
    public async Task R3_decode_error_gets_400()
    {
        await using var server = await WebhookServer.StartAsync(new FakeAdmissionState());

        var result = await server.PostAsync(Path, Pod("CREATE", new JsonObject { ["spec"] = new JsonObject { ["containers"] = "nginx" } }));

        Assert.False(result.Allowed);
        Assert.Equal(400, result.Code);
    }

    [Fact]
    public async Task R4_selinux_logs_recording_sets_the_recording_type_and_the_annotation()
    {
        var state = new FakeAdmissionState();
        state.Recordings.Add(NewRecording("test-recording", ProfileRecordingProfileKind.SelinuxProfile, ProfileRecordingRecorder.Logs));
        await using var server = await WebhookServer.StartAsync(state);
        var pod = TestPod();

        var result = await server.PostAsync(Path, Pod("CREATE", pod));

        Assert.True(result.Allowed);
        Assert.Equal(2, result.Patch.Count);
        var patched = result.Apply(pod);
        Assert.Equal("selinuxrecording.process", (string?)patched["spec"]!["containers"]![0]!["securityContext"]!["seLinuxOptions"]!["type"]);
        AssertToken("test-recording", "container", (string?)patched["metadata"]!["annotations"]!["io.containers.trace-avcs/container"]);
        var added = Assert.Single(state.Added);
        Assert.Equal((WorkloadOwnerKind.ProfileRecording, "test-recording", "pod-"), (added.Kind, added.Owner.Name, added.Workload));
    }

    [Fact]
    public async Task R5_seccomp_bpf_recording_only_annotates()
    {
        var state = new FakeAdmissionState();
        state.Recordings.Add(NewRecording("test-recording", ProfileRecordingProfileKind.SeccompProfile, ProfileRecordingRecorder.Bpf));
        await using var server = await WebhookServer.StartAsync(state);
        var pod = TestPod();

        var result = await server.PostAsync(Path, Pod("CREATE", pod));

        var op = Assert.Single(result.Patch);
        Assert.Equal("/metadata/annotations", (string?)op!["path"]);
        AssertToken("test-recording", "container", (string?)result.Apply(pod)["metadata"]!["annotations"]!["io.containers.trace-bpf/container"]);
    }

    [Fact]
    public async Task R6_unknown_kind_is_skipped()
    {
        var state = new FakeAdmissionState();
        state.Recordings.Add(NewRecording("test-recording", new ProfileRecordingProfileKind("OtherProfile"), ProfileRecordingRecorder.Bpf));
        await using var server = await WebhookServer.StartAsync(state);

        var result = await server.PostAsync(Path, Pod("CREATE", TestPod()));

        Assert.True(result.Allowed);
        Assert.Empty(result.Patch);
        Assert.Empty(state.Added);
    }

    [Fact]
    public async Task R7_recording_gone_before_the_bookkeeping_still_annotates()
    {
        // The bookkeeping reads the recording fresh; ClusterAdmissionState treats NotFound as nothing
        // to do (see ClusterAdmissionStateTests), so the pod is still marked.
        var state = new FakeAdmissionState();
        state.Recordings.Add(NewRecording("test-recording", ProfileRecordingProfileKind.SeccompProfile, ProfileRecordingRecorder.Bpf));
        await using var server = await WebhookServer.StartAsync(state);

        var result = await server.PostAsync(Path, Pod("CREATE", TestPod()));

        Assert.True(result.Allowed);
        Assert.Single(result.Patch);
    }

    [Fact]
    public async Task R8_invalid_selector_is_skipped_with_a_warning_instead_of_refusing_the_namespace()
    {
        var state = new FakeAdmissionState();
        var recording = NewRecording("test-recording", ProfileRecordingProfileKind.SeccompProfile, ProfileRecordingRecorder.Bpf);
        recording.Spec.PodSelector.MatchExpressions = [new ProfileRecordingLabelSelectorRequirement { Key = "app", Operator = "Matches", Values = ["x"] }];
        state.Recordings.Add(recording);
        await using var server = await WebhookServer.StartAsync(state);

        var result = await server.PostAsync(Path, Pod("CREATE", TestPod()));

        Assert.True(result.Allowed);
        Assert.Empty(result.Patch);
        Assert.Contains(result.Warnings, w => w.Contains("invalid podSelector", StringComparison.Ordinal));
    }

    [Fact]
    public async Task R9_bookkeeping_failure_on_create_refuses_with_500()
    {
        var state = new FakeAdmissionState { AddError = new InvalidOperationException("update failed") };
        state.Recordings.Add(NewRecording("test-recording", ProfileRecordingProfileKind.SeccompProfile, ProfileRecordingRecorder.Bpf));
        await using var server = await WebhookServer.StartAsync(state);

        var result = await server.PostAsync(Path, Pod("CREATE", TestPod()));

        Assert.False(result.Allowed);
        Assert.Equal(500, result.Code);
    }

    [Fact]
    public async Task R10_a_spoofed_annotation_is_overwritten_and_the_trace_profile_path_exists()
    {
        var state = new FakeAdmissionState();
        state.Recordings.Add(NewRecording("test-recording", ProfileRecordingProfileKind.SeccompProfile, ProfileRecordingRecorder.Logs));
        await using var server = await WebhookServer.StartAsync(state);
        var pod = TestPod();
        pod["metadata"]!["annotations"] = new JsonObject { ["io.containers.trace-logs/container"] = "my-little-profile-recording-container-0-1661693966" };
        pod["spec"]!["securityContext"] = new JsonObject { ["seccompProfile"] = new JsonObject { ["type"] = "Localhost", ["localhostProfile"] = "operator//log-enricher-trace.json" } };

        var result = await server.PostAsync(Path, Pod("CREATE", pod));

        Assert.True(result.Allowed);
        var patched = result.Apply(pod);
        AssertToken("test-recording", "container", (string?)patched["metadata"]!["annotations"]!["io.containers.trace-logs/container"]);

        // #2904: the cluster-scoped log-enricher-trace profile lives at operator/log-enricher-trace.json.
        var seccomp = patched["spec"]!["containers"]![0]!["securityContext"]!["seccompProfile"]!;
        Assert.Equal("Localhost", (string?)seccomp["type"]);
        Assert.Equal("operator/log-enricher-trace.json", (string?)seccomp["localhostProfile"]);
        Assert.Equal(new Api.Naming.NodePaths().SeccompLocalhostProfile("log-enricher-trace"), (string?)seccomp["localhostProfile"]);
    }

    [Fact]
    public async Task R11_delete_removes_the_pod_from_the_recording()
    {
        var state = new FakeAdmissionState();
        state.Recordings.Add(NewRecording("test-recording", ProfileRecordingProfileKind.SeccompProfile, ProfileRecordingRecorder.Bpf, activeWorkloads: ["1", "2", "3"]));
        await using var server = await WebhookServer.StartAsync(state);

        var result = await server.PostAsync(Path, Pod("DELETE", null, TestPod(), name: "1"));

        Assert.True(result.Allowed);
        var removed = Assert.Single(state.Removed);
        Assert.Equal(["1"], removed.Workloads);
    }

    [Fact]
    public async Task R12_R13_bookkeeping_failure_on_delete_is_a_warning_by_default_and_500_when_asked()
    {
        var state = new FakeAdmissionState { RemoveError = new InvalidOperationException("update failed") };
        state.Recordings.Add(NewRecording("test-recording", ProfileRecordingProfileKind.SeccompProfile, ProfileRecordingRecorder.Bpf, activeWorkloads: ["1", "2", "3"]));
        var review = Pod("DELETE", null, TestPod(), name: "1");

        await using (var server = await WebhookServer.StartAsync(state))
        {
            var result = await server.PostAsync(Path, review);
            Assert.True(result.Allowed);
            Assert.Contains(result.Warnings, w => w.Contains("update failed", StringComparison.Ordinal));
        }

        await using (var upstream = await WebhookServer.StartAsync(state, o => o.Recording = o.Recording with { DeleteBookkeepingFailure = BookkeepingFailurePolicy.Deny }))
        {
            var result = await upstream.PostAsync(Path, review);
            Assert.False(result.Allowed);
            Assert.Equal(500, result.Code);
        }
    }

    [Fact]
    public async Task R14_apparmor_bpf_recording_annotates()
    {
        var state = new FakeAdmissionState();
        state.Recordings.Add(NewRecording("test-recording", ProfileRecordingProfileKind.AppArmorProfile, ProfileRecordingRecorder.Bpf));
        await using var server = await WebhookServer.StartAsync(state);
        var pod = TestPod();

        var result = await server.PostAsync(Path, Pod("CREATE", pod));

        Assert.True(result.Allowed);
        AssertToken("test-recording", "container", (string?)result.Apply(pod)["metadata"]!["annotations"]!["io.containers.trace-bpf-apparmor/container"]);
    }

    internal static void AssertToken(string recording, string container, string? token)
    {
        Assert.NotNull(token);
        Assert.Matches(TokenPattern(), token);
        Assert.StartsWith(recording + "_" + container + "_", token, StringComparison.Ordinal);
        var seconds = long.Parse(token.Split('_')[3], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(seconds, DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 60, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1);
    }

    [GeneratedRegex("^[a-z0-9-]+_[a-z0-9-]+_[bcdfghjklmnpqrstvwxz2456789]{5}_[0-9]+$")]
    private static partial Regex TokenPattern();
}
