using SpoSdk.Api.Conversion;
using SpoSdk.Api.Naming;
using SpoSdk.Api.Serialization;
using SpoSdk.Api.V1;
using SpoSdk.Audit.Metrics;
using SpoSdk.Node;
using SpoSdk.Node.Files;
using SpoSdk.Profiles.NodeStatus;
using SpoSdk.Profiles.Seccomp;
using SpoSdk.Profiles.Spod;
using SpoSdk.Runtime.Backends;
using SpoSdk.Runtime.Backends.InMemory;
using SpoSdk.Runtime.Controllers;
using SpoSdk.Runtime.Events;
using SpoSdk.Runtime.Informers;

namespace SpoSdk.Tests.Profiles;

/// <summary>One node and the manager on the in-memory cluster, with a node root in a temp directory.</summary>
internal sealed class SeccompNodeFixture : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _running = new();
    private readonly List<IAsyncDisposable> _informers = new();
    private readonly List<IDisposable> _controllers = new();

    /// <param name="nodeName">The node.</param>
    /// <param name="oci">Where OCI base profiles come from.</param>
    /// <param name="seccompSupported">Whether the node's kernel has seccomp.</param>
    /// <param name="metrics">The SPO counters the node reconciler moves.</param>
    /// <param name="daemonBackend">Wraps the backend the node reconciler writes through (e.g. to make writes fail).</param>
    public SeccompNodeFixture(string nodeName = "node-1", IOciBaseProfileSource? oci = null, bool seccompSupported = true, SpodMetrics? metrics = null, Func<IClusterBackend, IClusterBackend>? daemonBackend = null)
    {
        Root = Directory.CreateTempSubdirectory("spo-node-").FullName;
        Backend = new InMemoryBackend(new InMemoryObjectStore(), new ObjectAdmission(SpoConverter.Default, SpoKindRegistry.Default));
        Files = new CountingFileSystem(new LocalNodeFileSystem(Root));
        var node = new NodeOptions { NodeName = nodeName, SeccompSupported = seccompSupported };
        var profiles = Informer<SeccompProfile>();
        var statuses = Informer<SecurityProfileNodeStatus>();
        var spod = new SpodSettingsProvider(Informer<SecurityProfilesOperatorDaemon>(), node.OperatorNamespace);
        var events = new EventRecorder(Backend, "spod", nodeName);
        var daemon = new Controller<SeccompProfile>("profile", profiles, new SeccompProfileNodeReconciler(daemonBackend?.Invoke(Backend) ?? Backend, profiles, spod, statuses, Files, node, events, oci, metrics: metrics));
        var aggregator = new Controller<SeccompProfile>("nodestatus", Informer<SeccompProfile>(), new SeccompProfileStatusAggregator(Backend, profiles, statuses, () => [nodeName], new NodePaths()));
        aggregator.Watches(statuses, SeccompProfileStatusAggregator.ProfileOf);
        spod.Changed += (_, _) =>
        {
            foreach (var key in profiles.Keys())
            {
                daemon.Queue.Add(key);
            }
        };
        foreach (var controller in new[] { daemon, aggregator })
        {
            _controllers.Add(controller);
            _running.Add(controller.RunAsync(_stop.Token));
        }

        Controllers = [daemon, aggregator];
    }

    public string Root { get; }

    public InMemoryBackend Backend { get; }

    public CountingFileSystem Files { get; }

    public IReadOnlyList<Controller<SeccompProfile>> Controllers { get; }

    public IResourceClient<SeccompProfile> Profiles => Backend.Resource<SeccompProfile>();

    public string FileOf(string name) => Path.Combine(Root, "var/lib/kubelet/seccomp/operator", name + ".json");

    /// <summary>Waits until <paramref name="condition"/> holds and every queue is idle.</summary>
    public Task SettleAsync(Func<Task<bool>> condition) => SettleAsync(() => Controllers.All(c => c.Queue.IsIdle), condition);

    /// <summary>Waits (at most 15 s) until <paramref name="condition"/> holds twice, 50 ms apart, while <paramref name="idle"/> says nothing is queued.</summary>
    internal static async Task SettleAsync(Func<bool> idle, Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (true)
        {
            if (idle() && await condition())
            {
                await Task.Delay(50);
                if (idle() && await condition())
                {
                    return;
                }
            }

            Assert.True(DateTime.UtcNow < deadline, "the node did not settle in time");
            await Task.Delay(20);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        await Task.WhenAll(_running);
        foreach (var controller in _controllers)
        {
            controller.Dispose();
        }

        foreach (var informer in _informers)
        {
            await informer.DisposeAsync();
        }

        Directory.Delete(Root, recursive: true);
    }

    private Informer<T> Informer<T>()
        where T : class, k8s.IKubernetesObject<k8s.Models.V1ObjectMeta>
    {
        var informer = new Informer<T>(Backend.Resource<T>());
        informer.Start(_stop.Token);
        _informers.Add(informer);
        return informer;
    }

    /// <summary>Counts writes, so tests can prove an unchanged resync writes nothing.</summary>
    internal sealed class CountingFileSystem(INodeFileSystem inner) : INodeFileSystem
    {
        private int _writes;

        public int Writes => _writes;

        public string Root => inner.Root;

        public byte[]? ReadAllBytes(string hostPath) => inner.ReadAllBytes(hostPath);

        public bool WriteIfChanged(string hostPath, ReadOnlySpan<byte> content, UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, string? stagingSubdirectory = null)
        {
            var written = inner.WriteIfChanged(hostPath, content, mode, stagingSubdirectory);
            if (written)
            {
                Interlocked.Increment(ref _writes);
            }

            return written;
        }

        public bool Delete(string hostPath) => inner.Delete(hostPath);
    }
}
