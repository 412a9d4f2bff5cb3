using System.Diagnostics.Metrics;
using k8s.Models;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SpoSdk.Api.Naming;
using SpoSdk.Api.V1;
using SpoSdk.Audit.Enrichment;
using SpoSdk.Audit.Metrics;
using SpoSdk.Node;
using SpoSdk.Node.Files;
using SpoSdk.Profiles.AppArmor;
using SpoSdk.Profiles.NodeStatus;
using SpoSdk.Profiles.Seccomp;
using SpoSdk.Profiles.Selinux;
using SpoSdk.Profiles.Spod;
using SpoSdk.Recording.Logs;
using SpoSdk.Recording.Recorders;
using SpoSdk.Runtime.Backends;
using SpoSdk.Runtime.Controllers;
using SpoSdk.Runtime.Events;
using SpoSdk.Runtime.Queue;

namespace SpoSdk.Hosting;

/// <summary>
/// One SDK instance's operator: its informers and controllers, started and stopped with the host.
/// Everything it uses belongs to its own service provider, so two instances in one process do not
/// share any state.
/// </summary>
public sealed class SpoOperator : IHostedService, IAsyncDisposable
{
    private readonly SpoOperatorBuilder _settings;
    private readonly InformerFactory _informers;
    private readonly IClusterBackend _backend;
    private readonly INodeFileSystem _files;
    private readonly IOciBaseProfileSource? _oci;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggers;
    private readonly ControllerMetrics _controllerMetrics;
    private readonly WorkQueueMetrics _queueMetrics;
    private readonly List<IControllerHandle> _controllers = new();
    private readonly CancellationTokenSource _stop = new();
    private int _disposed;
    private readonly List<Task> _running = new();
    private readonly SpodSettingsProvider _spod;
    private readonly IMeterFactory _meters;
    private readonly List<IAsyncDisposable> _owned = new();
    private readonly List<Func<CancellationToken, Task>> _runners = new();
    private ExpectedNodes? _expectedNodes;

    /// <summary>Creates the operator; the host starts it.</summary>
    public SpoOperator(SpoOperatorBuilder settings, IClusterBackend backend, InformerFactory informers, INodeFileSystem files, TimeProvider time, IMeterFactory meters, ILoggerFactory? loggers = null, IOciBaseProfileSource? oci = null, SpodSettingsProvider? spod = null)
    {
        _oci = oci;
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(meters);
        _settings = settings;
        _backend = backend;
        _informers = informers;
        _files = files;
        _time = time;
        _loggers = loggers ?? NullLoggerFactory.Instance;
        _meters = meters;
        var meter = meters.Create("SpoSdk");
        _controllerMetrics = new ControllerMetrics(meter);
        _queueMetrics = new WorkQueueMetrics(meter);
        _spod = spod ?? new SpodSettingsProvider(informers.For<SecurityProfilesOperatorDaemon>(settings.OperatorNamespace), settings.OperatorNamespace);
    }

    /// <summary>The backend this instance reads and writes.</summary>
    public IClusterBackend Backend => _backend;

    /// <summary>The node this instance runs the daemon role for.</summary>
    public string NodeName => _settings.NodeName;

    /// <summary>This instance's effective SPOD settings.</summary>
    public SpodSettingsProvider SpodSettings => _spod;

    /// <summary>The nodes whose daemons profile statuses and the SPOD state wait for (manager role).</summary>
    public ExpectedNodes ExpectedNodes => _expectedNodes ??= _settings.ExpectedNodes is { } configured
        ? ExpectedNodes.Fixed(configured)
        : new ExpectedNodes(_informers.For<V1Node>(), _informers.For<V1Lease>(_settings.OperatorNamespace), _spod, _settings.Daemon ? _settings.NodeName : null);

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var node = new NodeOptions { NodeName = _settings.NodeName, KubeletDirectory = _settings.KubeletDirectory, OperatorNamespace = _settings.OperatorNamespace };
        if (_settings.Seccomp)
        {
            AddSeccomp(node);
        }

        if (_settings.Selinux || _settings.AppArmor)
        {
            AddNodeFileProfiles(node);
        }

        if (_settings.LogEnricher is not null || _settings.Recording)
        {
            AddAuditAndRecording(node);
        }

        if (_settings.Manager)
        {
            AddSpodStatus();
        }

        _informers.StartAll(_stop.Token);
        foreach (var runner in _runners)
        {
            _running.Add(runner(_stop.Token));
        }

        foreach (var controller in _controllers)
        {
            _running.Add(controller.RunAsync(_stop.Token));
        }

        if (_settings.Daemon)
        {
            _running.Add(RunHeartbeatAsync(_stop.Token));
        }

        _loggers.CreateLogger<SpoOperator>().LogInformation("SpoSdk operator started on node {Node} with {Count} controllers", node.NodeName, _controllers.Count);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_running).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Waits until every controller has had nothing to do for <paramref name="quiet"/> (work due
    /// later, such as retries, does not count): for one-shot runs.
    /// </summary>
    public async Task WaitForIdleAsync(TimeSpan quiet, CancellationToken cancellationToken)
    {
        await _informers.WaitForSyncAsync(cancellationToken).ConfigureAwait(false);
        var idleSince = _time.GetTimestamp();
        var lastChange = ChangeMarker();
        while (true)
        {
            // Busy while any queue has work, or while the cluster still changes (a write's watch
            // event may not have reached its informer yet).
            var change = ChangeMarker();
            if (_controllers.Any(c => !c.IsIdle) || change != lastChange)
            {
                idleSince = _time.GetTimestamp();
                lastChange = change;
            }
            else if (_time.GetElapsedTime(idleSince) >= quiet)
            {
                return;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20), cancellationToken).ConfigureAwait(false);
        }
    }

    private string? ChangeMarker() => (_backend as Runtime.Backends.InMemory.InMemoryBackend)?.Store.ResourceVersion;

    /// <summary>Queues every object of every controller again, as a periodic resync does: unchanged objects cause no writes.</summary>
    public Task ResyncAsync(CancellationToken cancellationToken)
    {
        foreach (var controller in _controllers)
        {
            controller.Resync();
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        // The container disposes the operator once as itself and once as the hosted service it also is.
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_running).ConfigureAwait(false);
        foreach (var controller in _controllers)
        {
            controller.Dispose();
        }

        foreach (var owned in _owned)
        {
            await owned.DisposeAsync().ConfigureAwait(false);
        }

        _stop.Dispose();
    }

    private void AddSeccomp(NodeOptions node)
    {
        var profiles = _informers.For<SeccompProfile>();
        var events = new EventRecorder(_backend, "spod", node.NodeName, time: _time);
        if (_settings.Daemon)
        {
            var reconciler = new SeccompProfileNodeReconciler(_backend, profiles, _spod, _informers.For<SecurityProfileNodeStatus>(), _files, node, events, _oci, _loggers.CreateLogger<SeccompProfileNodeReconciler>());
            var controller = NewController("profile", profiles, reconciler);
            _spod.Changed += (_, _) => EnqueueAll(controller, profiles);
        }

        if (_settings.Manager)
        {
            var statuses = _informers.For<SecurityProfileNodeStatus>();
            var expected = ExpectedNodes;
            var aggregator = new SeccompProfileStatusAggregator(_backend, profiles, statuses, () => expected.Current, new NodePaths(node.KubeletDirectory), _time, expected.IsGone);
            var controller = AfterExpectedNodes(NewController("nodestatus", profiles, aggregator).Watches(statuses, SeccompProfileStatusAggregator.ProfileOf));
            expected.Changed += (_, _) => EnqueueAll(controller, profiles);
        }
    }

    // Daemon: the node's pods (one informer for the enricher's pod lookups and the recording collector),
    // the log enricher feeding the log recorder. Manager: ProfileRecording bookkeeping and merges.
    private void AddAuditAndRecording(NodeOptions node)
    {
        var events = new EventRecorder(_backend, "spod", node.NodeName, time: _time);
        var recordings = _settings.Recording ? _informers.For<ProfileRecording>() : null;
        LogRecorder? recorder = null;
        ProfileRecorderRegistry? registry = null;
        if (recordings is not null)
        {
            recorder = _settings.Daemon ? new LogRecorder(new InformerActiveRecordings(recordings), logger: _loggers.CreateLogger<LogRecorder>()) : null;
            registry = new ProfileRecorderRegistry(recorder is null ? [] : [recorder]);
        }

        RecordingCollector? collector = null;
        if (_settings.Daemon && _settings.LogEnricher is { } options)
        {
            var podOptions = new PodContainerDirectoryOptions { NodeName = node.NodeName, EnableMemoryOptimization = options.MemoryOptimization };
            var pods = PodContainerDirectory.CreatePodInformer(_backend, podOptions, _time, _loggers.CreateLogger<Runtime.Informers.Informer<V1Pod>>());
            var directory = new PodContainerDirectory(pods, podOptions, _time);
            _owned.Add(pods);
            _runners.Add(token =>
            {
                pods.Start(token);
                return Task.CompletedTask;
            });

            if (registry is not null)
            {
                collector = new RecordingCollector(_backend, pods, recordings!, registry, events, _loggers.CreateLogger<RecordingCollector>());
                NewController("recorder", pods, collector);
            }

            var processes = new ProcessContainerResolver(new ProcFs(options.ProcRoot), time: _time);
            IReadOnlyList<IEnrichedAuditSink> recorderSinks = recorder is null ? [] : [new LogRecorderAuditSink(recorder)];
            var runner = new LogEnricherRunner(options, _settings.NodeRoot, node.NodeName, _spod, processes, directory, recorderSinks, new SpodMetrics(_meters), new AuditPipelineMetrics(_meters), _time, _loggers);
            _runners.Add(async token =>
            {
                try
                {
                    await runner.RunAsync(token).ConfigureAwait(false);
                }
                finally
                {
                    directory.Dispose();
                }
            });
        }

        if (_settings.Manager && recordings is not null)
        {
            var reconciler = new ProfileRecordingReconciler(_backend, recordings, registry!, events, node.NodeName, collector, _loggers.CreateLogger<ProfileRecordingReconciler>());
            NewController("recording", recordings, reconciler);
        }
    }

    // The SPOD's state from the expected nodes and the daemons' heartbeats (manager role).
    private void AddSpodStatus()
    {
        var heartbeats = _informers.For<V1Lease>(_settings.OperatorNamespace);
        var reconciler = new SpodStatusReconciler(_backend, _spod, heartbeats, ExpectedNodes, _time);
        var controller = AfterExpectedNodes(NewController("spod", _spod.Informer, reconciler).Watches(heartbeats, _ => [reconciler.SpodKey]));
        ExpectedNodes.Changed += (_, _) => controller.Queue.Add(reconciler.SpodKey);
    }

    // A controller that reads the expected nodes starts once the informers they come from have synced,
    // so no status is written from a half-known node list.
    private Controller<T> AfterExpectedNodes<T>(Controller<T> controller)
        where T : class, k8s.IKubernetesObject<V1ObjectMeta>
    {
        if (_settings.ExpectedNodes is null)
        {
            controller.Watches(_informers.For<V1Node>(), _ => []).Watches(_informers.For<V1Lease>(_settings.OperatorNamespace), _ => []);
        }

        return controller;
    }

    // The daemon role tells the manager it runs once its informers have synced and its controllers run.
    private async Task RunHeartbeatAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _informers.WaitForSyncAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        var heartbeat = new DaemonHeartbeat(_backend, _settings.OperatorNamespace, _settings.NodeName, _spod, _time, logger: _loggers.CreateLogger<DaemonHeartbeat>());
        await heartbeat.RunAsync(cancellationToken).ConfigureAwait(false);
    }

    private static void EnqueueAll<T>(Controller<T> controller, Runtime.Informers.Informer<T> informer)
        where T : class, k8s.IKubernetesObject<k8s.Models.V1ObjectMeta>
    {
        foreach (var key in informer.Keys())
        {
            controller.Queue.Add(key);
        }
    }

    // SELinux and AppArmor share one claim registry, so that no two objects ever write one node file.
    private void AddNodeFileProfiles(NodeOptions node)
    {
        var statuses = _informers.For<SecurityProfileNodeStatus>();
        var events = new EventRecorder(_backend, "spod", node.NodeName, time: _time);
        var claims = new NodeFileClaims(node.NodeName, statuses);
        var runner = new Node.Commands.ProcessCommandRunner();
        if (_settings.Selinux)
        {
            var installer = FileOnlyProfileInstaller.ForNode<ISelinuxPolicyInstaller>(_files, _settings.SelinuxInstaller?.Invoke(_files, runner) ?? new SelinuxdPolicyInstaller(_files));
            var selinux = AddNodeFileKind<SelinuxProfile>(node, SelinuxStatusAppliers.Apply, (profiles, spod) => new SelinuxProfileNodeReconciler(_backend, profiles, spod, statuses, _files, node, claims, installer, events, _loggers.CreateLogger<SelinuxProfileNodeReconciler>()));
            var raw = AddNodeFileKind<RawSelinuxProfile>(node, SelinuxStatusAppliers.Apply, (profiles, spod) => new RawSelinuxProfileNodeReconciler(_backend, profiles, spod, statuses, _files, node, claims, installer, events, _loggers.CreateLogger<RawSelinuxProfileNodeReconciler>()));

            // The two kinds share /etc/selinux.d/<name>.cil: when one lets go of it (its node status goes), the other may take it.
            selinux?.Watches(statuses, ProfileStatusAggregator<RawSelinuxProfile>.ProfilesOf(RawSelinuxProfile.KubeKind));
            raw?.Watches(statuses, ProfileStatusAggregator<SelinuxProfile>.ProfilesOf(SelinuxProfile.KubeKind));
        }

        if (_settings.AppArmor)
        {
            var loader = FileOnlyProfileInstaller.ForNode<IAppArmorProfileLoader>(_files, new AppArmorParserLoader(runner, _files));
            AddNodeFileKind<AppArmorProfile>(node, AppArmorProfileNodeReconciler.ApplyStatus, (profiles, spod) => new AppArmorProfileNodeReconciler(_backend, profiles, spod, statuses, _files, node, claims, loader, events, _loggers.CreateLogger<AppArmorProfileNodeReconciler>()));
        }
    }

    // One kind's daemon controller (returned, null in manager-only mode) and its manager-side status aggregation.
    private Controller<T>? AddNodeFileKind<T>(NodeOptions node, ApplyProfileStatus<T> applyStatus, Func<Runtime.Informers.Informer<T>, Runtime.Informers.Informer<SecurityProfilesOperatorDaemon>, IReconciler<T>> reconciler)
        where T : class, k8s.IKubernetesObject<k8s.Models.V1ObjectMeta>
    {
        var profiles = _informers.For<T>();
        var kind = typeof(T).Name;
        Controller<T>? daemon = null;
        if (_settings.Daemon)
        {
            var spod = _informers.For<SecurityProfilesOperatorDaemon>(node.OperatorNamespace);
            daemon = NewController(kind.ToLowerInvariant(), profiles, reconciler(profiles, spod));
            daemon.Watches(spod, _ => profiles.Keys());
        }

        if (_settings.Manager)
        {
            var statuses = _informers.For<SecurityProfileNodeStatus>();
            var expected = ExpectedNodes;
            var aggregator = new ProfileStatusAggregator<T>(_backend, profiles, statuses, () => expected.Current, applyStatus, _time, expected.IsGone);
            var controller = AfterExpectedNodes(NewController(kind.ToLowerInvariant() + "-nodestatus", profiles, aggregator).Watches(statuses, ProfileStatusAggregator<T>.ProfilesOf(kind)));
            expected.Changed += (_, _) => EnqueueAll(controller, profiles);
        }

        return daemon;
    }

    private Controller<T> NewController<T>(string name, Runtime.Informers.Informer<T> informer, IReconciler<T> reconciler)
        where T : class, k8s.IKubernetesObject<k8s.Models.V1ObjectMeta>
    {
        var controller = new Controller<T>(name, informer, reconciler, null, _time, _controllerMetrics, _queueMetrics, _loggers.CreateLogger("SpoSdk.Controllers." + name));
        _controllers.Add(new ControllerHandle<T>(controller, informer));
        return controller;
    }

    private interface IControllerHandle : IDisposable
    {
        bool IsIdle { get; }

        void Resync();

        Task RunAsync(CancellationToken cancellationToken);
    }

    private sealed class ControllerHandle<T>(Controller<T> controller, Runtime.Informers.Informer<T> informer) : IControllerHandle
        where T : class, k8s.IKubernetesObject<k8s.Models.V1ObjectMeta>
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

        public void Dispose() => controller.Dispose();
    }
}
