using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using SpoSdk.Admission;
using SpoSdk.Admission.Binding;
using SpoSdk.Admission.Recording;
using SpoSdk.Admission.State;
using SpoSdk.Api.Conversion;
using SpoSdk.Api.Naming;
using SpoSdk.Api.Serialization;
using SpoSdk.Api.V1;
using SpoSdk.Runtime;
using SpoSdk.Runtime.Backends;
using SpoSdk.Runtime.Backends.InMemory;
using SpoSdk.Tests.Admission.Infrastructure;
using static SpoSdk.Tests.Admission.Infrastructure.Reviews;

namespace SpoSdk.Tests.Admission;

/// <summary>
/// The webhooks over <see cref="ClusterAdmissionState"/> on the in-memory cluster: informer-fed
/// lookups, and activeWorkloads plus lock finalizers kept right through create, delete and generateName pods.
/// </summary>
public sealed class ClusterAdmissionStateTests : IAsyncLifetime
{
    private static readonly RetryPolicy FastRetry = new(5, TimeSpan.FromMilliseconds(20), 1.5);
    private readonly InMemoryBackend _backend = new(new InMemoryObjectStore(), new ObjectAdmission(SpoConverter.Default, SpoKindRegistry.Default));
    private readonly AdmissionReviewProcessor _processor = new();
    private ClusterAdmissionState _state = null!;

    public Task InitializeAsync()
    {
        _state = new ClusterAdmissionState(_backend);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _state.DisposeAsync();

    [Fact]
    public async Task Create_binds_and_tracks_delete_untracks_and_unlocks()
    {
        await CreateSeccompProfileAsync("nginx-secure", installed: true);
        await _backend.Resource<ProfileBinding>().CreateAsync(NewBinding("nginx", ProfileBindingProfileKind.SeccompProfile, "nginx-secure", "nginx:1.27"));
        var webhook = BindingWebhook();
        var pod = PodWith([("web", "nginx:1.27"), ("sidecar", "envoy")], [], generateName: string.Empty, name: "web-0");

        var created = await RunAsync(webhook, Pod("CREATE", pod, name: "web-0"));
        var binding = await EventuallyAsync(BindingKey("nginx"), b => b.Status?.ActiveWorkloads?.Count == 1);

        Assert.Equal("operator/nginx-secure.json", (string?)created.Apply(pod)["spec"]!["containers"]![0]!["securityContext"]!["seccompProfile"]!["localhostProfile"]);
        Assert.Null(created.Apply(pod)["spec"]!["containers"]![1]!["securityContext"]);
        Assert.Equal([Namespace + "/web-0"], binding.Status!.ActiveWorkloads);
        Assert.Contains(SpoFinalizers.ActiveWorkloadLock, binding.Metadata.Finalizers!);

        var deleted = await RunAsync(webhook, Pod("DELETE", null, pod, name: "web-0"));
        binding = await EventuallyAsync(BindingKey("nginx"), b => b.Status?.ActiveWorkloads is not { Count: > 0 });

        Assert.True(deleted.Allowed);
        Assert.Empty(deleted.Patch);
        Assert.DoesNotContain(SpoFinalizers.ActiveWorkloadLock, binding.Metadata.Finalizers ?? []);
    }

    [Fact]
    public async Task A_second_admission_of_the_same_pod_writes_nothing()
    {
        await CreateSeccompProfileAsync("p", installed: true);
        await _backend.Resource<ProfileBinding>().CreateAsync(NewBinding("b", ProfileBindingProfileKind.SeccompProfile, "p", "foo"));
        var webhook = BindingWebhook();
        await RunAsync(webhook, Pod("CREATE", TestPod()));
        var first = await EventuallyAsync(BindingKey("b"), b => b.Metadata.Finalizers?.Count == 1);

        await RunAsync(webhook, Pod("CREATE", TestPod()));
        var second = await _backend.Resource<ProfileBinding>().GetAsync(BindingKey("b"));

        Assert.Equal(first.Metadata.ResourceVersion, second!.Metadata.ResourceVersion);
    }

    [Fact]
    public async Task GenerateName_entries_go_with_the_last_live_pod_of_their_generation()
    {
        await CreateSeccompProfileAsync("p", installed: true);
        await _backend.Resource<ProfileBinding>().CreateAsync(NewBinding("b", ProfileBindingProfileKind.SeccompProfile, "p", "foo"));
        var webhook = BindingWebhook();
        var template = PodWith([("c", "foo")], [], generateName: "web-7d9f8c6b5-");

        // Two replicas admitted before their names exist, then stored under generated names.
        await RunAsync(webhook, Pod("CREATE", template));
        await RunAsync(webhook, Pod("CREATE", template));
        await CreatePodAsync("web-7d9f8c6b5-aaaaa", "web-7d9f8c6b5-");
        await CreatePodAsync("web-7d9f8c6b5-bbbbb", "web-7d9f8c6b5-");
        await EventuallyCachedAsync(b => b.Status?.ActiveWorkloads?.Contains(Namespace + "/web-7d9f8c6b5-") == true);

        await RunAsync(webhook, Pod("DELETE", null, Stored("web-7d9f8c6b5-aaaaa", "web-7d9f8c6b5-"), name: "web-7d9f8c6b5-aaaaa"));
        await _backend.Resource<V1Pod>().DeleteAsync(new ObjectKey(Namespace, "web-7d9f8c6b5-aaaaa"));
        var afterFirst = await _backend.Resource<ProfileBinding>().GetAsync(BindingKey("b"));
        Assert.Equal([Namespace + "/web-7d9f8c6b5-"], afterFirst!.Status!.ActiveWorkloads);

        await RunAsync(webhook, Pod("DELETE", null, Stored("web-7d9f8c6b5-bbbbb", "web-7d9f8c6b5-"), name: "web-7d9f8c6b5-bbbbb"));
        var afterLast = await _backend.Resource<ProfileBinding>().GetAsync(BindingKey("b"));

        Assert.Empty(afterLast!.Status!.ActiveWorkloads!);
        Assert.DoesNotContain(SpoFinalizers.ActiveWorkloadLock, afterLast.Metadata.Finalizers ?? []);
    }

    [Fact]
    public async Task A_profile_that_gets_its_status_during_the_retry_is_bound()
    {
        await CreateSeccompProfileAsync("late", installed: false);
        await _backend.Resource<ProfileBinding>().CreateAsync(NewBinding("b", ProfileBindingProfileKind.SeccompProfile, "late", "foo"));
        await _state.StartAsync();
        var webhook = BindingWebhook(new RetryPolicy(10, TimeSpan.FromMilliseconds(50), 1.2));

        var admission = RunAsync(webhook, Pod("CREATE", TestPod()));
        await Task.Delay(60);
        await SetStatusAsync("late");
        var result = await admission;

        Assert.True(result.Allowed, result.Message);
        Assert.Single(result.Patch);
    }

    [Fact]
    public async Task Bindings_being_deleted_bind_no_new_pods()
    {
        await CreateSeccompProfileAsync("p", installed: true);
        var binding = NewBinding("b", ProfileBindingProfileKind.SeccompProfile, "p", "foo", Namespace + "/older");
        binding.Metadata.Finalizers = [SpoFinalizers.ActiveWorkloadLock];
        await _backend.Resource<ProfileBinding>().CreateAsync(binding);
        await _backend.Resource<ProfileBinding>().DeleteAsync(BindingKey("b"));
        await EventuallyCachedAsync(b => b.Metadata.DeletionTimestamp is not null);

        var result = await RunAsync(BindingWebhook(), Pod("CREATE", TestPod()));

        Assert.Equal("pod unchanged", result.Message);
    }

    // The webhook saw the binding before its deletion: the fresh read tracks no new pod and adds no finalizer (the API
    // server would refuse it with 422), instead of failing the admission.
    [Fact]
    public async Task A_binding_deleted_since_the_cache_was_read_takes_no_new_pod_and_no_finalizer()
    {
        var binding = NewBinding("b", ProfileBindingProfileKind.SeccompProfile, "p", "foo");
        binding.Metadata.Finalizers = ["example.com/hold"];
        await _backend.Resource<ProfileBinding>().CreateAsync(binding);
        await _backend.Resource<ProfileBinding>().DeleteAsync(BindingKey("b"));

        await _state.AddWorkloadAsync(WorkloadOwnerKind.ProfileBinding, BindingKey("b"), Namespace + "/web", default);

        var stored = (await _backend.Resource<ProfileBinding>().GetAsync(BindingKey("b")))!;
        Assert.Equal(["example.com/hold"], stored.Metadata.Finalizers);
        Assert.Empty(stored.Status?.ActiveWorkloads ?? []);
    }

    [Theory]
    [InlineData(new string[0], "1", new[] { "1" })]
    [InlineData(new[] { "1" }, "1", new[] { "1" })]
    [InlineData(new[] { "2" }, "1", new[] { "2", "1" })]
    public async Task AppendIfNotExists_vectors(string[] before, string add, string[] after)
    {
        await _backend.Resource<ProfileRecording>().CreateAsync(NewRecording("r", ProfileRecordingProfileKind.SeccompProfile, ProfileRecordingRecorder.Bpf, activeWorkloads: before));

        await _state.AddWorkloadAsync(WorkloadOwnerKind.ProfileRecording, new ObjectKey(Namespace, "r"), add, default);
        var stored = await _backend.Resource<ProfileRecording>().GetAsync(new ObjectKey(Namespace, "r"));

        Assert.Equal(after, stored!.Status!.ActiveWorkloads);
        Assert.Contains(SpoFinalizers.ActiveRecordingLock, stored.Metadata.Finalizers!);
    }

    [Theory]
    [InlineData(new string[0], "1", new string[0])]
    [InlineData(new[] { "1" }, "1", new string[0])]
    [InlineData(new[] { "2" }, "1", new[] { "2" })]
    [InlineData(new[] { "1", "2", "3" }, "2", new[] { "1", "3" })]
    public async Task RemoveIfExists_vectors(string[] before, string remove, string[] after)
    {
        var recording = NewRecording("r", ProfileRecordingProfileKind.SeccompProfile, ProfileRecordingRecorder.Bpf, activeWorkloads: before);
        recording.Metadata.Finalizers = [SpoFinalizers.ActiveRecordingLock];
        await _backend.Resource<ProfileRecording>().CreateAsync(recording);

        await _state.RemoveWorkloadsAsync(WorkloadOwnerKind.ProfileRecording, new ObjectKey(Namespace, "r"), [remove], default);
        var stored = await _backend.Resource<ProfileRecording>().GetAsync(new ObjectKey(Namespace, "r"));

        Assert.Equal(after, stored!.Status?.ActiveWorkloads ?? []);
        Assert.Equal(after.Length > 0, stored.Metadata.Finalizers?.Contains(SpoFinalizers.ActiveRecordingLock) == true);
    }

    [Fact]
    public async Task Bookkeeping_for_an_owner_that_is_gone_is_nothing_to_do()
    {
        await _state.AddWorkloadAsync(WorkloadOwnerKind.ProfileBinding, new ObjectKey(Namespace, "gone"), "x", default);
        await _state.RemoveWorkloadsAsync(WorkloadOwnerKind.ProfileRecording, new ObjectKey(Namespace, "gone"), ["x"], default);
        await _state.WarnAsync(WorkloadOwnerKind.ProfileRecording, new ObjectKey(Namespace, "gone"), "Reason", "message", default);
    }

    [Fact]
    public async Task Recording_delete_keeps_the_lock_while_other_pods_are_recorded_quirk_10_fixed()
    {
        var recording = NewRecording("rec", ProfileRecordingProfileKind.SeccompProfile, ProfileRecordingRecorder.Bpf, activeWorkloads: ["a", "b"]);
        recording.Metadata.Finalizers = [SpoFinalizers.ActiveRecordingLock];
        await _backend.Resource<ProfileRecording>().CreateAsync(recording);
        var webhook = new ProfileRecordingWebhook(_state, _state);
        var before = await _backend.Resource<ProfileRecording>().GetAsync(new ObjectKey(Namespace, "rec"));

        await RunAsync(webhook, Pod("DELETE", null, Stored("unrelated", string.Empty), name: "unrelated"));
        var untouched = await _backend.Resource<ProfileRecording>().GetAsync(new ObjectKey(Namespace, "rec"));
        await RunAsync(webhook, Pod("DELETE", null, Stored("a", string.Empty), name: "a"));
        var one = await _backend.Resource<ProfileRecording>().GetAsync(new ObjectKey(Namespace, "rec"));
        await RunAsync(webhook, Pod("DELETE", null, Stored("b", string.Empty), name: "b"));
        var none = await _backend.Resource<ProfileRecording>().GetAsync(new ObjectKey(Namespace, "rec"));

        Assert.Equal(before!.Metadata.ResourceVersion, untouched!.Metadata.ResourceVersion);
        Assert.Equal(["b"], one!.Status!.ActiveWorkloads);
        Assert.Contains(SpoFinalizers.ActiveRecordingLock, one.Metadata.Finalizers!);
        Assert.DoesNotContain(SpoFinalizers.ActiveRecordingLock, none!.Metadata.Finalizers ?? []);
    }

    [Fact]
    public async Task Recording_events_are_written_for_the_recording()
    {
        await _backend.Resource<ProfileRecording>().CreateAsync(NewRecording("rec.with.dots", ProfileRecordingProfileKind.SeccompProfile, ProfileRecordingRecorder.Logs));
        var pod = TestPod();
        FirstContainer(pod)["securityContext"] = new JsonObject { ["privileged"] = true };

        var result = await RunAsync(new ProfileRecordingWebhook(_state, _state), Pod("CREATE", pod));
        var events = await _backend.Resource<Corev1Event>().ListAsync(Namespace);

        Assert.True(result.Allowed);
        Assert.Contains(events.Items, e => e.Reason == "PrivilegedContainer" && e.InvolvedObject.Name == "rec.with.dots" && e.Type == "Warning");
        Assert.Contains(events.Items, e => e.Reason == "NameNotDNSLabel");
    }

    [Theory]
    [InlineData("update", "update refused")] // B21: UpdateResource fails
    [InlineData("status", "status refused")] // B22: UpdateResourceStatus fails
    [InlineData("timeout", "HttpClient.Timeout")] // a request that times out is a failure too, not the webhook's own cancellation
    public async Task B21_B22_failing_writes_through_the_real_state_refuse_the_pod(string which, string reason)
    {
        var failing = new FailingBackend(_backend, which);
        await using var state = new ClusterAdmissionState(failing);
        await CreateSeccompProfileAsync("p", installed: true);
        await _backend.Resource<ProfileBinding>().CreateAsync(NewBinding("b", ProfileBindingProfileKind.SeccompProfile, "p", "foo"));
        var webhook = new ProfileBindingWebhook(state, state, new ProfileBindingWebhookOptions { ProfileRetry = FastRetry });

        var result = await RunAsync(webhook, Pod("CREATE", TestPod()));

        Assert.False(result.Allowed);
        Assert.Equal(500, result.Code);
        Assert.Contains(reason, result.Message, StringComparison.Ordinal);
    }

    // Pods created or deleted together (a StatefulSet with parallel pod management, a batch of Jobs) all change one
    // binding's status: this process's writers take turns, and conflicts with another replica are retried with a
    // pause, so none is refused (creation) or leaves its entry behind (deletion, which would keep the lock forever).
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task Pods_admitted_together_are_all_recorded_and_all_removed(int replicas)
    {
        await CreateSeccompProfileAsync("p", installed: true);
        await _backend.Resource<ProfileBinding>().CreateAsync(NewBinding("b", ProfileBindingProfileKind.SeccompProfile, "p", "foo"));
        var states = new List<ClusterAdmissionState>();
        try
        {
            for (var i = 0; i < replicas; i++)
            {
                states.Add(new ClusterAdmissionState(new SlowBindingsBackend(_backend)));
                await states[i].StartAsync();
            }

            var names = Enumerable.Range(0, 20).Select(i => "web-" + i).ToArray();
            var created = await Task.WhenAll(names.Select((name, i) =>
                RunOnAsync(states[i % replicas], Pod("CREATE", PodWith([("c", "foo")], [], generateName: string.Empty, name: name), name: name, uid: "uid-" + name))));
            Assert.All(created, r => Assert.True(r.Allowed, r.Message));
            var binding = await _backend.Resource<ProfileBinding>().GetAsync(new ObjectKey(Namespace, "b"));
            Assert.Equal(names.Select(n => Namespace + "/" + n).Order(StringComparer.Ordinal), binding!.Status!.ActiveWorkloads!.Order(StringComparer.Ordinal));

            var deleted = await Task.WhenAll(names.Select((name, i) =>
                RunOnAsync(states[i % replicas], Pod("DELETE", null, PodWith([("c", "foo")], [], generateName: string.Empty, name: name), name: name, uid: "uid-" + name))));
            Assert.All(deleted, r => Assert.True(r.Allowed && r.Warnings.Count == 0, r.Message + string.Join("; ", r.Warnings)));
            binding = await _backend.Resource<ProfileBinding>().GetAsync(new ObjectKey(Namespace, "b"));
            Assert.Empty(binding!.Status?.ActiveWorkloads ?? []);
            Assert.DoesNotContain(SpoFinalizers.ActiveWorkloadLock, binding.Metadata.Finalizers ?? []);
            Assert.All(states, state => Assert.Equal(0, state.OwnersBeingWritten));
        }
        finally
        {
            foreach (var state in states)
            {
                await state.DisposeAsync();
            }
        }
    }

    private async Task<ReviewResult> RunOnAsync(ClusterAdmissionState state, string review) =>
        await RunAsync(new ProfileBindingWebhook(state, state, new ProfileBindingWebhookOptions { ProfileRetry = RetryPolicy.None }), review);

    private ProfileBindingWebhook BindingWebhook(RetryPolicy? retry = null) => new(_state, _state, new ProfileBindingWebhookOptions { ProfileRetry = retry ?? FastRetry });

    private async Task<ReviewResult> RunAsync(IAdmissionHandler handler, string review)
    {
        var outcome = await _processor.ProcessAsync(Encoding.UTF8.GetBytes(review), handler);
        Assert.Equal(200, outcome.StatusCode);
        return new ReviewResult(HttpStatusCode.OK, Encoding.UTF8.GetString(outcome.Body), JsonNode.Parse(outcome.Body)!.AsObject());
    }

    private async Task CreateSeccompProfileAsync(string name, bool installed)
    {
        var client = _backend.Resource<SeccompProfile>();
        await client.CreateAsync(new SeccompProfile { Metadata = new V1ObjectMeta { Name = name }, Spec = new SeccompProfileSpec { DefaultAction = SeccompAction.ScmpActErrno } });
        if (installed)
        {
            await SetStatusAsync(name);
        }
    }

    private async Task SetStatusAsync(string name)
    {
        var client = _backend.Resource<SeccompProfile>();
        var stored = await client.GetAsync(ObjectKey.Cluster(name));
        stored!.Status = new SeccompProfileStatus { Status = SeccompProfileState.Installed, LocalhostProfile = new NodePaths().SeccompLocalhostProfile(name) };
        await client.UpdateStatusAsync(stored);
    }

    private async Task CreatePodAsync(string name, string generateName) =>
        await _backend.Resource<V1Pod>().CreateAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = name, GenerateName = generateName, NamespaceProperty = Namespace },
            Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "foo" }] },
        });

    private static JsonObject Stored(string name, string generateName)
    {
        var pod = PodWith([("c", "foo")], [], generateName: generateName, name: name);
        return pod;
    }

    private static ObjectKey BindingKey(string name) => new(Namespace, name);

    private async Task<ProfileBinding> EventuallyAsync(ObjectKey key, Func<ProfileBinding, bool> condition)
    {
        for (var i = 0; i < 200; i++)
        {
            if (await _backend.Resource<ProfileBinding>().GetAsync(key) is { } binding && condition(binding))
            {
                return binding;
            }

            await Task.Delay(10);
        }

        throw new Xunit.Sdk.XunitException("condition not reached for " + key);
    }

    // Waits until the webhook's own cache (not just the store) shows the binding in that state.
    private async Task EventuallyCachedAsync(Func<ProfileBinding, bool> condition)
    {
        for (var i = 0; i < 200; i++)
        {
            if ((await _state.ListProfileBindingsAsync(Namespace, default)).Any(condition))
            {
                return;
            }

            await Task.Delay(10);
        }

        throw new Xunit.Sdk.XunitException("the admission cache never showed the binding in that state");
    }

    // A backend with a round trip of 2 ms on every ProfileBinding read and write, as any API server has.
    private sealed class SlowBindingsBackend(IClusterBackend inner) : IClusterBackend
    {
        public IResourceClient<T> Resource<T>()
            where T : class, IKubernetesObject<V1ObjectMeta> =>
            typeof(T) == typeof(ProfileBinding) ? (IResourceClient<T>)(object)new SlowBindings(inner.Resource<ProfileBinding>()) : inner.Resource<T>();
    }

    private sealed class SlowBindings(IResourceClient<ProfileBinding> inner) : IResourceClient<ProfileBinding>
    {
        public ResourceType Type => inner.Type;

        public async Task<ProfileBinding?> GetAsync(ObjectKey key, CancellationToken cancellationToken = default)
        {
            await Task.Delay(2, cancellationToken);
            return await inner.GetAsync(key, cancellationToken);
        }

        public Task<ResourceList<ProfileBinding>> ListAsync(string? @namespace = null, ListOptions? options = null, CancellationToken cancellationToken = default) => inner.ListAsync(@namespace, options, cancellationToken);

        public Task<ProfileBinding> CreateAsync(ProfileBinding obj, CancellationToken cancellationToken = default) => inner.CreateAsync(obj, cancellationToken);

        public async Task<ProfileBinding> UpdateAsync(ProfileBinding obj, CancellationToken cancellationToken = default)
        {
            await Task.Delay(2, cancellationToken);
            return await inner.UpdateAsync(obj, cancellationToken);
        }

        public async Task<ProfileBinding> UpdateStatusAsync(ProfileBinding obj, CancellationToken cancellationToken = default)
        {
            await Task.Delay(2, cancellationToken);
            return await inner.UpdateStatusAsync(obj, cancellationToken);
        }

        public Task<bool> DeleteAsync(ObjectKey key, CancellationToken cancellationToken = default) => inner.DeleteAsync(key, cancellationToken);

        public IAsyncEnumerable<WatchEvent<ProfileBinding>> WatchAsync(string? @namespace, string resourceVersion, CancellationToken cancellationToken = default) => inner.WatchAsync(@namespace, resourceVersion, cancellationToken);
    }

    // A backend whose ProfileBinding writes fail, as upstream's mocks make UpdateResource(Status) fail.
    private sealed class FailingBackend(IClusterBackend inner, string which) : IClusterBackend
    {
        public IResourceClient<T> Resource<T>()
            where T : class, IKubernetesObject<V1ObjectMeta> =>
            typeof(T) == typeof(ProfileBinding) ? (IResourceClient<T>)(object)new FailingBindings(inner.Resource<ProfileBinding>(), which) : inner.Resource<T>();
    }

    private sealed class FailingBindings(IResourceClient<ProfileBinding> inner, string which) : IResourceClient<ProfileBinding>
    {
        public ResourceType Type => inner.Type;

        public Task<ProfileBinding?> GetAsync(ObjectKey key, CancellationToken cancellationToken = default) => inner.GetAsync(key, cancellationToken);

        public Task<ResourceList<ProfileBinding>> ListAsync(string? @namespace = null, ListOptions? options = null, CancellationToken cancellationToken = default) => inner.ListAsync(@namespace, options, cancellationToken);

        public Task<ProfileBinding> CreateAsync(ProfileBinding obj, CancellationToken cancellationToken = default) => inner.CreateAsync(obj, cancellationToken);

        public Task<ProfileBinding> UpdateAsync(ProfileBinding obj, CancellationToken cancellationToken = default) =>
            which switch
            {
                "update" => Task.FromException<ProfileBinding>(new InvalidOperationException("update refused")),
                "timeout" => Task.FromException<ProfileBinding>(new TaskCanceledException("The request was canceled due to the configured HttpClient.Timeout of 100 seconds elapsing.", new TimeoutException())),
                _ => inner.UpdateAsync(obj, cancellationToken),
            };

        public Task<ProfileBinding> UpdateStatusAsync(ProfileBinding obj, CancellationToken cancellationToken = default) =>
            which == "status" ? Task.FromException<ProfileBinding>(new InvalidOperationException("status refused")) : inner.UpdateStatusAsync(obj, cancellationToken);

        public Task<bool> DeleteAsync(ObjectKey key, CancellationToken cancellationToken = default) => inner.DeleteAsync(key, cancellationToken);

        public IAsyncEnumerable<WatchEvent<ProfileBinding>> WatchAsync(string? @namespace, string resourceVersion, CancellationToken cancellationToken = default) => inner.WatchAsync(@namespace, resourceVersion, cancellationToken);
    }
}
