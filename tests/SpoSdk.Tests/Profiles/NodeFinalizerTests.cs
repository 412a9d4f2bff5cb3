using k8s.Models;
using SpoSdk.Api.Conversion;
using SpoSdk.Api.Naming;
using SpoSdk.Api.Serialization;
using SpoSdk.Api.V1;
using SpoSdk.Node;
using SpoSdk.Node.Files;
using SpoSdk.Profiles.NodeStatus;
using SpoSdk.Profiles.Seccomp;
using SpoSdk.Runtime;
using SpoSdk.Runtime.Backends;
using SpoSdk.Runtime.Backends.InMemory;
using SpoSdk.Runtime.Controllers;
using SpoSdk.Runtime.Events;
using SpoSdk.Runtime.Informers;

namespace SpoSdk.Tests.Profiles;

/// <summary>Per-node finalizers when several nodes install one profile (runtime.md §1.5).</summary>
public sealed class NodeFinalizerTests : IDisposable
{
    // Node roots outlive one daemon (a restarted daemon gets its old root), so the tests own them.
    private readonly List<string> _roots = [];

    public void Dispose()
    {
        foreach (var root in _roots)
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private string NewRoot()
    {
        var root = Directory.CreateTempSubdirectory("spo-node-").FullName;
        _roots.Add(root);
        return root;
    }

    // Upstream cuts node names to 55 characters, so two nodes of one pool (GKE: gke-<cluster>-<pool>-<hash>-xxxx) would
    // share one finalizer: the first node to clean up would remove it, the object would go, and the other node would
    // never remove its file.
    [Fact]
    public async Task Each_node_removes_its_own_file_even_when_node_names_share_their_first_55_characters()
    {
        var prefix = new string('n', 50) + "-pool";
        var backend = NewBackend();
        var profiles = backend.Resource<SeccompProfile>();
        await using var a = new Daemon(backend, prefix + "-a", NewRoot());
        var b = new Daemon(backend, prefix + "-b", NewRoot());
        try
        {
            await profiles.CreateAsync(Seccomp("web"));
            await SeccompNodeFixture.SettleAsync(() => a.Idle && b.Idle, () => Task.FromResult(File.Exists(a.FileOf("web")) && File.Exists(b.FileOf("web"))));
            var finalizers = (await profiles.GetAsync(ObjectKey.Cluster("web")))!.Metadata.Finalizers;
            Assert.Equal(2, finalizers.Distinct().Count());
            Assert.All(finalizers, f => Assert.True(f.Length <= ProfileNames.MaxLabelLength, f));

            // Node B's daemon is busy or restarting while the profile is deleted.
            await b.DisposeAsync();
            await profiles.DeleteAsync(ObjectKey.Cluster("web"));
            await SeccompNodeFixture.SettleAsync(() => a.Idle, () => Task.FromResult(!File.Exists(a.FileOf("web"))));
            Assert.NotNull(await profiles.GetAsync(ObjectKey.Cluster("web")));

            b = new Daemon(backend, prefix + "-b", b.Root);
            await SeccompNodeFixture.SettleAsync(() => b.Idle, async () => await profiles.GetAsync(ObjectKey.Cluster("web")) is null);
            Assert.False(File.Exists(b.FileOf("web")), "node B still has the deleted profile's file");
        }
        finally
        {
            await b.DisposeAsync();
        }
    }

    // A profile upstream's operator (or an earlier version) installed holds the cut form; the node still takes it off.
    [Fact]
    public async Task A_node_removes_upstreams_cut_finalizer_of_its_long_name()
    {
        var nodeName = new string('n', 60) + "-a";
        var backend = NewBackend();
        var profiles = backend.Resource<SeccompProfile>();
        var upstream = Seccomp("web");
        upstream.Metadata.Finalizers = [ProfileNames.UpstreamNodeFinalizer(nodeName)];
        await profiles.CreateAsync(upstream);
        await using var node = new Daemon(backend, nodeName, NewRoot());
        await SeccompNodeFixture.SettleAsync(() => node.Idle, () => Task.FromResult(File.Exists(node.FileOf("web"))));

        await profiles.DeleteAsync(ObjectKey.Cluster("web"));

        await SeccompNodeFixture.SettleAsync(() => node.Idle, async () => await profiles.GetAsync(ObjectKey.Cluster("web")) is null);
        Assert.False(File.Exists(node.FileOf("web")));
    }

    // A finalizer with a '/' can never be a node's (node names are DNS subdomains): another controller's finalizer that
    // happens to end in -deleted stays, while a gone node's finalizer goes.
    [Fact]
    public async Task The_aggregator_removes_only_node_finalizers()
    {
        var backend = NewBackend();
        using var stop = new CancellationTokenSource();
        await using var profiles = new Informer<SeccompProfile>(backend.Resource<SeccompProfile>());
        await using var statuses = new Informer<SecurityProfileNodeStatus>(backend.Resource<SecurityProfileNodeStatus>());
        profiles.Start(stop.Token);
        statuses.Start(stop.Token);
        var profile = Seccomp("web");
        profile.Metadata.Finalizers = ["example.com/backup-deleted", "node-2-deleted"];
        await backend.Resource<SeccompProfile>().CreateAsync(profile);
        await SeccompNodeFixture.SettleAsync(() => true, () => Task.FromResult(profiles.Get(ObjectKey.Cluster("web")) is not null));
        var aggregator = new SeccompProfileStatusAggregator(backend, profiles, statuses, () => ["node-1"], new NodePaths(), nodeGone: n => n != "node-1");

        await aggregator.ReconcileAsync(ObjectKey.Cluster("web"), CancellationToken.None);

        Assert.Equal(["example.com/backup-deleted"], (await backend.Resource<SeccompProfile>().GetAsync(ObjectKey.Cluster("web")))!.Metadata.Finalizers);
    }

    private static InMemoryBackend NewBackend() => new(new InMemoryObjectStore(), new ObjectAdmission(SpoConverter.Default, SpoKindRegistry.Default));

    private static SeccompProfile Seccomp(string name) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new SeccompProfileSpec
        {
            DefaultAction = SeccompAction.ScmpActErrno,
            Architectures = [SeccompArchitecture.ScmpArchX8664],
            Syscalls = [new SeccompProfileSyscall { Action = SeccompAction.ScmpActAllow, Names = ["read"] }],
        },
    };

    // One node's seccomp daemon: its own informers, node root and controller over the shared cluster.
    private sealed class Daemon : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Informer<SeccompProfile> _profiles;
        private readonly Informer<SecurityProfileNodeStatus> _statuses;
        private readonly Controller<SeccompProfile> _controller;
        private readonly Task _run;
        private int _disposed;

        public Daemon(IClusterBackend backend, string nodeName, string root)
        {
            Root = root;
            _profiles = new Informer<SeccompProfile>(backend.Resource<SeccompProfile>());
            _statuses = new Informer<SecurityProfileNodeStatus>(backend.Resource<SecurityProfileNodeStatus>());
            _profiles.Start(_stop.Token);
            _statuses.Start(_stop.Token);
            var node = new NodeOptions { NodeName = nodeName, SeccompSupported = true };
            var reconciler = new SeccompProfileNodeReconciler(backend, _profiles, null, _statuses, new LocalNodeFileSystem(Root), node, new EventRecorder(backend, "spod", nodeName));
            _controller = new Controller<SeccompProfile>("profile", _profiles, reconciler);
            _run = _controller.RunAsync(_stop.Token);
        }

        public string Root { get; }

        public bool Idle => _profiles.HasSynced && _controller.Queue.IsIdle;

        public string FileOf(string name) => Path.Combine(Root, "var/lib/kubelet/seccomp/operator", name + ".json");

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0)
            {
                return;
            }

            _stop.Cancel();
            await _run;
            _controller.Dispose();
            await _profiles.DisposeAsync();
            await _statuses.DisposeAsync();
        }
    }
}
