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
using SpoSdk.Runtime.Leader;
using SpoSdk.Runtime.Queue;

namespace SpoSdk.Hosting;

/// <summary>
/// One SDK instance's operator: its informers and controllers, started and stopped with the host.
/// Everything it uses belongs to its own service provider, so two instances in one process do not
/// share any state.
/// </summary>
/// <remarks>
/// <para>The daemon role (node reconcilers, enricher, recorder, heartbeat) is built once and runs from
/// start to stop on every instance. The manager role (status aggregation, SPOD status, recording
/// bookkeeping, default profiles) runs in terms: without leader election one term lasts from start to
/// stop; with it (<see cref="SpoOperatorBuilder.WithLeaderElection"/>) a term lasts while this instance
/// holds the leader Lease. Each term gets fresh controllers and queues over the shared informers, and
/// losing the Lease cancels the term's token: a reconcile in flight finishes or aborts at its next await,
/// and every write it makes is resourceVersion-checked, so nothing is half-written.</para>
/// <para><see cref="Health"/> says what runs (for /readyz and metrics).</para>
/// </remarks>
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
    private readonly ControllerSet _daemon = new();
    private readonly CancellationTokenSource _stop = new();
    private int _disposed;
    private readonly List<Task> _running = new();
    private readonly SpodSettingsProvider _spod;
    private readonly IMeterFactory _meters;
    private readonly SpodMetrics _spodMetrics;
    private readonly List<IAsyncDisposable> _owned = new();
    private readonly LeaderElector? _elector;
    private readonly SpoOperatorHealth _health;
    private readonly object _termGate = new();
    private ControllerSet? _managerTerm;
    private ExpectedNodes? _expectedNodes;
    private ProfileRecorderRegistry? _recorders;
    private SpodStatusReconciler? _spodStatus;
    private int _terms;

    /// <summary>Creates the operator; the host starts it.</summary>
    public SpoOperator(SpoOperatorBuilder settings, IClusterBackend backend, InformerFactory informers, INodeFileSystem files, TimeProvider time, IMeterFactory meters, ILoggerFactory? loggers = null, IOciBaseProfileSource? oci = null, SpodSettingsProvider? spod = null, SpoOperatorHealth? health = null, SpodMetrics? spodMetrics = null)
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

        // One SpodMetrics per SDK instance: a second one on the same factory would duplicate the counters.
        _spodMetrics = spodMetrics ?? new SpodMetrics(meters);
        var meter = meters.Create("SpoSdk");
        _controllerMetrics = new ControllerMetrics(meter);
        _queueMetrics = new WorkQueueMetrics(meter);
        _spod = spod ?? new SpodSettingsProvider(informers.For<SecurityProfilesOperatorDaemon>(settings.OperatorNamespace), settings.OperatorNamespace);
        var elected = settings.Manager && settings.LeaderElectionFor(backend);
        _health = health ?? new SpoOperatorHealth(settings.Manager, settings.Daemon, elected);
        if (elected)
        {
            _elector = new LeaderElector(backend, settings.OperatorNamespace, settings.LeaderElection, time, _loggers.CreateLogger<LeaderElector>());
            _elector.LeadershipChanged += (_, change) => _health.Update(s => s with { Leader = change.Leader });

            // controller-runtime's gauge, only where an election runs (as there): 1 while leading, else 0.
            meter.CreateObservableGauge(
                LeaderElectionMasterStatus,
                () => new Measurement<long>(_health.IsLeader ? 1 : 0, new KeyValuePair<string, object?>("name", settings.LeaderElection.LeaseName)),
                description: "Gauge of if the reporter is master of the relevant lease, 0 indicates backup, 1 indicates master. 'name' is the string used to identify the lease.");
        }
    }

    /// <summary>The gauge on the <c>SpoSdk</c> meter saying whether this instance holds the leader Lease (label <c>name</c>: the Lease).</summary>
    public const string LeaderElectionMasterStatus = "leader_election_master_status";

    /// <summary>This instance's live state: started, caches synced, leading or not, controllers running.</summary>
    public SpoOperatorHealth Health => _health;

    /// <summary>The leader elector, when the manager role runs under leader election; else null.</summary>
    public LeaderElector? LeaderElector => _elector;

    /// <summary>Whether the manager role's controllers run here now.</summary>
    public bool IsLeader => _health.IsLeader;

    /// <summary>How many times the manager role has started here (each leadership term starts it once).</summary>
    public int ManagerTerms => Volatile.Read(ref _terms);

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
        var node = Node;
        if (_settings.Daemon)
        {
            // The daemon role never waits for leadership: it is built once and runs on every node.
            AddDaemonRole(node);
        }

        if (_settings.Manager)
        {
            // Make the manager's informers now, so that they sync with the rest (a standby keeps its caches warm).
            using var probe = new ControllerSet();
            AddManagerRole(probe, node);
        }

        _informers.StartAll(_stop.Token);
        foreach (var runner in _daemon.Runners)
        {
            _running.Add(runner(_stop.Token));
        }

        foreach (var controller in _daemon.Controllers)
        {
            _running.Add(controller.RunAsync(_stop.Token));
        }

        if (_settings.Daemon)
        {
            _running.Add(RunHeartbeatAsync(_stop.Token));
        }

        if (_settings.Manager)
        {
            _running.Add(_elector is null ? RunManagerTermAsync(_stop.Token) : _elector.RunAsync(RunManagerTermAsync, _stop.Token));
        }

        _running.Add(ReportSyncAsync(_stop.Token));
        if (_settings.ResyncPeriod is { } period)
        {
            _running.Add(ResyncEveryAsync(period, _stop.Token));
        }

        _health.Update(s => s with { Started = true, DaemonControllers = _daemon.Controllers.Count });
        _loggers.CreateLogger<SpoOperator>().LogInformation("SpoSdk operator started on node {Node} with {Count} daemon controllers; manager role {Manager}", node.NodeName, _daemon.Controllers.Count, !_settings.Manager ? "off" : _elector is null ? "on" : "under leader election (" + _elector.LeaseKey + ")");
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await WhenRunningEndedAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _health.Update(s => s with { Started = false });
        }
    }

    /// <summary>
    /// Waits until every controller has had nothing to do for <paramref name="quiet"/> (work due
    /// later, such as retries, does not count): for one-shot runs. A standby's manager role has no
    /// controllers, so it counts as idle.
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
            if (AllControllers().Any(c => !c.IsIdle) || change != lastChange)
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

    // The periodic resync: each wait is the period plus up to 10 % (controller-runtime's jitter), so the nodes
    // of a cluster started together drift apart instead of resyncing at once.
    private async Task ResyncEveryAsync(TimeSpan period, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                var jitter = TimeSpan.FromTicks((long)(period.Ticks * 0.1 * Random.Shared.NextDouble()));
                await Task.Delay(period + jitter, _time, cancellationToken).ConfigureAwait(false);
                await ResyncAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    // A loop stopped mid-request may end cancelled: that is the stop, not a failure to report (it would hide the
    // failure that caused the stop, such as a port in use). A fault still surfaces: WhenAll prefers it to a cancellation.
    private async Task WhenRunningEndedAsync()
    {
        try
        {
            await Task.WhenAll(_running).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
    }

    private string? ChangeMarker() => (_backend as Runtime.Backends.InMemory.InMemoryBackend)?.Store.ResourceVersion;

    /// <summary>Queues every object of every controller again, as a periodic resync does: unchanged objects cause no writes.</summary>
    public Task ResyncAsync(CancellationToken cancellationToken)
    {
        foreach (var controller in AllControllers())
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
        await WhenRunningEndedAsync().ConfigureAwait(false);
        _daemon.Dispose();

        foreach (var owned in _owned)
        {
            await owned.DisposeAsync().ConfigureAwait(false);
        }

        _stop.Dispose();
    }

    // Only a node root of "/" is this kernel's node; any other root stands in for a node whose kernel is not this one
    // (spoc reconcile into an image, the embedded sample), as the SELinux and AppArmor installers already assume.
    private NodeOptions Node => new()
    {
        NodeName = _settings.NodeName,
        KubeletDirectory = _settings.KubeletDirectory,
        OperatorNamespace = _settings.OperatorNamespace,
        SeccompSupported = _files.Root != "/" || SeccompKernel.IsSupported(),
    };

    private IEnumerable<IControllerHandle> AllControllers()
    {
        lock (_termGate)
        {
            return [.. _daemon.Controllers, .. _managerTerm?.Controllers ?? []];
        }
    }

    // The daemon role: node reconcilers, the enricher and the recorder; built once.
    private void AddDaemonRole(NodeOptions node)
    {
        if (_settings.Seccomp)
        {
            var profiles = _informers.For<SeccompProfile>();
            var events = new EventRecorder(_backend, "spod", node.NodeName, time: _time, logger: _loggers.CreateLogger<EventRecorder>());
            var reconciler = new SeccompProfileNodeReconciler(_backend, profiles, _spod, _informers.For<SecurityProfileNodeStatus>(), _files, node, events, _oci, _loggers.CreateLogger<SeccompProfileNodeReconciler>(), _spodMetrics);
            var controller = NewController(_daemon, "profile", profiles, reconciler);
            _spod.Changed += (_, _) => EnqueueAll(controller, profiles);
        }

        if (_settings.Selinux || _settings.AppArmor)
        {
            AddNodeFileProfiles(node);
        }

        if (_settings.LogEnricher is not null || _settings.Recording)
        {
            AddEnricherAndRecorder(node);
        }
    }

    // The manager role, wired into one leadership term's fresh controllers. Everything made here lives
    // as long as the term: the set's disposal stops the controllers and unhooks them from the informers.
    private void AddManagerRole(ControllerSet term, NodeOptions node)
    {
        var statuses = _informers.For<SecurityProfileNodeStatus>();
        if (_settings.Seccomp)
        {
            var profiles = _informers.For<SeccompProfile>();
            var expected = ExpectedNodes;
            var aggregator = new SeccompProfileStatusAggregator(_backend, profiles, statuses, () => expected.Current, new NodePaths(node.KubeletDirectory), _time, expected.IsGone);
            var controller = AfterExpectedNodes(NewController(term, "nodestatus", profiles, aggregator).Watches(statuses, SeccompProfileStatusAggregator.ProfileOf));
            OnExpectedNodesChanged(term, () => EnqueueAll(controller, profiles));
        }

        if (_settings.Selinux)
        {
            AddStatusAggregation<SelinuxProfile>(term, SelinuxStatusAppliers.Apply);
            AddStatusAggregation<RawSelinuxProfile>(term, SelinuxStatusAppliers.Apply);
        }

        if (_settings.AppArmor)
        {
            AddStatusAggregation<AppArmorProfile>(term, AppArmorProfileNodeReconciler.ApplyStatus);
        }

        if (_settings.Recording)
        {
            // ProfileRecording bookkeeping and merges, once every node's daemon has written its pods' profiles.
            var recordings = _informers.For<ProfileRecording>();
            var events = new EventRecorder(_backend, "spod", node.NodeName, time: _time, logger: _loggers.CreateLogger<EventRecorder>());
            var registry = _recorders ?? new ProfileRecorderRegistry([]);
            // Node finalizers of nodes that left the cluster are removed, known from the Nodes unless the nodes are configured.
            var nodes = _settings.ExpectedNodes is null ? _informers.For<V1Node>() : null;
            Func<string, bool>? nodeFinalizerGone = nodes is null ? null
                : finalizer => nodes.List() is { Count: > 0 } all && !all.Any(n => RecordingNodeFinalizers.ForNode(n.Metadata.Name) == finalizer);
            var reconciler = new ProfileRecordingReconciler(_backend, recordings, registry, events, node.NodeName, nodeFinalizerGone, _loggers.CreateLogger<ProfileRecordingReconciler>());
            var controller = AfterExpectedNodes(NewController(term, "recording", recordings, reconciler));
            OnExpectedNodesChanged(term, () => EnqueueAll(controller, recordings));

            // A partial profile written after the merge (the recording kept by another finalizer) is merged too.
            if (_settings.Seccomp)
            {
                controller.Watches(_informers.For<SeccompProfile>(), ProfileRecordingReconciler.RecordingOfPartial);
            }

            if (_settings.Selinux)
            {
                controller.Watches(_informers.For<SelinuxProfile>(), ProfileRecordingReconciler.RecordingOfPartial);
            }

            if (_settings.AppArmor)
            {
                controller.Watches(_informers.For<AppArmorProfile>(), ProfileRecordingReconciler.RecordingOfPartial);
            }
        }

        // The SPOD's state from the expected nodes and the daemons' heartbeats.
        var heartbeats = _informers.For<V1Lease>(_settings.OperatorNamespace);
        var spodStatus = _spodStatus ??= new SpodStatusReconciler(_backend, _spod, heartbeats, ExpectedNodes, _time);
        var spodController = AfterExpectedNodes(NewController(term, "spod", _spod.Informer, spodStatus).Watches(heartbeats, _ => [spodStatus.SpodKey]));
        OnExpectedNodesChanged(term, () => spodController.Queue.Add(spodStatus.SpodKey));

        // The profiles upstream's manager creates (log-enricher-trace while the SPOD enables the enricher).
        var defaults = new Profiles.Defaults.DefaultProfilesReconciler(_backend, _spod, _informers.For<SeccompProfile>(), _loggers.CreateLogger<Profiles.Defaults.DefaultProfilesReconciler>());
        NewController(term, "default-profiles", _spod.Informer, defaults).Watches(_informers.For<SeccompProfile>(), defaults.SpodKeysFor);
    }

    // One leadership term of the manager role: fresh queues and controllers, run until the token ends
    // (leadership lost or stop); in-flight reconciles see the cancellation at their next await.
    private async Task RunManagerTermAsync(CancellationToken cancellationToken)
    {
        if (_settings.CrdInstallation)
        {
            await InstallCrdsAsync(cancellationToken).ConfigureAwait(false);
        }

        using var term = new ControllerSet();
        AddManagerRole(term, Node);
        lock (_termGate)
        {
            _managerTerm = term;
        }

        Interlocked.Increment(ref _terms);
        _health.Update(s => s with { IsLeader = true, ManagerControllers = term.Controllers.Count, Leader = _elector?.Identity ?? s.Leader });
        try
        {
            await Task.WhenAll(term.Controllers.Select(c => c.RunAsync(cancellationToken))).ConfigureAwait(false);
        }
        finally
        {
            lock (_termGate)
            {
                _managerTerm = null;
            }

            _health.Update(s => s with { IsLeader = false, ManagerControllers = 0 });
        }
    }

    // Before the term's controllers: their informers need the CRDs. A failure is logged and the term goes on
    // (the CRDs may already be there); the next term tries again.
    private async Task InstallCrdsAsync(CancellationToken cancellationToken)
    {
        var logger = _loggers.CreateLogger<Crds.CrdInstaller>();
        try
        {
            var installed = await new Crds.CrdInstaller(_backend).InstallAsync(cancellationToken).ConfigureAwait(false);
            logger.LogInformation("Applied {Count} CRDs: {Names}", installed.Count, string.Join(", ", installed));
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is not OutOfMemoryException)
        {
            // Only the stop ends the term here: a request timeout surfaces as a TaskCanceledException too.
            logger.LogError(ex, "Installing the CRDs failed; the manager role runs on with the CRDs the cluster has");
        }
    }

    private async Task ReportSyncAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _informers.WaitForSyncAsync(cancellationToken).ConfigureAwait(false);
            _health.Update(s => s with { InformersSynced = true });
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void OnExpectedNodesChanged(ControllerSet term, Action enqueue)
    {
        EventHandler handler = (_, _) => enqueue();
        var expected = ExpectedNodes;
        expected.Changed += handler;
        term.OnDispose(() => expected.Changed -= handler);
    }

    // Daemon: the node's pods (one informer for the enricher's pod lookups and the recording collector),
    // the log enricher feeding the log recorder with the collector turning recordings into profiles.
    private void AddEnricherAndRecorder(NodeOptions node)
    {
        var events = new EventRecorder(_backend, "spod", node.NodeName, time: _time, logger: _loggers.CreateLogger<EventRecorder>());
        var recordings = _settings.Recording ? _informers.For<ProfileRecording>() : null;
        LogRecorder? recorder = null;
        if (recordings is not null)
        {
            recorder = new LogRecorder(new InformerActiveRecordings(recordings), logger: _loggers.CreateLogger<LogRecorder>());
            _recorders = new ProfileRecorderRegistry([recorder]);
        }

        if (_settings.LogEnricher is not { } options)
        {
            return;
        }

        var podOptions = new PodContainerDirectoryOptions { NodeName = node.NodeName, EnableMemoryOptimization = options.MemoryOptimization };
        var pods = PodContainerDirectory.CreatePodInformer(_backend, podOptions, _time, _loggers.CreateLogger<Runtime.Informers.Informer<V1Pod>>());
        var directory = new PodContainerDirectory(pods, podOptions, _time);
        _owned.Add(pods);
        _daemon.Runners.Add(token =>
        {
            pods.Start(token);
            return Task.CompletedTask;
        });

        if (_recorders is not null)
        {
            var collector = new RecordingCollector(_backend, pods, recordings!, _recorders, events, node.NodeName, _loggers.CreateLogger<RecordingCollector>());
            NewController(_daemon, "recorder", pods, collector);

            // On every node: a recording being deleted gets this node's running pods' profiles, then loses this node's finalizer.
            NewController(_daemon, "recording-node", recordings!, new RecordingNodeReconciler(_backend, recordings!, collector));
        }

        var processes = new ProcessContainerResolver(new ProcFs(options.ProcRoot), time: _time);
        IReadOnlyList<IEnrichedAuditSink> recorderSinks = recorder is null ? [] : [new LogRecorderAuditSink(recorder, time: _time, logger: _loggers.CreateLogger<LogRecorderAuditSink>())];
        var runner = new LogEnricherRunner(options, _settings.NodeRoot, node.NodeName, _spod, processes, directory, recorderSinks, _spodMetrics, new AuditPipelineMetrics(_meters), _time, _loggers);
        _daemon.Runners.Add(async token =>
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

    // SELinux and AppArmor share one claim registry, so that no two objects ever write one node file (daemon role).
    private void AddNodeFileProfiles(NodeOptions node)
    {
        var statuses = _informers.For<SecurityProfileNodeStatus>();
        var events = new EventRecorder(_backend, "spod", node.NodeName, time: _time, logger: _loggers.CreateLogger<EventRecorder>());
        var claims = new NodeFileClaims(node.NodeName, statuses);
        var runner = new Node.Commands.ProcessCommandRunner();
        if (_settings.Selinux)
        {
            // The operator made this installer (itself or through the AddSelinux factory), so it disposes it:
            // selinuxd's holds an HttpClient and its socket handler.
            var made = _settings.SelinuxInstaller?.Invoke(_files, runner) ?? new SelinuxdPolicyInstaller(_files);
            Own(made);
            var installer = FileOnlyProfileInstaller.ForNode<ISelinuxPolicyInstaller>(_files, made);
            var selinux = AddNodeFileKind<SelinuxProfile>(node, (profiles, spod) => new SelinuxProfileNodeReconciler(_backend, profiles, spod, statuses, _files, node, claims, installer, events, _loggers.CreateLogger<SelinuxProfileNodeReconciler>(), _spodMetrics));
            var raw = AddNodeFileKind<RawSelinuxProfile>(node, (profiles, spod) => new RawSelinuxProfileNodeReconciler(_backend, profiles, spod, statuses, _files, node, claims, installer, events, _loggers.CreateLogger<RawSelinuxProfileNodeReconciler>(), _spodMetrics));

            // The two kinds share /etc/selinux.d/<name>.cil: when one lets go of it (its node status goes), the other may take it.
            selinux.Watches(statuses, ProfileStatusAggregator<RawSelinuxProfile>.ProfilesOf(RawSelinuxProfile.KubeKind));
            raw.Watches(statuses, ProfileStatusAggregator<SelinuxProfile>.ProfilesOf(SelinuxProfile.KubeKind));
        }

        if (_settings.AppArmor)
        {
            var parser = new AppArmorParserLoader(runner, _files);
            Own(parser);
            var loader = FileOnlyProfileInstaller.ForNode<IAppArmorProfileLoader>(_files, parser);
            AddNodeFileKind<AppArmorProfile>(node, (profiles, spod) => new AppArmorProfileNodeReconciler(_backend, profiles, spod, statuses, _files, node, claims, loader, events, _loggers.CreateLogger<AppArmorProfileNodeReconciler>(), _spodMetrics));
        }
    }

    // Something this operator created and must dispose with itself, if it is disposable at all.
    private void Own(object created)
    {
        if (created is IAsyncDisposable asyncDisposable)
        {
            _owned.Add(asyncDisposable);
        }
        else if (created is IDisposable disposable)
        {
            _owned.Add(new SyncDisposal(disposable));
        }
    }

    private sealed class SyncDisposal(IDisposable disposable) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            disposable.Dispose();
            return ValueTask.CompletedTask;
        }
    }

    // One kind's daemon controller, re-run for every profile when the SPOD changes.
    private Controller<T> AddNodeFileKind<T>(NodeOptions node, Func<Runtime.Informers.Informer<T>, Runtime.Informers.Informer<SecurityProfilesOperatorDaemon>, IReconciler<T>> reconciler)
        where T : class, k8s.IKubernetesObject<k8s.Models.V1ObjectMeta>
    {
        var profiles = _informers.For<T>();
        var spod = _informers.For<SecurityProfilesOperatorDaemon>(node.OperatorNamespace);
        var daemon = NewController(_daemon, typeof(T).Name.ToLowerInvariant(), profiles, reconciler(profiles, spod));
        daemon.Watches(spod, _ => profiles.Keys());
        return daemon;
    }

    // One kind's status aggregation over the nodes' reports (manager role).
    private void AddStatusAggregation<T>(ControllerSet term, ApplyProfileStatus<T> applyStatus)
        where T : class, k8s.IKubernetesObject<k8s.Models.V1ObjectMeta>
    {
        var kind = typeof(T).Name;
        var profiles = _informers.For<T>();
        var statuses = _informers.For<SecurityProfileNodeStatus>();
        var expected = ExpectedNodes;
        var aggregator = new ProfileStatusAggregator<T>(_backend, profiles, statuses, () => expected.Current, applyStatus, _time, expected.IsGone);
        var controller = AfterExpectedNodes(NewController(term, kind.ToLowerInvariant() + "-nodestatus", profiles, aggregator).Watches(statuses, ProfileStatusAggregator<T>.ProfilesOf(kind)));
        OnExpectedNodesChanged(term, () => EnqueueAll(controller, profiles));
    }

    private Controller<T> NewController<T>(ControllerSet set, string name, Runtime.Informers.Informer<T> informer, IReconciler<T> reconciler)
        where T : class, k8s.IKubernetesObject<k8s.Models.V1ObjectMeta>
    {
        var controller = new Controller<T>(name, informer, reconciler, null, _time, _controllerMetrics, _queueMetrics, _loggers.CreateLogger("SpoSdk.Controllers." + name));
        set.Controllers.Add(new ControllerHandle<T>(controller, informer));
        return controller;
    }

    private interface IControllerHandle : IDisposable
    {
        bool IsIdle { get; }

        void Resync();

        Task RunAsync(CancellationToken cancellationToken);
    }

    // The controllers and runners of one role (the daemon's for the operator's life, the manager's for one term).
    private sealed class ControllerSet : IDisposable
    {
        private readonly List<Action> _cleanups = new();

        public List<IControllerHandle> Controllers { get; } = new();

        public List<Func<CancellationToken, Task>> Runners { get; } = new();

        public void OnDispose(Action cleanup) => _cleanups.Add(cleanup);

        public void Dispose()
        {
            foreach (var cleanup in _cleanups)
            {
                cleanup();
            }

            foreach (var controller in Controllers)
            {
                controller.Dispose();
            }
        }
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
