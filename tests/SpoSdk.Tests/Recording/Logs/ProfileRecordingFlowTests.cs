using k8s.Models;
using SpoSdk.Admission.Recording;
using SpoSdk.Api.Naming;
using SpoSdk.Api.Serialization;
using SpoSdk.Api.V1;
using SpoSdk.Recording.Logs;
using SpoSdk.Recording.Recorders;
using SpoSdk.Runtime;

namespace SpoSdk.Tests.Recording.Logs;

/// <summary>Recording through pods, the collector and the ProfileRecording reconciler on the in-memory cluster.</summary>
public sealed class ProfileRecordingFlowTests
{
    private static Dictionary<string, string> Annotate(string prefix, string recording, params string[] containers) =>
        containers.ToDictionary(c => prefix + c, c => RecordingFixture.Token(recording, c));

    [Fact]
    public async Task EndedBarePodGivesRecordingDashContainerWithTheRecordingLabels()
    {
        await using var fixture = new RecordingFixture();
        await fixture.CreateRecordingAsync("test-recording");
        await fixture.CreatePodAsync("pod", null, Annotate(RecordingAnnotations.SeccompLogsPrefix, "test-recording", "nginx", "redis"));
        fixture.Record(RecordingFixture.SeccompLine(50), RecordingFixture.Token("test-recording", "nginx"));
        fixture.Record(RecordingFixture.SeccompLine(232), RecordingFixture.Token("test-recording", "redis"), container: "redis");

        await fixture.EndPodAsync("pod");
        await fixture.SettleAsync();

        var nginx = await fixture.Seccomp.GetAsync(ObjectKey.Cluster("test-recording-nginx"));
        Assert.NotNull(nginx);
        Assert.Equal(["listen"], nginx.Spec.Syscalls![0].Names);
        Assert.Equal(
            new Dictionary<string, string>
            {
                [SpoLabels.ContainerId] = "nginx",
                [SpoLabels.RecordingId] = "test-recording",
                [SpoLabels.RecordingNamespace] = RecordingFixture.Namespace,
            },
            nginx.Metadata.Labels);
        Assert.Equal(SeccompProfileSpecState.Enabled, nginx.Spec.State);
        var redis = await fixture.Seccomp.GetAsync(ObjectKey.Cluster("test-recording-redis"));
        Assert.Equal(["epoll_wait"], redis!.Spec.Syscalls![0].Names);
        Assert.Equal(2, (await fixture.EventsAsync(RecordingEventReasons.ProfileCreated)).Count);
        Assert.Empty(fixture.Collector.TrackedPods);
        Assert.Equal(0, fixture.Recorder.ContainerCount);
    }

    // A StatefulSet replaces web-0 under the same name; the collector only runs once the new pod is there. The pod it
    // followed has ended: its profile is written then, and the new pod is followed from there on.
    [Fact]
    public async Task A_pod_replaced_under_the_same_name_before_the_collector_ran_loses_nothing()
    {
        await using var fixture = new RecordingFixture(runPodController: false);
        await fixture.CreateRecordingAsync("rec");
        var key = new ObjectKey(RecordingFixture.Namespace, "web-0");
        var first = RecordingFixture.Token("rec", "app", "bbbbb");
        var second = RecordingFixture.Token("rec", "app", "ccccc");
        async Task CreateAsync(string token)
        {
            await fixture.Pods.CreateAsync(new V1Pod
            {
                Metadata = new V1ObjectMeta { Name = "web-0", NamespaceProperty = RecordingFixture.Namespace, Annotations = new Dictionary<string, string> { [RecordingAnnotations.SeccompLogsPrefix + "app"] = token } },
                Spec = new V1PodSpec { Containers = [new V1Container { Name = "app", Image = "app" }] },
                Status = new V1PodStatus { Phase = "Running" },
            });
            await fixture.WaitForPodAsync("web-0", p => p.Metadata.Annotations.Values.Contains(token));
            await fixture.Collector.ReconcileAsync(key, CancellationToken.None);
        }

        await CreateAsync(first);
        Assert.True(fixture.Record(RecordingFixture.SeccompLine(0), first, pod: "web-0", container: "app"));
        await fixture.Pods.DeleteAsync(key);
        await CreateAsync(second);
        Assert.True(fixture.Record(RecordingFixture.SeccompLine(1), second, pod: "web-0", container: "app"));

        Assert.Equal(["read"], (await fixture.Seccomp.GetAsync(ObjectKey.Cluster("rec-app")))!.Spec.Syscalls!.SelectMany(r => r.Names));
        await fixture.EndPodAsync("web-0");
        await fixture.WaitForPodAsync("web-0", p => p.Status.Phase == "Succeeded");
        await fixture.Collector.ReconcileAsync(key, CancellationToken.None);

        Assert.Contains("write", (await fixture.Seccomp.GetAsync(ObjectKey.Cluster("rec-app")))!.Spec.Syscalls!.SelectMany(r => r.Names));
        Assert.Empty(fixture.Collector.TrackedPods);
        Assert.Equal(0, fixture.Recorder.ContainerCount);
    }

    [Fact]
    public async Task DeploymentReplicasGetOneProfileEachWhenThePodsAreDeleted()
    {
        await using var fixture = new RecordingFixture();
        await fixture.CreateRecordingAsync("rec");
        foreach (var suffix in new[] { "x2x9q", "b4c5d" })
        {
            var token = RecordingFixture.Token("rec", "nginx", suffix[..5]);
            await fixture.CreatePodAsync("web-7d9f8c6b5-" + suffix, "web-7d9f8c6b5-", new Dictionary<string, string> { [RecordingAnnotations.SeccompLogsPrefix + "nginx"] = token });
            fixture.Record(RecordingFixture.SeccompLine(suffix == "x2x9q" ? 0 : 1), token, pod: "web-7d9f8c6b5-" + suffix);
            await fixture.Pods.DeleteAsync(new ObjectKey(RecordingFixture.Namespace, "web-7d9f8c6b5-" + suffix));
        }

        await fixture.SettleAsync();

        Assert.Equal(["read"], (await fixture.Seccomp.GetAsync(ObjectKey.Cluster("rec-nginx-x2x9q")))!.Spec.Syscalls![0].Names);
        Assert.Equal(["write"], (await fixture.Seccomp.GetAsync(ObjectKey.Cluster("rec-nginx-b4c5d")))!.Spec.Syscalls![0].Names);
        Assert.Null(await fixture.Seccomp.GetAsync(ObjectKey.Cluster("rec-nginx")));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ContainersStrategyWritesPartialsAndMergesThemWhenTheRecordingIsDeleted(bool disable)
    {
        await using var fixture = new RecordingFixture();
        await fixture.CreateRecordingAsync("test-profile-merging", merge: ProfileRecordingMergeStrategy.Containers, disable: disable);
        var pods = new[] { ("deploy-abc12", new[] { 0, 1 }), ("deploy-def34", new[] { 0, 133 }) };
        foreach (var (name, syscalls) in pods)
        {
            var annotations = new Dictionary<string, string>
            {
                [RecordingAnnotations.SeccompLogsPrefix + "nginx"] = RecordingFixture.Token("test-profile-merging", "nginx", name[^5..]),
                [RecordingAnnotations.SeccompLogsPrefix + "redis"] = RecordingFixture.Token("test-profile-merging", "redis", name[^5..]),
            };
            await fixture.CreatePodAsync(name, "deploy-", annotations);
            foreach (var number in syscalls)
            {
                fixture.Record(RecordingFixture.SeccompLine(number), annotations[RecordingAnnotations.SeccompLogsPrefix + "nginx"], pod: name);
            }

            fixture.Record(RecordingFixture.SeccompLine(232), annotations[RecordingAnnotations.SeccompLogsPrefix + "redis"], pod: name, container: "redis");
            await fixture.EndPodAsync(name);
        }

        await fixture.SettleAsync();
        var partials = (await fixture.Seccomp.ListAsync(options: new SpoSdk.Runtime.Backends.ListOptions(SpoLabels.Partial + "=true"))).Items;
        Assert.Equal(["test-profile-merging-nginx-abc12", "test-profile-merging-nginx-def34", "test-profile-merging-redis-abc12", "test-profile-merging-redis-def34"], partials.Select(p => p.Metadata.Name).Order(StringComparer.Ordinal));
        Assert.All(partials, p => Assert.Equal(disable ? SeccompProfileSpecState.Disabled : SeccompProfileSpecState.Enabled, p.Spec.State));
        Assert.Equal(["mknod", "read"], partials.Single(p => p.Metadata.Name.EndsWith("nginx-def34", StringComparison.Ordinal)).Spec.Syscalls![0].Names);
        var recording = await fixture.Recordings.GetAsync(new ObjectKey(RecordingFixture.Namespace, "test-profile-merging"));
        Assert.Contains(SpoFinalizers.HasUnmergedProfiles, recording!.Metadata.Finalizers!);

        await fixture.Recordings.DeleteAsync(ObjectKey.Of(recording));
        await fixture.WaitAsync(async () => await fixture.Recordings.GetAsync(ObjectKey.Of(recording)) is null, "the recording is gone");
        await fixture.SettleAsync();

        var all = (await fixture.Seccomp.ListAsync()).Items;
        Assert.Equal(["test-profile-merging-nginx", "test-profile-merging-redis"], all.Select(p => p.Metadata.Name).Order(StringComparer.Ordinal));
        var nginx = all.Single(p => p.Metadata.Name == "test-profile-merging-nginx");
        Assert.Equal(["mknod", "read", "write"], nginx.Spec.Syscalls!.SelectMany(s => s.Names));
        Assert.All(nginx.Spec.Syscalls!, s => Assert.Equal(SeccompAction.ScmpActAllow, s.Action));
        Assert.Equal(
            new Dictionary<string, string> { [SpoLabels.RecordingId] = "test-profile-merging", [SpoLabels.RecordingNamespace] = RecordingFixture.Namespace },
            nginx.Metadata.Labels);
        Assert.All(all, p => Assert.Equal(disable ? SeccompProfileSpecState.Disabled : SeccompProfileSpecState.Enabled, p.Spec.State));
        Assert.Equal(2, (await fixture.EventsAsync(RecordingEventReasons.ProfilesMerged)).Count);
    }

    // The collector read the recording from its cache before the deletion: the fresh read takes no new finalizer (the API
    // server would refuse it with 422) and the partial is still written, instead of the collection failing.
    [Fact]
    public async Task A_partial_collected_for_a_recording_deleted_since_the_cache_was_read_is_written_without_a_new_finalizer()
    {
        await using var fixture = new RecordingFixture(reconcileRecordings: false);
        await fixture.CreateRecordingAsync("rec", merge: ProfileRecordingMergeStrategy.Containers, finalizers: ["example.com/hold"]);
        var annotations = Annotate(RecordingAnnotations.SeccompLogsPrefix, "rec", "nginx");
        await fixture.CreatePodAsync("pod", null, annotations);
        fixture.Record(RecordingFixture.SeccompLine(0), annotations[RecordingAnnotations.SeccompLogsPrefix + "nginx"]);
        var key = new ObjectKey(RecordingFixture.Namespace, "rec");

        // The earlier partials were merged (the merge finalizer went), then the cache stops following and the recording is deleted.
        await fixture.Recordings.UpdateWithRetryAsync(key, r => Finalizers.Remove(r, SpoFinalizers.HasUnmergedProfiles));
        await fixture.WaitForRecordingAsync("rec", r => r is not null && !Finalizers.Contains(r, SpoFinalizers.HasUnmergedProfiles) && Finalizers.Contains(r, fixture.Collector.NodeFinalizer));
        await fixture.RecordingCache.DisposeAsync();
        await fixture.Recordings.DeleteAsync(key);
        var cached = fixture.RecordingCache.Get(key)!;
        Assert.Null(cached.Metadata.DeletionTimestamp);

        await fixture.Collector.FlushRecordingAsync(cached);

        var stored = (await fixture.Recordings.GetAsync(key))!;
        Assert.DoesNotContain(SpoFinalizers.HasUnmergedProfiles, stored.Metadata.Finalizers);
        Assert.Equal(["rec-nginx-pod"], (await fixture.Seccomp.ListAsync()).Items.Select(p => p.Metadata.Name));
    }

    [Fact]
    public async Task MergeNeverOverwritesAForeignProfileOfTheMergedName()
    {
        await using var fixture = new RecordingFixture();
        var foreign = await fixture.Seccomp.CreateAsync(new SeccompProfile
        {
            Metadata = new V1ObjectMeta { Name = "rec-nginx", Labels = new Dictionary<string, string> { ["team"] = "web" } },
            Spec = new SeccompProfileSpec { DefaultAction = SeccompAction.ScmpActLog },
        });
        await fixture.CreateRecordingAsync("rec", merge: ProfileRecordingMergeStrategy.Containers);
        var token = RecordingFixture.Token("rec", "nginx");
        await fixture.CreatePodAsync("fixed", null, new Dictionary<string, string> { [RecordingAnnotations.SeccompLogsPrefix + "nginx"] = token });
        fixture.Record(RecordingFixture.SeccompLine(0), token, pod: "fixed");
        await fixture.EndPodAsync("fixed");
        await fixture.SettleAsync();
        Assert.NotNull(await fixture.Seccomp.GetAsync(ObjectKey.Cluster("rec-nginx-fixed")));

        await fixture.Recordings.DeleteAsync(new ObjectKey(RecordingFixture.Namespace, "rec"));
        await fixture.WaitAsync(async () => await fixture.Recordings.GetAsync(new ObjectKey(RecordingFixture.Namespace, "rec")) is null, "the recording is gone");
        await fixture.SettleAsync();

        var untouched = await fixture.Seccomp.GetAsync(ObjectKey.Cluster("rec-nginx"));
        Assert.Equal(foreign.Metadata.ResourceVersion, untouched!.Metadata.ResourceVersion);
        var expected = RecordedProfileNames.Candidates("rec-nginx", RecordingFixture.Namespace, "rec", "nginx").ElementAt(1);
        var merged = await fixture.Seccomp.GetAsync(ObjectKey.Cluster(expected));
        Assert.Equal(["read"], merged!.Spec.Syscalls![0].Names);
        Assert.Equal("rec", merged.Metadata.Labels![SpoLabels.RecordingId]);
        var warning = Assert.Single(await fixture.EventsAsync(RecordingEventReasons.ProfileNameTaken));
        Assert.Contains(expected, warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeletingARecordingFlushesRunningPodsAndStopsRecordingIt()
    {
        await using var fixture = new RecordingFixture();

        // The webhook's lock keeps the recording while its pod runs.
        await fixture.CreateRecordingAsync("rec", finalizers: SpoFinalizers.ActiveRecordingLock);
        var token = RecordingFixture.Token("rec", "nginx");
        await fixture.CreatePodAsync("running", null, new Dictionary<string, string> { [RecordingAnnotations.SeccompLogsPrefix + "nginx"] = token });
        fixture.Record(RecordingFixture.SeccompLine(0), token, pod: "running");

        await fixture.Recordings.DeleteAsync(new ObjectKey(RecordingFixture.Namespace, "rec"));
        await fixture.WaitAsync(async () => await fixture.Seccomp.GetAsync(ObjectKey.Cluster("rec-nginx")) is not null, "the running pod's profile is flushed");
        await fixture.WaitAsync(() => Task.FromResult(!fixture.Record(RecordingFixture.SeccompLine(1), RecordingFixture.Token("rec", "probe"), container: "probe")), "the deleted recording stops recording");
        Assert.False(fixture.Record(RecordingFixture.SeccompLine(1), token, pod: "running"));

        await fixture.EndPodAsync("running");
        await fixture.SettleAsync();
        Assert.Equal(["read"], (await fixture.Seccomp.GetAsync(ObjectKey.Cluster("rec-nginx")))!.Spec.Syscalls![0].Names);
        Assert.Empty(fixture.Collector.TrackedPods);
    }

    [Fact]
    public async Task SelinuxRecordingFromAvcsWritesTheAllowMapProfile()
    {
        await using var fixture = new RecordingFixture();
        await fixture.CreateRecordingAsync("test-selinux-recording", ProfileRecordingProfileKind.SelinuxProfile);
        var token = RecordingFixture.Token("test-selinux-recording", "nginx");
        await fixture.CreatePodAsync("pod", null, new Dictionary<string, string> { [RecordingAnnotations.SelinuxLogsPrefix + "nginx"] = token });
        fixture.Record(RecordingFixture.AvcLine("name_bind", "system_u:object_r:http_cache_port_t:s0", "tcp_socket"), token);
        await fixture.Pods.DeleteAsync(new ObjectKey(RecordingFixture.Namespace, "pod"));
        await fixture.SettleAsync();

        var profile = await fixture.Selinux.GetAsync(ObjectKey.Cluster("test-selinux-recording-nginx"));
        Assert.Equal(["name_bind"], profile!.Spec!.Allow!["http_cache_port_t"]["tcp_socket"]);
        Assert.Equal("container", profile.Spec.Inherit![0].Name);
    }

    [Fact]
    public async Task BpfRecordingGetsOneWarningEventSayingTheRecorderIsNotAvailable()
    {
        await using var fixture = new RecordingFixture();
        var recording = await fixture.CreateRecordingAsync("bpf-rec", recorder: ProfileRecordingRecorder.Bpf);
        await fixture.SettleAsync();
        await fixture.Recordings.UpdateWithRetryAsync(ObjectKey.Of(recording), r =>
        {
            r.Metadata.Labels = new Dictionary<string, string> { ["touched"] = "yes" };
            return true;
        });
        await fixture.SettleAsync();

        var warning = Assert.Single(await fixture.EventsAsync(RecordingEventReasons.RecorderUnavailable));
        Assert.Equal("Warning", warning.Type);
        Assert.Equal(1, warning.Count);
        Assert.Equal("bpf-rec", warning.InvolvedObject.Name);
        Assert.Contains("the Bpf recorder is not available on node node-1", warning.Message, StringComparison.Ordinal);
        Assert.Contains("registering an IProfileRecorder whose Recorder is Bpf", warning.Message, StringComparison.Ordinal);

        // A Logs recording raises nothing.
        await fixture.CreateRecordingAsync("logs-rec");
        await fixture.SettleAsync();
        Assert.Single(await fixture.EventsAsync(RecordingEventReasons.RecorderUnavailable));
    }

    [Fact]
    public async Task SameEventsGiveByteIdenticalProfilesAndRecollectingWritesNothing()
    {
        var serializer = new SpoSerializer();
        var yaml = new List<string>();
        for (var run = 0; run < 2; run++)
        {
            await using var fixture = new RecordingFixture();
            await fixture.CreateRecordingAsync("rec");
            var token = RecordingFixture.Token("rec", "nginx");
            await fixture.CreatePodAsync("pod", null, new Dictionary<string, string> { [RecordingAnnotations.SeccompLogsPrefix + "nginx"] = token });

            // Different arrival orders of the same events.
            var numbers = run == 0 ? new[] { 257, 0, 1, 56, 3 } : [3, 56, 1, 0, 257, 0];
            foreach (var number in numbers)
            {
                fixture.Record(RecordingFixture.SeccompLine(number), token);
            }

            await fixture.EndPodAsync("pod");
            await fixture.SettleAsync();
            var profile = (await fixture.Seccomp.GetAsync(ObjectKey.Cluster("rec-nginx")))!;

            // Same events again for a new pod of the same bare name: the stored object does not change.
            await fixture.Pods.DeleteAsync(new ObjectKey(RecordingFixture.Namespace, "pod"));
            await fixture.SettleAsync();
            await fixture.CreatePodAsync("pod", null, new Dictionary<string, string> { [RecordingAnnotations.SeccompLogsPrefix + "nginx"] = token + "0" });
            foreach (var number in numbers)
            {
                fixture.Record(RecordingFixture.SeccompLine(number), token + "0");
            }

            await fixture.EndPodAsync("pod");
            await fixture.SettleAsync();
            var again = (await fixture.Seccomp.GetAsync(ObjectKey.Cluster("rec-nginx")))!;
            Assert.Equal(profile.Metadata.ResourceVersion, again.Metadata.ResourceVersion);

            profile.Metadata = new V1ObjectMeta { Name = profile.Metadata.Name, Labels = profile.Metadata.Labels };
            yaml.Add(serializer.ToYaml(profile));
        }

        Assert.Equal(yaml[0], yaml[1]);
        Assert.Contains("- SCMP_ARCH_X86_64", yaml[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task ALaterBarePodOfTheSameRecordingUpdatesItsProfile()
    {
        await using var fixture = new RecordingFixture();
        await fixture.CreateRecordingAsync("rec");
        for (var round = 0; round < 2; round++)
        {
            var token = RecordingFixture.Token("rec", "nginx", "nonc" + round);
            await fixture.CreatePodAsync("pod", null, new Dictionary<string, string> { [RecordingAnnotations.SeccompLogsPrefix + "nginx"] = token });
            fixture.Record(RecordingFixture.SeccompLine(round), token);
            await fixture.Pods.DeleteAsync(new ObjectKey(RecordingFixture.Namespace, "pod"));
            await fixture.SettleAsync();
        }

        var profile = await fixture.Seccomp.GetAsync(ObjectKey.Cluster("rec-nginx"));
        Assert.Equal(["write"], profile!.Spec.Syscalls![0].Names);
        Assert.Equal("nginx", profile.Metadata.Labels![SpoLabels.ContainerId]);
        var messages = (await fixture.EventsAsync(RecordingEventReasons.ProfileCreated)).Select(e => e.Message).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(2, messages.Count);
        Assert.StartsWith("SeccompProfile rec-nginx created, recorded from container nginx of pod team/pod", messages[0], StringComparison.Ordinal);
        Assert.StartsWith("SeccompProfile rec-nginx updated, recorded from container nginx of pod team/pod", messages[1], StringComparison.Ordinal);
    }

    // The node's finalizer keeps the recording until the node wrote what its running pod recorded (upstream, without a
    // webhook lock, the recording vanishes and the data with it); what the pod does after that is not recorded.
    [Fact]
    public async Task APodOutlivingItsDeletedRecordingHasItsProfileWrittenByTheDeletionAndNothingLater()
    {
        await using var fixture = new RecordingFixture();
        await fixture.CreateRecordingAsync("rec");
        var token = RecordingFixture.Token("rec", "nginx");
        await fixture.CreatePodAsync("pod", null, new Dictionary<string, string> { [RecordingAnnotations.SeccompLogsPrefix + "nginx"] = token });
        Assert.True(fixture.Record(RecordingFixture.SeccompLine(0), token));
        await fixture.WaitForRecordingAsync("rec", r => r?.Metadata.Finalizers is [var only] && only == RecordingNodeFinalizers.ForNode("node-1"));

        await fixture.Recordings.DeleteAsync(new ObjectKey(RecordingFixture.Namespace, "rec"));
        await fixture.WaitAsync(async () => await fixture.Recordings.GetAsync(new ObjectKey(RecordingFixture.Namespace, "rec")) is null, "the recording is gone");
        await fixture.SettleAsync();
        Assert.False(fixture.Record(RecordingFixture.SeccompLine(1), token));
        await fixture.EndPodAsync("pod");
        await fixture.SettleAsync();

        Assert.Equal(["read"], Assert.Single((await fixture.Seccomp.ListAsync()).Items).Spec.Syscalls!.SelectMany(r => r.Names));
        Assert.Equal(0, fixture.Recorder.ContainerCount);
        Assert.Empty(fixture.Collector.TrackedPods);
    }

    [Fact]
    public async Task SelinuxPartialsMergeIntoOneDisabledProfilePerContainer()
    {
        await using var fixture = new RecordingFixture();
        await fixture.CreateRecordingAsync("rec", ProfileRecordingProfileKind.SelinuxProfile, merge: ProfileRecordingMergeStrategy.Containers, disable: true);
        var avcs = new[] { ("name_bind", "http_port_t", "tcp_socket"), ("name_connect", "redis_port_t", "tcp_socket") };
        for (var i = 0; i < avcs.Length; i++)
        {
            var name = "web-" + (char)('a' + i) + "bcde";
            var token = RecordingFixture.Token("rec", "nginx", "nonc" + i);
            await fixture.CreatePodAsync(name, "web-", new Dictionary<string, string> { [RecordingAnnotations.SelinuxLogsPrefix + "nginx"] = token });
            var (perm, type, tclass) = avcs[i];
            Assert.True(fixture.Record(RecordingFixture.AvcLine(perm, "system_u:object_r:" + type + ":s0", tclass), token, pod: name));
            Assert.True(fixture.Record(RecordingFixture.AvcLine("listen", "system_u:system_r:selinuxrecording.process:s0", "tcp_socket"), token, pod: name));
            await fixture.EndPodAsync(name);
        }

        await fixture.SettleAsync();
        var partials = (await fixture.Selinux.ListAsync()).Items;
        Assert.Equal(["rec-nginx-abcde", "rec-nginx-bbcde"], partials.Select(p => p.Metadata.Name));
        Assert.All(partials, p => Assert.Equal("true", p.Metadata.Labels![SpoLabels.Partial]));

        await fixture.Recordings.DeleteAsync(new ObjectKey(RecordingFixture.Namespace, "rec"));
        await fixture.WaitAsync(async () => await fixture.Recordings.GetAsync(new ObjectKey(RecordingFixture.Namespace, "rec")) is null, "the recording is gone");
        await fixture.SettleAsync();

        var merged = Assert.Single((await fixture.Selinux.ListAsync()).Items);
        Assert.Equal("rec-nginx", merged.Metadata.Name);
        Assert.Equal(SelinuxProfileSpecState.Disabled, merged.Spec!.State);
        Assert.Equal(["@self", "http_port_t", "redis_port_t"], merged.Spec.Allow!.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["listen"], merged.Spec.Allow["@self"]["tcp_socket"]);
        Assert.Equal(["name_connect"], merged.Spec.Allow["redis_port_t"]["tcp_socket"]);
        Assert.False(merged.Metadata.Labels!.ContainsKey(SpoLabels.Partial));
    }

    [Fact]
    public async Task ContainersRecordingDeletedWithNothingRecordedWarnsNoPartialProfiles()
    {
        await using var fixture = new RecordingFixture();
        await fixture.CreateRecordingAsync("rec", merge: ProfileRecordingMergeStrategy.Containers, finalizers: SpoFinalizers.HasUnmergedProfiles);
        await fixture.Recordings.DeleteAsync(new ObjectKey(RecordingFixture.Namespace, "rec"));
        await fixture.WaitAsync(async () => await fixture.Recordings.GetAsync(new ObjectKey(RecordingFixture.Namespace, "rec")) is null, "the recording is gone");
        await fixture.SettleAsync();

        var warning = Assert.Single(await fixture.EventsAsync(RecordingEventReasons.NoPartialProfiles));
        Assert.Equal("Warning", warning.Type);
        Assert.Empty((await fixture.Seccomp.ListAsync()).Items);
    }

    [Fact]
    public async Task APodEndingWhileItsRecordingIsDeletedButNotYetFlushedIsStillCollected()
    {
        // Without the recording reconciler the deletion is never flushed, as in the moment before it runs.
        await using var fixture = new RecordingFixture(reconcileRecordings: false);
        await fixture.CreateRecordingAsync("rec", finalizers: SpoFinalizers.ActiveRecordingLock);
        var token = RecordingFixture.Token("rec", "nginx");
        await fixture.CreatePodAsync("pod", null, new Dictionary<string, string> { [RecordingAnnotations.SeccompLogsPrefix + "nginx"] = token });
        Assert.True(fixture.Record(RecordingFixture.SeccompLine(0), token));
        await fixture.Recordings.DeleteAsync(new ObjectKey(RecordingFixture.Namespace, "rec"));
        await fixture.WaitAsync(() => Task.FromResult(!fixture.Record(RecordingFixture.SeccompLine(1), RecordingFixture.Token("rec", "probe"), container: "probe")), "the deleting recording stops recording");
        Assert.False(fixture.Record(RecordingFixture.SeccompLine(1), token));

        await fixture.EndPodAsync("pod");
        await fixture.SettleAsync();

        Assert.Equal(["read"], (await fixture.Seccomp.GetAsync(ObjectKey.Cluster("rec-nginx")))!.Spec.Syscalls![0].Names);
    }

    // The last audit line of a container (the exit_group of its last process) is often read after its pod was seen
    // Succeeded and collected: it must not open a log nobody collects, which would hold one of the recording's places.
    [Fact]
    public async Task A_late_audit_line_of_a_collected_container_holds_no_container_place()
    {
        await using var fixture = new RecordingFixture(new LogRecorderOptions { MaxContainersPerRecording = 1 });
        await fixture.CreateRecordingAsync("rec");
        var first = RecordingFixture.Token("rec", "nginx", "bbbbb");
        await fixture.CreatePodAsync("pod-1", null, new Dictionary<string, string> { [RecordingAnnotations.SeccompLogsPrefix + "nginx"] = first });
        Assert.True(fixture.Record(RecordingFixture.SeccompLine(0), first, pod: "pod-1"));
        await fixture.EndPodAsync("pod-1");
        await fixture.SettleAsync();
        Assert.NotNull(await fixture.Seccomp.GetAsync(ObjectKey.Cluster("rec-nginx")));
        Assert.Equal(0, fixture.Recorder.ContainerCount);

        Assert.False(fixture.Record(RecordingFixture.SeccompLine(231), first, pod: "pod-1"));
        Assert.Equal(0, fixture.Recorder.ContainerCount);
        Assert.Equal(1, fixture.Recorder.Counters.Retired);

        var second = RecordingFixture.Token("rec", "nginx", "ccccc");
        await fixture.CreatePodAsync("pod-2", null, new Dictionary<string, string> { [RecordingAnnotations.SeccompLogsPrefix + "nginx"] = second });
        Assert.True(fixture.Record(RecordingFixture.SeccompLine(1), second, pod: "pod-2"), "the next pod of the recording is recorded");
        Assert.Equal(0, fixture.Recorder.Counters.RejectedContainers);
    }

    // A short pod whose creation, run and end all reached the collector as one coalesced reconcile was never followed:
    // what it recorded is still collected, and its container's place freed.
    [Fact]
    public async Task A_pod_first_seen_ended_is_collected()
    {
        await using var fixture = new RecordingFixture(runPodController: false);
        await fixture.CreateRecordingAsync("rec");
        var token = RecordingFixture.Token("rec", "job", "bbbbb");
        await fixture.Pods.CreateAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "job-1", NamespaceProperty = RecordingFixture.Namespace, Annotations = new Dictionary<string, string> { [RecordingAnnotations.SeccompLogsPrefix + "job"] = token } },
            Spec = new V1PodSpec { Containers = [new V1Container { Name = "job", Image = "job" }] },
            Status = new V1PodStatus { Phase = "Succeeded" },
        });
        Assert.True(fixture.Record(RecordingFixture.SeccompLine(0), token, pod: "job-1", container: "job"));
        await fixture.WaitForPodAsync("job-1", _ => true);

        await fixture.Collector.ReconcileAsync(new ObjectKey(RecordingFixture.Namespace, "job-1"), CancellationToken.None);

        Assert.Equal(["read"], (await fixture.Seccomp.GetAsync(ObjectKey.Cluster("rec-job")))!.Spec.Syscalls!.SelectMany(r => r.Names));
        Assert.Equal(0, fixture.Recorder.ContainerCount);
        Assert.Empty(fixture.Collector.TrackedPods);
        Assert.False(fixture.Record(RecordingFixture.SeccompLine(1), token, pod: "job-1", container: "job"), "a later line of the collected container is not kept");
    }
}
