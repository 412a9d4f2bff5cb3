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

    // A profile upstream's operator (or an earlier version) installed holds the cut form, which the node leaves to the
    // manager's aggregator (other nodes may share it): the upgrade still never leaves the profile stuck.
    [Fact]
    public async Task A_profile_holding_upstreams_cut_finalizer_of_a_long_node_name_still_goes_after_the_node_upgraded()
    {
        var nodeName = new string('n', 60) + "-a";
        var backend = NewBackend();
        var profiles = backend.Resource<SeccompProfile>();
        var upstream = Seccomp("web");
        upstream.Metadata.Finalizers = [ProfileNames.UpstreamNodeFinalizer(nodeName)];
        await profiles.CreateAsync(upstream);
        await using var manager = new Manager(backend, nodeName);
        await using var node = new Daemon(backend, nodeName, NewRoot());
        await SeccompNodeFixture.SettleAsync(() => node.Idle, () => Task.FromResult(File.Exists(node.FileOf("web"))));

        await profiles.DeleteAsync(ObjectKey.Cluster("web"));

        await SeccompNodeFixture.SettleAsync(() => node.Idle && manager.Idle, async () => await profiles.GetAsync(ObjectKey.Cluster("web")) is null);
        Assert.False(File.Exists(node.FileOf("web")));
    }

    // Upgrade window: the previous version (or upstream) installed the profile on nodes A and B, whose names share their
    // first 55 characters, so the profile holds one shared cut finalizer. A runs this version (and added its own); B
    // still runs the old one, or has not reconciled since it restarted. A cleaning up must not remove the shared form.
    [Fact]
    public async Task A_node_leaves_the_cut_finalizer_it_may_share_with_another_node()
    {
        var prefix = new string('n', 50) + "-pool";
        var backend = NewBackend();
        var profiles = backend.Resource<SeccompProfile>();
        var old = Seccomp("web");
        old.Metadata.Finalizers = [ProfileNames.UpstreamNodeFinalizer(prefix + "-a")];
        Assert.Equal(ProfileNames.UpstreamNodeFinalizer(prefix + "-a"), ProfileNames.UpstreamNodeFinalizer(prefix + "-b"));
        await profiles.CreateAsync(old);
        await using var a = new Daemon(backend, prefix + "-a", NewRoot());
        await SeccompNodeFixture.SettleAsync(() => a.Idle, () => Task.FromResult(File.Exists(a.FileOf("web"))));

        await profiles.DeleteAsync(ObjectKey.Cluster("web"));
        await SeccompNodeFixture.SettleAsync(() => a.Idle, () => Task.FromResult(!File.Exists(a.FileOf("web"))));
        await Task.Delay(200);

        Assert.Equal([ProfileNames.UpstreamNodeFinalizer(prefix + "-a")], (await profiles.GetAsync(ObjectKey.Cluster("web")))!.Metadata.Finalizers);
    }

    // The same window with the manager running: the shared cut form holds the profile while node B's status is there,
    // and goes once B (restarted on this version) removed its file and status.
    [Fact]
    public async Task A_cut_finalizer_two_nodes_share_holds_a_deleted_profile_until_both_removed_their_files()
    {
        var prefix = new string('n', 50) + "-pool";
        var cut = ProfileNames.UpstreamNodeFinalizer(prefix + "-a");
        var backend = NewBackend();
        var profiles = backend.Resource<SeccompProfile>();
        var old = Seccomp("web");
        old.Metadata.Finalizers = [cut];
        await profiles.CreateAsync(old);
        await using var manager = new Manager(backend, prefix + "-a", prefix + "-b");
        await using var a = new Daemon(backend, prefix + "-a", NewRoot());
        var b = new Daemon(backend, prefix + "-b", NewRoot());
        try
        {
            await SeccompNodeFixture.SettleAsync(() => a.Idle && b.Idle, () => Task.FromResult(File.Exists(a.FileOf("web")) && File.Exists(b.FileOf("web"))));

            // B goes back to the old version: it holds the profile by the cut form alone.
            await b.DisposeAsync();
            await profiles.UpdateWithRetryAsync(ObjectKey.Cluster("web"), p => Finalizers.Remove(p, ProfileNames.NodeFinalizer(prefix + "-b")));
            await profiles.DeleteAsync(ObjectKey.Cluster("web"));
            await SeccompNodeFixture.SettleAsync(() => a.Idle && manager.Idle, () => Task.FromResult(!File.Exists(a.FileOf("web"))));
            await Task.Delay(200);
            Assert.Equal([cut], (await profiles.GetAsync(ObjectKey.Cluster("web")))!.Metadata.Finalizers);

            b = new Daemon(backend, prefix + "-b", b.Root);
            await SeccompNodeFixture.SettleAsync(() => b.Idle && manager.Idle, async () => await profiles.GetAsync(ObjectKey.Cluster("web")) is null);
            Assert.False(File.Exists(b.FileOf("web")), "node B still has the deleted profile's file");
        }
        finally
        {
            await b.DisposeAsync();
        }
    }

    // The aggregator takes a full-length node finalizer off only a deleted profile, and only when neither a node status
    // nor an expected node still there has it as its own: a 55-character name's whole form and a long name's hashed
    // form are their node's to remove.
    [Fact]
    public async Task The_aggregator_removes_a_cut_finalizer_only_from_a_deleted_profile_no_node_holds()
    {
        var prefix = new string('n', 50) + "-pool";
        var cut = ProfileNames.UpstreamNodeFinalizer(prefix + "-a");
        var hashed = ProfileNames.NodeFinalizer(prefix + "-b");
        var whole = ProfileNames.NodeFinalizer(new string('m', 55));
        var backend = NewBackend();
        var client = backend.Resource<SeccompProfile>();
        var profile = Seccomp("web");
        profile.Metadata.Finalizers = [cut, hashed, whole];
        await client.CreateAsync(profile);
        await using var manager = new Manager(backend, prefix + "-b", new string('m', 55));
        await Task.Delay(200);
        await SeccompNodeFixture.SettleAsync(() => manager.Idle, () => Task.FromResult(true));
        Assert.Equal([cut, hashed, whole], (await client.GetAsync(ObjectKey.Cluster("web")))!.Metadata.Finalizers);

        await client.DeleteAsync(ObjectKey.Cluster("web"));

        await SeccompNodeFixture.SettleAsync(() => manager.Idle, async () => (await client.GetAsync(ObjectKey.Cluster("web")))!.Metadata.Finalizers.Count == 2);
        Assert.Equal([hashed, whole], (await client.GetAsync(ObjectKey.Cluster("web")))!.Metadata.Finalizers);
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

    // The API server refuses a new finalizer on an object being deleted (422): a profile deleted since the cache was read
    // is handed back as it is, not failed on.
    [Fact]
    public async Task Ensure_leaves_a_profile_deleted_since_the_cache_was_read_as_it_is()
    {
        var backend = NewBackend();
        var profiles = backend.Resource<SeccompProfile>();
        var profile = Seccomp("web");
        profile.Metadata.Finalizers = ["example.com/hold"];
        var cached = await profiles.CreateAsync(profile);
        await profiles.DeleteAsync(ObjectKey.Cluster("web"));

        var current = await NodeFinalizers.EnsureAsync(profiles, cached, "node-1", CancellationToken.None);

        Assert.NotNull(current!.Metadata.DeletionTimestamp);
        Assert.Equal(["example.com/hold"], current.Metadata.Finalizers);
        Assert.Equal(["example.com/hold"], (await profiles.GetAsync(ObjectKey.Cluster("web")))!.Metadata.Finalizers);
    }

    [Fact]
    public async Task A_node_reconciling_a_profile_deleted_since_its_cache_was_read_cleans_up_instead_of_failing()
    {
        var backend = NewBackend();
        var profiles = backend.Resource<SeccompProfile>();
        var profile = Seccomp("web");
        profile.Metadata.Finalizers = ["example.com/hold"];
        await profiles.CreateAsync(profile);
        var root = NewRoot();
        using var stop = new CancellationTokenSource();
        await using var cache = new Informer<SeccompProfile>(profiles);
        await using var statuses = new Informer<SecurityProfileNodeStatus>(backend.Resource<SecurityProfileNodeStatus>());
        cache.Start(stop.Token);
        statuses.Start(stop.Token);
        await cache.WaitForSyncAsync().WaitAsync(TimeSpan.FromSeconds(10));
        await statuses.WaitForSyncAsync().WaitAsync(TimeSpan.FromSeconds(10));
        var reconciler = new SeccompProfileNodeReconciler(backend, cache, null, statuses, new LocalNodeFileSystem(root), new NodeOptions { NodeName = "node-1", SeccompSupported = true }, new EventRecorder(backend, "spod", "node-1"));

        // The caches stop following, then the profile is deleted: they still hold it as not being deleted.
        await stop.CancelAsync();
        await profiles.DeleteAsync(ObjectKey.Cluster("web"));
        Assert.Null(cache.Get(ObjectKey.Cluster("web"))!.Metadata.DeletionTimestamp);

        await reconciler.ReconcileAsync(ObjectKey.Cluster("web"), CancellationToken.None);

        Assert.Equal(["example.com/hold"], (await profiles.GetAsync(ObjectKey.Cluster("web")))!.Metadata.Finalizers);
        Assert.False(File.Exists(Path.Combine(root, "var/lib/kubelet/seccomp/operator/web.json")));
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

    // The manager's seccomp status aggregator over the shared cluster, expecting the given nodes.
    private sealed class Manager : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Informer<SeccompProfile> _profiles;
        private readonly Informer<SecurityProfileNodeStatus> _statuses;
        private readonly Controller<SeccompProfile> _controller;
        private readonly Task _run;

        public Manager(IClusterBackend backend, params string[] expectedNodes)
        {
            _profiles = new Informer<SeccompProfile>(backend.Resource<SeccompProfile>());
            _statuses = new Informer<SecurityProfileNodeStatus>(backend.Resource<SecurityProfileNodeStatus>());
            _profiles.Start(_stop.Token);
            _statuses.Start(_stop.Token);
            var aggregator = new SeccompProfileStatusAggregator(backend, _profiles, _statuses, () => expectedNodes, new NodePaths(), nodeGone: n => !expectedNodes.Contains(n));
            _controller = new Controller<SeccompProfile>("nodestatus", _profiles, aggregator).Watches(_statuses, SeccompProfileStatusAggregator.ProfileOf);
            _run = _controller.RunAsync(_stop.Token);
        }

        public bool Idle => _profiles.HasSynced && _statuses.HasSynced && _controller.Queue.IsIdle;

        public async ValueTask DisposeAsync()
        {
            _stop.Cancel();
            await _run;
            _controller.Dispose();
            await _profiles.DisposeAsync();
            await _statuses.DisposeAsync();
        }
    }

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
