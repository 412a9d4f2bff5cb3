using k8s.Models;
using Microsoft.Extensions.Time.Testing;
using SpoSdk.Api.Naming;
using SpoSdk.Audit;
using SpoSdk.Audit.Enrichment;
using SpoSdk.Runtime;
using SpoSdk.Runtime.Backends;
using SpoSdk.Runtime.Informers;
using SpoSdk.Tests.Runtime.Backends;

namespace SpoSdk.Tests.Audit.Enrichment;

public sealed class PodContainerDirectoryTests(ApiServerFixture apiServer) : IClassFixture<ApiServerFixture>
{
    private const string Node = "worker-1";
    private static readonly string IdApp = new('a', 64);
    private static readonly string IdInit = new('1', 64);
    private static readonly string IdDebug = new('d', 64);
    private static readonly string IdOther = new('0', 64);

    private readonly string _ns = "ns-" + Guid.NewGuid().ToString("N")[..8];

    [Theory]
    [InlineData("containerd://" + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]
    [InlineData("cri-o://218ce99dd8b33f6f9b6565863d7cd47dc880963ddd2cd987bcb2d330c65144bf", "218ce99dd8b33f6f9b6565863d7cd47dc880963ddd2cd987bcb2d330c65144bf")]
    [InlineData("docker://" + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdefff", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]
    [InlineData("containerd://0123", null)]
    [InlineData("", null)]
    [InlineData(null, null)]
    public void Container_ids_are_the_first_64_hex_digits_of_the_status(string? status, string? expected) =>
        Assert.Equal(expected, PodContainerDirectory.ParseContainerId(status));

    [Fact]
    public void The_informer_watches_this_node_and_with_memory_optimisation_only_labelled_pods()
    {
        Assert.Equal(new InformerOptions(null, new ListOptions(null, "spec.nodeName=" + Node)), new PodContainerDirectoryOptions { NodeName = Node }.ToInformerOptions());
        Assert.Equal(
            new InformerOptions(null, new ListOptions("spo.x-k8s.io/enable-recording=true", "spec.nodeName=" + Node)),
            new PodContainerDirectoryOptions { NodeName = Node, EnableMemoryOptimization = true }.ToInformerOptions());
    }

    [Fact]
    public Task In_memory_backend_knows_only_this_node_s_pods() => OnlyThisNodeAsync(Pods.NewBackend());

    [Fact]
    public Task Kubernetes_backend_over_http_knows_only_this_node_s_pods() => OnlyThisNodeAsync(apiServer.Backend);

    [Fact]
    public Task In_memory_backend_with_memory_optimisation_knows_only_labelled_pods() => OnlyLabelledAsync(Pods.NewBackend());

    [Fact]
    public Task Kubernetes_backend_with_memory_optimisation_knows_only_labelled_pods() => OnlyLabelledAsync(apiServer.Backend);

    [Fact]
    public async Task Init_regular_and_ephemeral_containers_are_known_with_their_recording_token()
    {
        var backend = Pods.NewBackend();
        var annotations = new Dictionary<string, string>
        {
            ["io.containers.trace-logs/app"] = "rec_app_abcde_1",
            ["io.containers.trace-avcs/app"] = "avc-loses",
            ["io.containers.trace-avcs/init-setup"] = "rec_init-setup_fghij_2",
        };
        await using var fixture = await DirectoryFixture.StartAsync(backend, new PodContainerDirectoryOptions { NodeName = Node });
        await Pods.RunAsync(backend, Pods.Pod(_ns, "web", Node, annotations: annotations), ("init-setup", IdInit), ("app", IdApp), ("debug-1", IdDebug));
        await Pods.EventuallyAsync(() => fixture.Directory.Count == 3, "three containers");

        Assert.True(fixture.Directory.TryGet(IdApp, out var app));
        Assert.Equal(new AuditEnrichment { NodeName = Node, Namespace = _ns, PodName = "web", ContainerName = "app", ContainerId = IdApp, RecordProfile = "rec_app_abcde_1" }, app);
        Assert.True(fixture.Directory.TryGet(IdInit, out var init));
        Assert.Equal("rec_init-setup_fghij_2", init.RecordProfile);
        Assert.True(fixture.Directory.TryGet(IdDebug, out var debug));
        Assert.Equal(("debug-1", string.Empty), (debug.ContainerName, debug.RecordProfile));
        Assert.Equal([IdInit, IdApp, IdDebug], fixture.Added);
    }

    [Fact]
    public async Task A_container_becomes_known_when_its_id_is_reported_and_stays_known_a_while_after_its_pod_goes()
    {
        var backend = Pods.NewBackend();
        var time = new FakeTimeProvider();
        await using var fixture = await DirectoryFixture.StartAsync(backend, new PodContainerDirectoryOptions { NodeName = Node, RemovedContainerRetention = TimeSpan.FromMinutes(10) }, time);
        var pod = await Pods.RunAsync(backend, Pods.Pod(_ns, "web", Node), ("app", string.Empty));
        await Pods.EventuallyAsync(() => fixture.Synced(pod), "the pod");
        Assert.Equal(0, fixture.Directory.Count);
        Assert.Empty(fixture.Added);

        pod = await Pods.ReportAsync(backend, pod, ("app", IdApp));
        await Pods.EventuallyAsync(() => fixture.Added.Count == 1, "the container");
        Assert.True(fixture.Directory.TryGet(IdApp, out _));

        // A restart replaces the id: the old one stays known for late lines, the new one is announced.
        pod = await Pods.ReportAsync(backend, pod, ("app", IdOther));
        await Pods.EventuallyAsync(() => fixture.Added.Count == 2, "the restarted container");
        Assert.True(fixture.Directory.TryGet(IdApp, out _));

        await backend.Resource<V1Pod>().DeleteAsync(ObjectKey.Of(pod));
        await Pods.EventuallyAsync(() => fixture.Directory.Count == 0, "the pod's removal");
        Assert.True(fixture.Directory.TryGet(IdOther, out var late));
        Assert.Equal("web", late.PodName);

        time.Advance(TimeSpan.FromMinutes(10));
        Assert.False(fixture.Directory.TryGet(IdOther, out _));
        Assert.False(fixture.Directory.TryGet(IdApp, out _));
    }

    private async Task OnlyThisNodeAsync(IClusterBackend backend)
    {
        var node = Node + "-" + _ns;
        await using var fixture = await DirectoryFixture.StartAsync(backend, new PodContainerDirectoryOptions { NodeName = node });
        await Pods.RunAsync(backend, Pods.Pod(_ns, "elsewhere", node + "-other"), ("app", IdOther));
        var mine = await Pods.RunAsync(backend, Pods.Pod(_ns, "here", node), ("app", IdApp));
        // The directory learns from the informer's handlers, just after the informer's store: wait for the directory.
        await Pods.EventuallyAsync(() => fixture.Synced(mine) && fixture.Directory.TryGet(IdApp, out _), "this node's pod");

        Assert.True(fixture.Directory.TryGet(IdApp, out var here));
        Assert.Equal((node, "here"), (here.NodeName, here.PodName));
        Assert.False(fixture.Directory.TryGet(IdOther, out _));
        Assert.Equal(["here"], fixture.Informer.List().Select(p => p.Metadata.Name));
    }

    private async Task OnlyLabelledAsync(IClusterBackend backend)
    {
        var node = Node + "-" + _ns;
        var labelled = new Dictionary<string, string> { [SpoLabels.EnableRecording] = "true" };
        await using var fixture = await DirectoryFixture.StartAsync(backend, new PodContainerDirectoryOptions { NodeName = node, EnableMemoryOptimization = true });
        await Pods.RunAsync(backend, Pods.Pod(_ns, "plain", node), ("app", IdOther));
        var recorded = await Pods.RunAsync(backend, Pods.Pod(_ns, "recorded", node, labels: labelled), ("app", IdApp));
        await Pods.EventuallyAsync(() => fixture.Synced(recorded) && fixture.Directory.TryGet(IdApp, out _), "the labelled pod");

        Assert.True(fixture.Directory.TryGet(IdApp, out _));
        Assert.False(fixture.Directory.TryGet(IdOther, out _));
        Assert.Equal(["recorded"], fixture.Informer.List().Select(p => p.Metadata.Name));
    }

    /// <summary>A started pod informer and the directory over it.</summary>
    private sealed class DirectoryFixture : IAsyncDisposable
    {
        private DirectoryFixture(Informer<V1Pod> informer, PodContainerDirectory directory)
        {
            Informer = informer;
            Directory = directory;
            Directory.ContainerAdded += id =>
            {
                lock (Added)
                {
                    Added.Add(id);
                }
            };
        }

        public Informer<V1Pod> Informer { get; }

        public PodContainerDirectory Directory { get; }

        public List<string> Added { get; } = [];

        public static async Task<DirectoryFixture> StartAsync(IClusterBackend backend, PodContainerDirectoryOptions options, TimeProvider? time = null)
        {
            var informer = PodContainerDirectory.CreatePodInformer(backend, options);
            var fixture = new DirectoryFixture(informer, new PodContainerDirectory(informer, options, time));
            informer.Start();
            await informer.WaitForSyncAsync();
            return fixture;
        }

        public bool Synced(V1Pod pod) => Informer.Get(ObjectKey.Of(pod))?.Metadata.ResourceVersion == pod.Metadata.ResourceVersion;

        public async ValueTask DisposeAsync()
        {
            Directory.Dispose();
            await Informer.DisposeAsync();
        }
    }
}
