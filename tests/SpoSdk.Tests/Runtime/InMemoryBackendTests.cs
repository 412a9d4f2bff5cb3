using k8s.Models;
using SpoSdk.Api.Conversion;
using SpoSdk.Api.Serialization;
using SpoSdk.Api.V1;
using SpoSdk.Runtime;
using SpoSdk.Runtime.Backends;
using SpoSdk.Runtime.Backends.InMemory;

#pragma warning disable CS0618 // legacy-version clients are part of what is tested

namespace SpoSdk.Tests.Runtime;

/// <summary>The embedded cluster behaves like an API server: versions, conflicts, finalizers, watches, admission.</summary>
public sealed class InMemoryBackendTests
{
    private readonly InMemoryBackend _backend = NewBackend();

    [Fact]
    public async Task Create_fills_server_fields_and_reads_are_copies()
    {
        var created = await Seccomp.CreateAsync(Profile("web"));

        Assert.False(string.IsNullOrEmpty(created.Metadata.Uid));
        Assert.NotNull(created.Metadata.CreationTimestamp);
        Assert.Equal(1, created.Metadata.Generation);
        Assert.Equal(SeccompProfileSpecState.Enabled, created.Spec.State);

        var read = await Seccomp.GetAsync(ObjectKey.Cluster("web"));
        read!.Spec.DefaultAction = SeccompAction.ScmpActKill;
        Assert.Equal(SeccompAction.ScmpActErrno, (await Seccomp.GetAsync(ObjectKey.Cluster("web")))!.Spec.DefaultAction);
        await Assert.ThrowsAsync<ResourceAlreadyExistsException>(() => Seccomp.CreateAsync(Profile("web")));
    }

    [Fact]
    public async Task Stale_update_is_a_conflict_and_generation_counts_spec_changes_only()
    {
        var created = await Seccomp.CreateAsync(Profile("web"));
        var first = await Seccomp.GetAsync(ObjectKey.Cluster("web"));
        var second = await Seccomp.GetAsync(ObjectKey.Cluster("web"));

        first!.Metadata.Labels = new Dictionary<string, string> { ["team"] = "a" };
        var labelled = await Seccomp.UpdateAsync(first);
        Assert.Equal(1, labelled.Metadata.Generation);

        second!.Spec.DefaultAction = SeccompAction.ScmpActLog;
        await Assert.ThrowsAsync<ResourceConflictException>(() => Seccomp.UpdateAsync(second));

        labelled.Spec.DefaultAction = SeccompAction.ScmpActLog;
        var changed = await Seccomp.UpdateAsync(labelled);
        Assert.Equal(2, changed.Metadata.Generation);
        Assert.True(long.Parse(changed.Metadata.ResourceVersion) > long.Parse(created.Metadata.ResourceVersion));
    }

    [Fact]
    public async Task Status_goes_through_the_status_subresource_only()
    {
        var created = await Seccomp.CreateAsync(Profile("web"));
        created.Status = new SeccompProfileStatus { Status = SeccompProfileState.Installed };
        var updated = await Seccomp.UpdateAsync(created);
        Assert.Null(updated.Status);

        updated.Status = new SeccompProfileStatus { Status = SeccompProfileState.Installed };
        updated.Spec.DefaultAction = SeccompAction.ScmpActKill;
        var withStatus = await Seccomp.UpdateStatusAsync(updated);
        Assert.Equal(SeccompProfileState.Installed, withStatus.Status!.Status);
        Assert.Equal(SeccompAction.ScmpActErrno, withStatus.Spec.DefaultAction);
    }

    [Fact]
    public async Task Finalizers_hold_deletion_until_the_last_one_goes()
    {
        var profile = Profile("held");
        profile.Metadata.Finalizers = ["spo.x-k8s.io/test"];
        await Seccomp.CreateAsync(profile);

        Assert.True(await Seccomp.DeleteAsync(ObjectKey.Cluster("held")));
        var terminating = await Seccomp.GetAsync(ObjectKey.Cluster("held"));
        Assert.NotNull(terminating!.Metadata.DeletionTimestamp);

        terminating.Metadata.Finalizers.Clear();
        await Seccomp.UpdateAsync(terminating);
        Assert.Null(await Seccomp.GetAsync(ObjectKey.Cluster("held")));
        Assert.False(await Seccomp.DeleteAsync(ObjectKey.Cluster("held")));
    }

    // The API server (ValidateObjectMetaUpdate → ValidateNoNewFinalizers): 422 on metadata.finalizers.
    [Fact]
    public async Task R1_no_new_finalizer_on_an_object_being_deleted()
    {
        var p = Profile("held");
        p.Metadata.Finalizers = ["a.example/one"];
        await Seccomp.CreateAsync(p);
        await Seccomp.DeleteAsync(ObjectKey.Cluster("held"));
        var deleting = (await Seccomp.GetAsync(ObjectKey.Cluster("held")))!;
        Assert.NotNull(deleting.Metadata.DeletionTimestamp);

        deleting.Metadata.Finalizers = ["a.example/one", "b.example/two"];
        var refused = await Assert.ThrowsAsync<ResourceInvalidException>(() => Seccomp.UpdateAsync(deleting));
        Assert.Equal([("metadata.finalizers", "Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{\"b.example/two\"}")], refused.Causes);

        // A status write, a label, and taking a finalizer off are still fine.
        deleting = (await Seccomp.GetAsync(ObjectKey.Cluster("held")))!;
        deleting.Status = new SeccompProfileStatus { Status = SeccompProfileState.Terminating };
        deleting = await Seccomp.UpdateStatusAsync(deleting);
        deleting.Metadata.Labels = new Dictionary<string, string> { ["a"] = "b" };
        deleting = await Seccomp.UpdateAsync(deleting);
        deleting.Metadata.Finalizers = [];
        await Seccomp.UpdateAsync(deleting);
        Assert.Null(await Seccomp.GetAsync(ObjectKey.Cluster("held")));
    }

    [Fact]
    public async Task No_new_finalizer_on_an_object_being_deleted_through_the_test_api_server_either()
    {
        await using var server = await SpoSdk.Testing.KubernetesApiTestServer.StartNewAsync();
        using var backend = SpoSdk.Runtime.Backends.Kubernetes.KubernetesBackend.FromConfiguration(server.CreateClientConfiguration());
        var profiles = backend.Resource<SeccompProfile>();
        var p = Profile("held");
        p.Metadata.Finalizers = ["a.example/one"];
        await profiles.CreateAsync(p);
        await profiles.DeleteAsync(ObjectKey.Cluster("held"));

        var refused = await Assert.ThrowsAsync<ResourceInvalidException>(() => profiles.UpdateWithRetryAsync(ObjectKey.Cluster("held"), s => Finalizers.Add(s, "b.example/two")));

        Assert.Equal(422, refused.Status.Code);
        Assert.Contains(refused.Causes, c => c.Field == "metadata.finalizers");
        Assert.Equal(["a.example/one"], (await profiles.GetAsync(ObjectKey.Cluster("held")))!.Metadata.Finalizers);
    }

    [Fact]
    public async Task Watch_resumes_from_a_list_and_old_versions_are_gone()
    {
        var backend = NewBackend(new InMemoryStoreOptions { WatchHistory = 3 });
        var client = backend.Resource<SeccompProfile>();
        await client.CreateAsync(Profile("a"));
        var list = await client.ListAsync();
        await client.CreateAsync(Profile("b"));
        await client.DeleteAsync(ObjectKey.Cluster("a"));

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var events = new List<(WatchEventType, string)>();
        await foreach (var change in client.WatchAsync(null, list.ResourceVersion, cts.Token))
        {
            events.Add((change.Type, change.Object!.Metadata.Name));
            if (events.Count == 2)
            {
                break;
            }
        }

        Assert.Equal([(WatchEventType.Added, "b"), (WatchEventType.Deleted, "a")], events);

        for (var i = 0; i < 5; i++)
        {
            await client.CreateAsync(Profile("x" + i));
        }

        await Assert.ThrowsAsync<ResourceGoneException>(async () =>
        {
            await foreach (var unused in client.WatchAsync(null, list.ResourceVersion, cts.Token))
            {
            }
        });
    }

    [Fact]
    public async Task A_watcher_that_falls_behind_is_dropped_with_gone()
    {
        var store = new InMemoryObjectStore(new InMemoryStoreOptions { WatcherCapacity = 2 });
        var backend = new InMemoryBackend(store, new ObjectAdmission(SpoConverter.Default, SpoKindRegistry.Default));
        var kind = StoreKind.Of(ResourceType.Of<SeccompProfile>());
        using var watch = store.Watch(kind, null, store.ResourceVersion);
        for (var i = 0; i < 5; i++)
        {
            await backend.Resource<SeccompProfile>().CreateAsync(Profile("p" + i));
        }

        var delivered = 0;
        await Assert.ThrowsAsync<ResourceGoneException>(async () =>
        {
            await foreach (var unused in watch.Changes.ReadAllAsync())
            {
                delivered++;
            }
        });
        Assert.Equal(2, delivered);
    }

    [Fact]
    public async Task Legacy_clients_read_and_write_through_conversion()
    {
        var legacy = _backend.Resource<Api.V1Alpha1.ProfileRecording>();
        await legacy.CreateAsync(new Api.V1Alpha1.ProfileRecording
        {
            Metadata = new V1ObjectMeta { Name = "rec", NamespaceProperty = "ns" },
            Spec = new Api.V1Alpha1.ProfileRecordingSpec
            {
                Kind = Api.V1Alpha1.ProfileRecordingProfileKind.SeccompProfile,
                Recorder = Api.V1Alpha1.ProfileRecordingRecorder.Logs,
                PodSelector = new Api.V1Alpha1.ProfileRecordingLabelSelector(),
            },
        });

        var hub = await _backend.Resource<ProfileRecording>().GetAsync(new ObjectKey("ns", "rec"));
        Assert.Equal(ProfileRecordingRecorder.Logs, hub!.Spec.Recorder);
        Assert.Equal(ProfileRecordingMergeStrategy.None, hub.Spec.MergeStrategy);
        Assert.Equal("logs", (await legacy.GetAsync(new ObjectKey("ns", "rec")))!.Spec.Recorder.Value);
    }

    [Fact]
    public async Task Invalid_objects_are_refused_with_every_cause_and_unknown_fields_pruned()
    {
        var bad = Profile("bad");
        bad.Spec.DefaultAction = SeccompAction.FromValue("SCMP_ACT_NOPE");
        bad.Spec.ListenerPath = "/tmp/x";
        var error = await Assert.ThrowsAsync<ResourceInvalidException>(() => Seccomp.CreateAsync(bad));
        Assert.Equal(["spec.defaultAction", "spec.listenerPath"], error.Causes.Select(c => c.Field).ToArray());
        Assert.Equal(422, error.Code);

        var extra = Profile("extra");
        extra.Spec.UnknownFields = new Dictionary<string, System.Text.Json.JsonElement> { ["bogus"] = System.Text.Json.JsonDocument.Parse("1").RootElement };
        var stored = await Seccomp.CreateAsync(extra);
        Assert.Null(stored.Spec.UnknownFields);

        var badName = Profile("Bad_Name");
        Assert.Equal("metadata.name", Assert.Single((await Assert.ThrowsAsync<ResourceInvalidException>(() => Seccomp.CreateAsync(badName))).Causes).Field);
    }

    // The API server's TotalAnnotationSizeLimitB: keys and values together, on every kind.
    [Fact]
    public async Task Annotations_over_256_KiB_in_all_are_refused_on_create_and_update()
    {
        var key = "example.com/big";
        var fits = new string('x', 256 * 1024 - key.Length);
        var pods = _backend.Resource<V1Pod>();
        var pod = await pods.CreateAsync(new V1Pod { Metadata = new V1ObjectMeta { Name = "p", NamespaceProperty = "default", Annotations = new Dictionary<string, string> { [key] = fits } } });

        pod.Metadata.Annotations["a"] = string.Empty;
        var error = await Assert.ThrowsAsync<ResourceInvalidException>(() => pods.UpdateAsync(pod));
        Assert.Equal((422, "metadata.annotations"), (error.Code, Assert.Single(error.Causes).Field));

        var big = Profile("big");
        big.Metadata.Annotations = new Dictionary<string, string> { [key] = fits + "x" };
        Assert.Equal("metadata.annotations", Assert.Single((await Assert.ThrowsAsync<ResourceInvalidException>(() => Seccomp.CreateAsync(big))).Causes).Field);
    }

    [Fact]
    public async Task Selectors_filter_lists()
    {
        var pods = _backend.Resource<V1Pod>();
        foreach (var (name, node, app) in new[] { ("a", "n1", "web"), ("b", "n2", "web"), ("c", "n1", "db") })
        {
            await pods.CreateAsync(new V1Pod
            {
                Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default", Labels = new Dictionary<string, string> { ["app"] = app } },
                Spec = new V1PodSpec { NodeName = node, Containers = [new V1Container { Name = "c", Image = "nginx" }] },
            });
        }

        var onNode1 = await pods.ListAsync("default", new ListOptions(FieldSelector: "spec.nodeName=n1"));
        Assert.Equal(["a", "c"], onNode1.Items.Select(p => p.Metadata.Name).ToArray());
        var webOnNode1 = await pods.ListAsync(null, new ListOptions("app in (web, api)", "spec.nodeName=n1"));
        Assert.Equal("a", Assert.Single(webOnNode1.Items).Metadata.Name);
        Assert.Equal(2, (await pods.ListAsync(null, new ListOptions("app!=db"))).Items.Count);
        await Assert.ThrowsAsync<ResourceInvalidException>(() => pods.ListAsync(null, new ListOptions("app in web")));
    }

    [Fact]
    public async Task Objects_persist_to_a_directory_and_load_back()
    {
        var directory = Directory.CreateTempSubdirectory("spo-store-").FullName;
        try
        {
            var options = new InMemoryStoreOptions { PersistenceDirectory = directory };
            var first = NewBackend(options);
            var created = await first.Resource<SeccompProfile>().CreateAsync(Profile("kept"));
            await first.Resource<SeccompProfile>().CreateAsync(Profile("gone"));
            await first.Resource<SeccompProfile>().DeleteAsync(ObjectKey.Cluster("gone"));

            var second = NewBackend(options);
            var loaded = await second.Resource<SeccompProfile>().ListAsync();
            Assert.Equal("kept", Assert.Single(loaded.Items).Metadata.Name);
            Assert.Equal(created.Metadata.Uid, loaded.Items[0].Metadata.Uid);
            Assert.True(long.Parse(loaded.ResourceVersion) >= long.Parse(created.Metadata.ResourceVersion));
            Assert.Empty(Directory.EnumerateFiles(directory, "*.tmp", SearchOption.AllDirectories));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task Generate_name_makes_a_unique_name()
    {
        var profile = Profile(string.Empty);
        profile.Metadata.Name = null;
        profile.Metadata.GenerateName = "gen-";
        var created = await Seccomp.CreateAsync(profile);
        Assert.Matches("^gen-[a-z0-9]{5}$", created.Metadata.Name);
    }

    private IResourceClient<SeccompProfile> Seccomp => _backend.Resource<SeccompProfile>();

    private static InMemoryBackend NewBackend(InMemoryStoreOptions? options = null) =>
        new(new InMemoryObjectStore(options), new ObjectAdmission(SpoConverter.Default, SpoKindRegistry.Default));

    private static SeccompProfile Profile(string name) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new SeccompProfileSpec
        {
            DefaultAction = SeccompAction.ScmpActErrno,
            Syscalls = [new SeccompProfileSyscall { Action = SeccompAction.ScmpActAllow, Names = ["read"] }],
        },
    };
}
