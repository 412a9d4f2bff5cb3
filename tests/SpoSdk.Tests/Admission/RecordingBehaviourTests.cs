using System.Text.Json.Nodes;
using SpoSdk.Admission.Recording;
using SpoSdk.Api.V1;
using SpoSdk.Tests.Admission.Infrastructure;
using static SpoSdk.Tests.Admission.Infrastructure.Reviews;

namespace SpoSdk.Tests.Admission;

/// <summary>The recording webhook's filters, annotation rules and decisions, at handler level.</summary>
public sealed class RecordingBehaviourTests
{
    private readonly FakeAdmissionState _state = new();

    [Theory]
    [InlineData("SeccompProfile", "Logs", "io.containers.trace-logs/")]
    [InlineData("SeccompProfile", "Bpf", "io.containers.trace-bpf/")]
    [InlineData("SelinuxProfile", "Logs", "io.containers.trace-avcs/")]
    [InlineData("AppArmorProfile", "Bpf", "io.containers.trace-bpf-apparmor/")]
    [InlineData("SelinuxProfile", "Bpf", null)]
    [InlineData("AppArmorProfile", "Logs", null)]
    [InlineData("SeccompProfile", "Strace", null)]
    public async Task Kind_and_recorder_pick_the_prefix_or_skip(string kind, string recorder, string? prefix)
    {
        _state.Recordings.Add(NewRecording("rec", new ProfileRecordingProfileKind(kind), new ProfileRecordingRecorder(recorder)));
        var pod = TestPod();

        var result = await RunAsync(Pod("CREATE", pod));

        Assert.Equal(prefix, RecordingAnnotations.PrefixFor(new ProfileRecordingProfileKind(kind), new ProfileRecordingRecorder(recorder)));
        if (prefix is null)
        {
            Assert.Empty(result.Patch);
            Assert.Contains(result.Warnings, w => w.Contains("cannot be recorded", StringComparison.Ordinal));
            Assert.Empty(_state.Added);
        }
        else
        {
            RecordingVectorTests.AssertToken("rec", "container", (string?)result.Apply(pod)["metadata"]!["annotations"]![prefix + "container"]);
            Assert.Single(_state.Added);
        }
    }

    [Fact]
    public async Task Pod_selector_and_container_filter_decide_what_is_recorded()
    {
        _state.Recordings.Add(NewRecording("web", ProfileRecordingProfileKind.SeccompProfile, ProfileRecordingRecorder.Bpf, new() { ["app"] = "web" }, ["nginx", "init"]));
        var recording = NewRecording("expr", ProfileRecordingProfileKind.SeccompProfile, ProfileRecordingRecorder.Bpf);
        recording.Spec.PodSelector.MatchExpressions =
        [
            new ProfileRecordingLabelSelectorRequirement { Key = "tier", Operator = "In", Values = ["front", "back"] },
            new ProfileRecordingLabelSelectorRequirement { Key = "skip", Operator = "DoesNotExist" },
        ];
        _state.Recordings.Add(recording);
        var pod = PodWith([("nginx", "nginx"), ("sidecar", "envoy")], [("init", "busybox")], labels: new JsonObject { ["app"] = "web", ["tier"] = "front" });
        var skipped = PodWith([("nginx", "nginx")], [], labels: new JsonObject { ["app"] = "db", ["tier"] = "front", ["skip"] = "1" });

        var annotations = (await RunAsync(Pod("CREATE", pod))).Apply(pod)["metadata"]!["annotations"]!.AsObject();
        var none = await RunAsync(Pod("CREATE", skipped));

        Assert.Equal(
            ["io.containers.trace-bpf/init", "io.containers.trace-bpf/nginx", "io.containers.trace-bpf/sidecar"],
            annotations.Select(a => a.Key).Order(StringComparer.Ordinal).ToArray());

        // "expr" records all three; "web" (later by name, so its tokens win where both apply) nginx and init.
        Assert.StartsWith("web_nginx_", (string?)annotations["io.containers.trace-bpf/nginx"], StringComparison.Ordinal);
        Assert.StartsWith("web_init_", (string?)annotations["io.containers.trace-bpf/init"], StringComparison.Ordinal);
        Assert.StartsWith("expr_sidecar_", (string?)annotations["io.containers.trace-bpf/sidecar"], StringComparison.Ordinal);
        Assert.Equal(["expr", "web"], _state.Added.Select(a => a.Owner.Name).Order().ToArray());
        Assert.Empty(none.Patch);
    }

    [Fact]
    public async Task Logs_recording_keeps_other_selinux_fields_and_warns_about_what_it_overwrites()
    {
        _state.Recordings.Add(NewRecording("rec", ProfileRecordingProfileKind.SelinuxProfile, ProfileRecordingRecorder.Logs));
        var pod = TestPod();
        FirstContainer(pod)["securityContext"] = new JsonObject { ["privileged"] = true, ["seLinuxOptions"] = new JsonObject { ["type"] = "spc_t", ["level"] = "s0:c1,c2" } };

        var result = await RunAsync(Pod("CREATE", pod));
        var options = result.Apply(pod)["spec"]!["containers"]![0]!["securityContext"]!["seLinuxOptions"]!;

        Assert.Equal("selinuxrecording.process", (string?)options["type"]);
        Assert.Equal("s0:c1,c2", (string?)options["level"]);
        Assert.Equal(["PrivilegedContainer", "SecurityContextAlreadySet"], _state.Events.Select(e => e.Reason).Order().ToArray());
        Assert.Equal(2, result.Warnings.Count);
    }

    [Fact]
    public async Task Recording_names_that_are_not_dns_labels_are_reported()
    {
        _state.Recordings.Add(NewRecording("my.recording", ProfileRecordingProfileKind.SeccompProfile, ProfileRecordingRecorder.Bpf));

        var result = await RunAsync(Pod("CREATE", TestPod()));

        Assert.Single(result.Patch);
        Assert.Equal("NameNotDNSLabel", Assert.Single(_state.Events).Reason);
    }

    [Fact]
    public async Task Every_admission_gets_fresh_tokens()
    {
        _state.Recordings.Add(NewRecording("rec", ProfileRecordingProfileKind.SeccompProfile, ProfileRecordingRecorder.Bpf));
        var pod = TestPod();

        var first = (string?)(await RunAsync(Pod("CREATE", pod))).Apply(pod)["metadata"]!["annotations"]!["io.containers.trace-bpf/container"];
        var second = (string?)(await RunAsync(Pod("CREATE", pod))).Apply(pod)["metadata"]!["annotations"]!["io.containers.trace-bpf/container"];

        Assert.NotEqual(first, second);
        Assert.True(RecordingAnnotations.TryParseToken(first!, out var recording, out var container, out var nonce, out _));
        Assert.Equal(("rec", "container", 5), (recording, container, nonce.Length));
    }

    [Fact]
    public async Task Updates_cannot_change_recording_annotations()
    {
        var old = TestPod();
        old["metadata"]!["annotations"] = new JsonObject { ["io.containers.trace-bpf/container"] = "rec_container_bcdfg_1700000000", ["team"] = "a" };
        var updated = old.DeepClone();
        updated["metadata"]!["annotations"]!["io.containers.trace-bpf/container"] = "victim_container_bcdfg_1700000000";
        updated["metadata"]!["annotations"]!["io.containers.trace-logs/container"] = "victim_container_bcdfg_1700000000";
        updated["metadata"]!["annotations"]!["team"] = "b";

        var result = await RunAsync(Pod("UPDATE", updated, old, name: "pod-x"));
        var annotations = result.Apply(updated)["metadata"]!["annotations"]!.AsObject();
        var plain = await RunAsync(Pod("UPDATE", old, old, name: "pod-x"));

        Assert.True(result.Allowed);
        Assert.Equal("rec_container_bcdfg_1700000000", (string?)annotations["io.containers.trace-bpf/container"]);
        Assert.False(annotations.ContainsKey("io.containers.trace-logs/container"));
        Assert.Equal("b", (string?)annotations["team"]);
        Assert.Single(result.Warnings);
        Assert.Empty(plain.Patch);
        Assert.Empty(_state.Added);
    }

    [Fact]
    public async Task Delete_removes_the_generate_name_entry_only_with_the_last_live_pod()
    {
        _state.Recordings.Add(NewRecording("rec", ProfileRecordingProfileKind.SeccompProfile, ProfileRecordingRecorder.Bpf, activeWorkloads: ["web-"]));
        _state.LivePods.Add((Namespace, "web-", "web-aaaaa"));
        _state.LivePods.Add((Namespace, "web-", "web-bbbbb"));

        await RunAsync(Pod("DELETE", null, PodWith([("c", "x")], [], generateName: "web-", name: "web-aaaaa"), name: "web-aaaaa"));
        _state.LivePods.Remove((Namespace, "web-", "web-aaaaa"));
        await RunAsync(Pod("DELETE", null, PodWith([("c", "x")], [], generateName: "web-", name: "web-bbbbb"), name: "web-bbbbb"));

        Assert.Equal(["web-aaaaa"], _state.Removed[0].Workloads);
        Assert.Equal(["web-bbbbb", "web-"], _state.Removed[1].Workloads);
    }

    [Fact]
    public async Task Namespace_opt_in_can_be_checked_in_the_handler()
    {
        _state.Recordings.Add(NewRecording("rec", ProfileRecordingProfileKind.SeccompProfile, ProfileRecordingRecorder.Bpf));
        var webhook = new ProfileRecordingWebhook(_state, _state, new ProfileRecordingWebhookOptions { RequireNamespaceLabel = true });

        var unlabelled = await InProcess.RunAsync(webhook, Pod("CREATE", TestPod()));
        _state.NamespaceLabels[Namespace] = new() { ["spo.x-k8s.io/enable-recording"] = "true" };
        var labelled = await InProcess.RunAsync(webhook, Pod("CREATE", TestPod()));

        Assert.Empty(unlabelled.Patch);
        Assert.Single(labelled.Patch);
    }

    [Theory]
    [InlineData("In", new string[0])]
    [InlineData("NotIn", new string[0])]
    [InlineData("Exists", new[] { "x" })]
    [InlineData("DoesNotExist", new[] { "x" })]
    [InlineData("in", new[] { "x" })]
    [InlineData("", new[] { "x" })]
    public void Invalid_selectors_are_refused_like_apimachinery_does(string op, string[] values)
    {
        var selector = new ProfileRecordingLabelSelector { MatchExpressions = [new ProfileRecordingLabelSelectorRequirement { Key = "app", Operator = op, Values = values }] };

        Assert.False(PodLabelSelector.TryCreate(selector, out _, out var error));
        Assert.NotEmpty(error);
    }

    [Fact]
    public void An_empty_selector_matches_every_pod_and_not_in_matches_a_missing_label()
    {
        Assert.True(PodLabelSelector.TryCreate(new ProfileRecordingLabelSelector(), out var all, out _));
        Assert.True(all.Matches(new Dictionary<string, string>()));
        var notIn = new ProfileRecordingLabelSelector { MatchExpressions = [new ProfileRecordingLabelSelectorRequirement { Key = "env", Operator = "NotIn", Values = ["prod"] }] };
        Assert.True(PodLabelSelector.TryCreate(notIn, out var matcher, out _));
        Assert.True(matcher.Matches(new Dictionary<string, string>()));
        Assert.False(matcher.Matches(new Dictionary<string, string> { ["env"] = "prod" }));
    }

    private Task<ReviewResult> RunAsync(string review) => InProcess.RunAsync(new ProfileRecordingWebhook(_state, _state), review);
}
