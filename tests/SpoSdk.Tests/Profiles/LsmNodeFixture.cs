using k8s.Models;
using SpoSdk.Api.Conversion;
using SpoSdk.Api.Serialization;
using SpoSdk.Api.V1;
using SpoSdk.Audit.Metrics;
using SpoSdk.Node;
using SpoSdk.Node.Commands;
using SpoSdk.Node.Files;
using SpoSdk.Profiles.AppArmor;
using SpoSdk.Profiles.NodeStatus;
using SpoSdk.Profiles.Selinux;
using SpoSdk.Runtime;
using SpoSdk.Runtime.Backends;
using SpoSdk.Runtime.Backends.InMemory;
using SpoSdk.Runtime.Controllers;
using SpoSdk.Runtime.Events;
using SpoSdk.Runtime.Informers;

namespace SpoSdk.Tests.Profiles;

/// <summary>
/// One node and the manager for the SELinux and AppArmor kinds on the in-memory cluster, with a
/// node root in a temp directory and the installer and loader a test chooses (file-based by default,
/// as under any node root other than <c>/</c>).
/// </summary>
internal sealed class LsmNodeFixture : IAsyncDisposable
{
    public const string OperatorNamespace = "security-profiles-operator";

    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _running = new();
    private readonly List<IAsyncDisposable> _informers = new();
    private readonly List<IDisposable> _controllers = new();
    private readonly Informer<SecurityProfileNodeStatus> _statuses;
    private readonly Informer<SecurityProfilesOperatorDaemon> _spod;

    public LsmNodeFixture(Func<INodeFileSystem, ISelinuxPolicyInstaller>? installer = null, Func<INodeFileSystem, IAppArmorProfileLoader>? loader = null, Action<string>? prepareRoot = null, string nodeName = "node-1", SpodMetrics? metrics = null, Func<IClusterBackend, IClusterBackend>? daemonBackend = null)
    {
        Root = Directory.CreateTempSubdirectory("spo-lsm-node-").FullName;
        prepareRoot?.Invoke(Root);
        Backend = new InMemoryBackend(new InMemoryObjectStore(), new ObjectAdmission(SpoConverter.Default, SpoKindRegistry.Default));
        Files = new SeccompNodeFixture.CountingFileSystem(new LocalNodeFileSystem(Root));
        var node = new NodeOptions { NodeName = nodeName };
        _statuses = Informer<SecurityProfileNodeStatus>();
        _spod = Informer<SecurityProfilesOperatorDaemon>();
        var events = new EventRecorder(Backend, "spod", nodeName);
        var claims = new NodeFileClaims(nodeName, _statuses);
        var writes = daemonBackend?.Invoke(Backend) ?? Backend;
        var selinuxInstaller = installer?.Invoke(Files) ?? new FileOnlyProfileInstaller();
        var appArmorLoader = loader?.Invoke(Files) ?? new FileOnlyProfileInstaller();

        var selinux = Add<SelinuxProfile>((p, s) => new SelinuxProfileNodeReconciler(writes, p, s, _statuses, Files, node, claims, selinuxInstaller, events, metrics: metrics), SelinuxStatusAppliers.Apply);
        var raw = Add<RawSelinuxProfile>((p, s) => new RawSelinuxProfileNodeReconciler(writes, p, s, _statuses, Files, node, claims, selinuxInstaller, events), SelinuxStatusAppliers.Apply);
        Add<AppArmorProfile>((p, s) => new AppArmorProfileNodeReconciler(writes, p, s, _statuses, Files, node, claims, appArmorLoader, events, metrics: metrics), AppArmorProfileNodeReconciler.ApplyStatus);
        selinux.Watches(_statuses, ProfileStatusAggregator<RawSelinuxProfile>.ProfilesOf(RawSelinuxProfile.KubeKind));
        raw.Watches(_statuses, ProfileStatusAggregator<SelinuxProfile>.ProfilesOf(SelinuxProfile.KubeKind));
        foreach (var controller in Controllers)
        {
            _running.Add(controller.RunAsync(_stop.Token));
        }
    }

    public string Root { get; }

    public InMemoryBackend Backend { get; }

    public SeccompNodeFixture.CountingFileSystem Files { get; }

    public List<IController> Controllers { get; } = new();

    public IResourceClient<SelinuxProfile> Selinux => Backend.Resource<SelinuxProfile>();

    public IResourceClient<RawSelinuxProfile> Raw => Backend.Resource<RawSelinuxProfile>();

    public IResourceClient<AppArmorProfile> AppArmor => Backend.Resource<AppArmorProfile>();

    public string SelinuxFile(string name) => Path.Combine(Root, "etc/selinux.d", name + ".cil");

    public string AppArmorFile(string name) => Path.Combine(Root, "etc/apparmor.d", name);

    /// <summary>Writes a host file under a node root, e.g. the kernel's AppArmor switch.</summary>
    public static void WriteHostFile(string root, string hostPath, string content)
    {
        var path = root + hostPath;
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    /// <summary>Creates (or replaces the spec of) the operator's SPOD and waits until the node has seen it.</summary>
    public async Task SetSpodAsync(SecurityProfilesOperatorDaemonSpec spec)
    {
        var client = Backend.Resource<SecurityProfilesOperatorDaemon>();
        var key = new ObjectKey(OperatorNamespace, "spod");
        var written = await client.GetAsync(key) is null
            ? await client.CreateAsync(new SecurityProfilesOperatorDaemon { Metadata = new V1ObjectMeta { Name = "spod", NamespaceProperty = OperatorNamespace }, Spec = spec })
            : (await client.UpdateWithRetryAsync(key, s => { s.Spec = spec; return true; }))!;

        // Profiles created next must meet this SPOD, not the one the daemon's cache held before.
        await SettleAsync(() => Task.FromResult(_spod.Get(key)?.Metadata.ResourceVersion == written.Metadata.ResourceVersion));
    }

    /// <summary>The warning events about an object, oldest first.</summary>
    public async Task<List<Corev1Event>> WarningsAsync(string kind, string name) =>
        (await Backend.Resource<Corev1Event>().ListAsync()).Items.Where(e => e.InvolvedObject.Kind == kind && e.InvolvedObject.Name == name && e.Type == "Warning").ToList();

    /// <summary>Waits until <paramref name="condition"/> holds and every queue is idle.</summary>
    public Task SettleAsync(Func<Task<bool>> condition) => SeccompNodeFixture.SettleAsync(() => Controllers.All(c => c.IsIdle), condition);

    /// <summary>Queues every profile of every controller again, as a periodic resync does.</summary>
    public void Resync()
    {
        foreach (var controller in Controllers)
        {
            controller.Resync();
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

    private Controller<T> Add<T>(Func<Informer<T>, Informer<SecurityProfilesOperatorDaemon>, IReconciler<T>> reconciler, ApplyProfileStatus<T> apply)
        where T : class, k8s.IKubernetesObject<V1ObjectMeta>
    {
        var profiles = Informer<T>();
        var daemon = new Controller<T>(typeof(T).Name, profiles, reconciler(profiles, _spod));
        daemon.Watches(_spod, _ => profiles.Keys());
        var aggregator = new Controller<T>(typeof(T).Name + "-nodestatus", profiles, new ProfileStatusAggregator<T>(Backend, profiles, _statuses, () => ["node-1"], apply));
        aggregator.Watches(_statuses, ProfileStatusAggregator<T>.ProfilesOf(typeof(T).Name));
        _controllers.Add(daemon);
        _controllers.Add(aggregator);
        Controllers.Add(new Handle<T>(daemon, profiles));
        Controllers.Add(new Handle<T>(aggregator, profiles));
        return daemon;
    }

    private Informer<T> Informer<T>()
        where T : class, k8s.IKubernetesObject<V1ObjectMeta>
    {
        var informer = new Informer<T>(Backend.Resource<T>());
        informer.Start(_stop.Token);
        _informers.Add(informer);
        return informer;
    }

    internal interface IController
    {
        bool IsIdle { get; }

        void Resync();

        Task RunAsync(CancellationToken cancellationToken);
    }

    private sealed class Handle<T>(Controller<T> controller, Informer<T> informer) : IController
        where T : class, k8s.IKubernetesObject<V1ObjectMeta>
    {
        public bool IsIdle => controller.Queue.IsIdle;

        public void Resync()
        {
            foreach (var key in informer.Keys())
            {
                controller.Queue.Add(key);
            }
        }

        public Task RunAsync(CancellationToken cancellationToken) => controller.RunAsync(cancellationToken);
    }
}

/// <summary>An <see cref="ICommandRunner"/> that records every call and answers with a set exit code.</summary>
internal sealed class RecordingCommandRunner : ICommandRunner
{
    private readonly object _gate = new();
    private readonly List<(string FileName, string[] Arguments, bool FileExisted)> _calls = new();

    /// <summary>The exit code every call returns.</summary>
    public int ExitCode { get; set; }

    /// <summary>What a failing call writes to standard error.</summary>
    public string StandardError { get; set; } = string.Empty;

    /// <summary>Every call, with whether its last argument named an existing file at the time.</summary>
    public IReadOnlyList<(string FileName, string[] Arguments, bool FileExisted)> Calls
    {
        get
        {
            lock (_gate)
            {
                return _calls.ToList();
            }
        }
    }

    public Task<CommandResult> RunAsync(string fileName, IReadOnlyList<string> arguments, CommandOptions? options = null, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            _calls.Add((fileName, arguments.ToArray(), arguments.Count > 0 && File.Exists(arguments[^1])));
        }

        return Task.FromResult(new CommandResult(ExitCode, string.Empty, ExitCode == 0 ? string.Empty : StandardError));
    }
}
