using SpoSdk.Admission.Recording;
using SpoSdk.Api.Naming;
using SpoSdk.Api.V1;
using SpoSdk.Recording.Recorders;
using SpoSdk.Runtime;
using SpoSdk.Tests.Recording.Logs;

namespace SpoSdk.Tests.Recording;

/// <summary>
/// A recording whose pods run on two nodes: node A runs the manager and a collector, node B only a collector. Each
/// node's finalizer keeps the recording until that node wrote its pods' profiles, so its deletion loses nothing.
/// </summary>
public sealed class MultiNodeRecordingTests
{
    private const string Read = "read";
    private const string Write = "write";
    private static readonly ObjectKey RecordingKey = new(RecordingFixture.Namespace, "rec");

    [Fact]
    public async Task Deleting_a_recording_keeps_what_a_pod_still_running_on_another_node_recorded()
    {
        await using var nodeA = new RecordingFixture(node: "node-a");
        await using var nodeB = new RecordingFixture(backend: nodeA.Backend, reconcileRecordings: false, node: "node-b");
        await StartAsync(nodeA, nodeB);

        await nodeA.Recordings.DeleteAsync(RecordingKey);
        await nodeA.WaitAsync(async () => await nodeA.Recordings.GetAsync(RecordingKey) is null, "the recording is gone");
        await nodeB.EndPodAsync("web-b");
        await nodeB.SettleAsync();
        await nodeA.SettleAsync();

        var profiles = (await nodeA.Seccomp.ListAsync()).Items;
        Assert.Equal([Read, Write], profiles.SelectMany(Syscalls).Distinct().Order(StringComparer.Ordinal));
        Assert.DoesNotContain(profiles, p => p.Metadata.Labels?.ContainsKey(SpoLabels.Partial) == true);
        Assert.Equal([Read, Write], Syscalls(Assert.Single(profiles, p => p.Metadata.Name == "rec-nginx")));
    }

    [Fact]
    public async Task A_recording_kept_by_the_webhook_lock_merges_every_node_and_leaves_no_partial()
    {
        await using var nodeA = new RecordingFixture(node: "node-a");
        await using var nodeB = new RecordingFixture(backend: nodeA.Backend, reconcileRecordings: false, node: "node-b");
        await StartAsync(nodeA, nodeB, SpoFinalizers.ActiveRecordingLock);

        await nodeA.Recordings.DeleteAsync(RecordingKey);
        await nodeB.EndPodAsync("web-b");
        await nodeB.SettleAsync();
        await nodeA.Recordings.UpdateWithRetryAsync(RecordingKey, r => Finalizers.Remove(r, SpoFinalizers.ActiveRecordingLock));
        await nodeA.WaitAsync(async () => await nodeA.Recordings.GetAsync(RecordingKey) is null, "the recording is gone");
        await nodeA.SettleAsync();

        var profiles = (await nodeA.Seccomp.ListAsync()).Items;
        Assert.DoesNotContain(profiles, p => p.Metadata.Labels?.ContainsKey(SpoLabels.Partial) == true);
        Assert.Equal([Read, Write], Syscalls(Assert.Single(profiles, p => p.Metadata.Name == "rec-nginx")));
    }

    [Fact]
    public async Task The_merge_waits_for_every_node_finalizer()
    {
        await using var nodeA = new RecordingFixture(node: "node-a");
        await nodeA.CreateRecordingAsync("rec", merge: ProfileRecordingMergeStrategy.Containers);
        await nodeA.Recordings.UpdateWithRetryAsync(RecordingKey, r => Finalizers.Add(r, RecordingNodeFinalizers.ForNode("node-b")));
        var tokenA = RecordingFixture.Token("rec", "nginx", "aaaaa");
        await nodeA.CreatePodAsync("web-a", null, new Dictionary<string, string> { [RecordingAnnotations.SeccompLogsPrefix + "nginx"] = tokenA });
        Assert.True(nodeA.Record(RecordingFixture.SeccompLine(0), tokenA, pod: "web-a"));
        await nodeA.EndPodAsync("web-a");
        await nodeA.SettleAsync();

        // Node B (which followed a pod of the recording) does not run yet, so its finalizer stays: the deletion waits with the partial unmerged.
        await nodeA.Recordings.DeleteAsync(RecordingKey);
        await nodeA.WaitForRecordingAsync("rec", r => r?.Metadata.DeletionTimestamp is not null);
        await nodeA.SettleAsync();
        var waiting = await nodeA.Recordings.GetAsync(RecordingKey);
        Assert.Equal([RecordingNodeFinalizers.ForNode("node-b"), SpoFinalizers.HasUnmergedProfiles], waiting!.Metadata.Finalizers!.Order(StringComparer.Ordinal));
        Assert.Equal(["rec-nginx-web-a"], (await nodeA.Seccomp.ListAsync()).Items.Select(p => p.Metadata.Name));

        // Node B starts: its recording reconciler removes its finalizer; then the manager merges.
        await using var nodeB = new RecordingFixture(backend: nodeA.Backend, reconcileRecordings: false, node: "node-b");
        await nodeA.WaitAsync(async () => await nodeA.Recordings.GetAsync(RecordingKey) is null, "the recording is gone");
        Assert.Equal([Read], Syscalls(Assert.Single((await nodeA.Seccomp.ListAsync()).Items, p => p.Metadata.Name == "rec-nginx")));
    }

    [Fact]
    public async Task The_finalizer_of_a_node_that_left_the_cluster_does_not_hold_the_recording()
    {
        var gone = RecordingNodeFinalizers.ForNode("node-gone");
        await using var fixture = new RecordingFixture(node: "node-a", nodeFinalizerGone: f => f == gone);
        await fixture.CreateRecordingAsync("rec", merge: ProfileRecordingMergeStrategy.Containers, finalizers: gone);

        await fixture.Recordings.DeleteAsync(RecordingKey);

        await fixture.WaitAsync(async () => await fixture.Recordings.GetAsync(RecordingKey) is null, "the recording is gone");
    }

    [Fact]
    public async Task A_partial_written_after_the_merge_is_merged_into_the_merged_profile()
    {
        await using var fixture = new RecordingFixture(node: "node-a");
        await fixture.CreateRecordingAsync("rec", merge: ProfileRecordingMergeStrategy.Containers, finalizers: SpoFinalizers.ActiveRecordingLock);
        var token = RecordingFixture.Token("rec", "nginx", "aaaaa");
        await fixture.CreatePodAsync("web-a", null, new Dictionary<string, string> { [RecordingAnnotations.SeccompLogsPrefix + "nginx"] = token });
        Assert.True(fixture.Record(RecordingFixture.SeccompLine(0), token, pod: "web-a"));
        await fixture.Recordings.DeleteAsync(RecordingKey);
        await fixture.WaitAsync(async () => (await fixture.Recordings.GetAsync(RecordingKey))?.Metadata.Finalizers is [SpoFinalizers.ActiveRecordingLock], "the first merge is done");
        var first = (await fixture.Seccomp.GetAsync(ObjectKey.Cluster("rec-nginx")))!;
        Assert.Equal([Read], Syscalls(first));

        // A late partial (as a node writes for a pod it first saw once the deletion began).
        var late = new SeccompProfile
        {
            Metadata = new k8s.Models.V1ObjectMeta
            {
                Name = "rec-nginx-late",
                Labels = new Dictionary<string, string>
                {
                    [SpoLabels.RecordingId] = "rec",
                    [SpoLabels.RecordingNamespace] = RecordingFixture.Namespace,
                    [SpoLabels.ContainerId] = "nginx",
                    [SpoLabels.Partial] = "true",
                },
            },
            Spec = new SeccompProfileSpec { DefaultAction = first.Spec.DefaultAction, Syscalls = [new() { Action = first.Spec.Syscalls![0].Action, Names = [Write] }] },
        };
        await fixture.Seccomp.CreateAsync(late);

        await fixture.WaitAsync(async () => await fixture.Seccomp.GetAsync(ObjectKey.Cluster("rec-nginx-late")) is null, "the late partial is merged and deleted");
        Assert.Equal([Read, Write], Syscalls((await fixture.Seccomp.GetAsync(ObjectKey.Cluster("rec-nginx")))!));
    }

    [Fact]
    public void Node_finalizers_are_bounded_deterministic_and_distinct()
    {
        Assert.Equal("node.recording.spo.x-k8s.io/node-a", RecordingNodeFinalizers.ForNode("node-a"));
        var prefix = new string('n', 60);
        var first = RecordingNodeFinalizers.ForNode(prefix + ".one.example.com");
        var second = RecordingNodeFinalizers.ForNode(prefix + ".two.example.com");
        Assert.NotEqual(first, second);
        Assert.Equal(first, RecordingNodeFinalizers.ForNode(prefix + ".one.example.com"));
        Assert.All(new[] { first, second }, f =>
        {
            Assert.True(RecordingNodeFinalizers.IsNodeFinalizer(f));
            Assert.Equal(63, f[RecordingNodeFinalizers.Prefix.Length..].Length);
            Assert.Matches("^[a-z0-9]([-a-z0-9_.]*[a-z0-9])?$", f[RecordingNodeFinalizers.Prefix.Length..]);
        });
        Assert.Equal(63, RecordingNodeFinalizers.ForNode(new string('a', 63))[RecordingNodeFinalizers.Prefix.Length..].Length);
        Assert.False(RecordingNodeFinalizers.IsNodeFinalizer(SpoFinalizers.HasUnmergedProfiles));
    }

    // The recording (mergeStrategy: Containers); web-a on node A recorded read and ended; web-b on node B runs and recorded write.
    private static async Task StartAsync(RecordingFixture nodeA, RecordingFixture nodeB, params string[] finalizers)
    {
        await nodeA.CreateRecordingAsync("rec", merge: ProfileRecordingMergeStrategy.Containers, finalizers: finalizers);
        await nodeB.WaitForRecordingAsync("rec", r => r is not null);
        var tokenA = RecordingFixture.Token("rec", "nginx", "aaaaa");
        var tokenB = RecordingFixture.Token("rec", "nginx", "bbbbb");
        await nodeA.CreatePodAsync("web-a", null, new Dictionary<string, string> { [RecordingAnnotations.SeccompLogsPrefix + "nginx"] = tokenA });
        await nodeB.CreatePodAsync("web-b", null, new Dictionary<string, string> { [RecordingAnnotations.SeccompLogsPrefix + "nginx"] = tokenB });
        Assert.True(nodeA.Record(RecordingFixture.SeccompLine(0), tokenA, pod: "web-a"));
        Assert.True(nodeB.Record(RecordingFixture.SeccompLine(1), tokenB, pod: "web-b"));
        Assert.DoesNotContain(nodeA.Collector.TrackedPods, k => k.Name == "web-b");

        await nodeA.EndPodAsync("web-a");
        await nodeA.WaitAsync(async () => await nodeA.Seccomp.GetAsync(ObjectKey.Cluster("rec-nginx-web-a")) is not null, "web-a's partial exists");
        await nodeB.WaitForRecordingAsync("rec", r => r?.Metadata.Finalizers?.Contains(RecordingNodeFinalizers.ForNode("node-b")) == true);
    }

    private static IEnumerable<string> Syscalls(SeccompProfile profile) =>
        profile.Spec.Syscalls!.SelectMany(r => r.Names).Order(StringComparer.Ordinal);
}
