using SpoSdk.Api.Naming;
using SpoSdk.Runtime.Backends;
using SpoSdk.Runtime.Backends.InMemory;

namespace SpoSdk.Hosting;

/// <summary>
/// Says what one SDK instance runs: which backend, which node and node root, which components,
/// and whether it plays the manager role, the daemon role, or both (the default in one process).
/// </summary>
public sealed class SpoOperatorBuilder
{
    internal Func<IServiceProvider, IClusterBackend>? Backend { get; private set; }

    internal string? BackendDescription { get; private set; }

    internal string NodeName { get; private set; } = Environment.GetEnvironmentVariable("NODE_NAME") is { Length: > 0 } name ? name : Environment.MachineName.ToLowerInvariant();

    internal string NodeRoot { get; private set; } = "./.spo/node";

    internal string KubeletDirectory { get; private set; } = NodePaths.DefaultKubeletDirectory;

    internal string OperatorNamespace { get; private set; } = "security-profiles-operator";

    internal IReadOnlyList<string>? ExpectedNodes { get; private set; }

    internal bool Seccomp { get; private set; }

    internal bool Selinux { get; private set; }

    internal Func<Node.Files.INodeFileSystem, Node.Commands.ICommandRunner, Profiles.Selinux.ISelinuxPolicyInstaller>? SelinuxInstaller { get; private set; }

    internal bool AppArmor { get; private set; }

    internal IReadOnlyList<Oci.Signing.CosignPublicKey>? OciKeys { get; private set; }

    internal LogEnricherOptions? LogEnricher { get; private set; }

    internal bool Recording { get; private set; }

    internal bool CrdInstallation { get; private set; }

    internal bool Manager { get; private set; } = true;

    internal bool Daemon { get; private set; } = true;

    internal Runtime.Leader.LeaderElectionOptions LeaderElection { get; private set; } = new();

    internal TimeSpan? ResyncPeriod { get; private set; } = DefaultResyncPeriod;

    /// <summary>The default of <see cref="WithResyncPeriod"/>: 10 hours, controller-runtime's SyncPeriod.</summary>
    public static readonly TimeSpan DefaultResyncPeriod = TimeSpan.FromHours(10);

    // A timer waits at most ~49.7 days; the period plus its jitter stays well below.
    private static readonly TimeSpan MaxResyncPeriod = TimeSpan.FromDays(30);

    // CancellationTokenSource.CancelAfter accepts at most uint.MaxValue - 1 milliseconds.
    private static readonly TimeSpan MaxDrainTimeout = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    /// <summary>Null until chosen: then on for a Kubernetes API server backend, off otherwise.</summary>
    internal bool? LeaderElectionChoice { get; private set; }

    private List<string> RoleCalls { get; } = new();

    /// <summary>Keeps objects in this process (the embedded default); with a directory they survive restarts.</summary>
    public SpoOperatorBuilder UseInMemoryBackend(string? persistenceDirectory = null)
    {
        SetBackend("in-memory", _ => new InMemoryBackend(new InMemoryObjectStore(new InMemoryStoreOptions { PersistenceDirectory = persistenceDirectory }), new ObjectAdmission(Api.Conversion.SpoConverter.Default, Api.Serialization.SpoKindRegistry.Default)));
        return this;
    }

    /// <summary>Uses a backend you build (e.g. a Kubernetes API server).</summary>
    public SpoOperatorBuilder UseBackend(Func<IServiceProvider, IClusterBackend> backend)
    {
        ArgumentNullException.ThrowIfNull(backend);
        SetBackend("custom", backend);
        return this;
    }

    /// <summary>The node this instance runs the daemon role for (default: NODE_NAME, else the host name).</summary>
    public SpoOperatorBuilder WithNodeName(string nodeName)
    {
        ArgumentException.ThrowIfNullOrEmpty(nodeName);
        NodeName = nodeName;
        return this;
    }

    /// <summary>Where host paths are written: <c>/</c> on a real node, a directory elsewhere (default <c>./.spo/node</c>).</summary>
    public SpoOperatorBuilder WithNodeRoot(string nodeRoot)
    {
        ArgumentException.ThrowIfNullOrEmpty(nodeRoot);
        NodeRoot = nodeRoot;
        return this;
    }

    /// <summary>The kubelet directory on the host (default <c>/var/lib/kubelet</c>).</summary>
    public SpoOperatorBuilder WithKubeletDirectory(string kubeletDirectory)
    {
        _ = new NodePaths(kubeletDirectory);
        KubeletDirectory = kubeletDirectory;
        return this;
    }

    /// <summary>The namespace of the operator and its SPOD object.</summary>
    public SpoOperatorBuilder WithOperatorNamespace(string @namespace)
    {
        ArgumentException.ThrowIfNullOrEmpty(@namespace);
        OperatorNamespace = @namespace;
        return this;
    }

    /// <summary>
    /// The nodes whose reports a profile's status and the SPOD's state wait for. Default: the
    /// cluster's Nodes the spod DaemonSet would run on, or, with no Node objects (the embedded
    /// cluster), the nodes whose daemons have a heartbeat Lease (see <c>Profiles.Spod.ExpectedNodes</c>).
    /// </summary>
    public SpoOperatorBuilder WithExpectedNodes(params string[] nodes)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        ExpectedNodes = nodes;
        return this;
    }

    /// <summary>Installs SeccompProfiles on the node and aggregates their status.</summary>
    public SpoOperatorBuilder AddSeccomp()
    {
        Seccomp = true;
        return this;
    }

    /// <summary>
    /// Installs SelinuxProfiles and RawSelinuxProfiles on the node and aggregates their status. On the
    /// host root (<c>/</c>) <paramref name="installer"/> installs the written CIL (default: selinuxd,
    /// <see cref="Profiles.Selinux.SelinuxdPolicyInstaller"/>; or e.g.
    /// <c>(files, runner) =&gt; new SemodulePolicyInstaller(runner, files)</c>); under any other node root the
    /// written file is the install. Gated by the SPOD as <see cref="Profiles.Selinux.SelinuxGate"/> says.
    /// The operator owns the installer <paramref name="installer"/> returns: it is disposed with the operator if it
    /// implements <see cref="IDisposable"/> or <see cref="IAsyncDisposable"/>, so return a new one, not a shared instance.
    /// </summary>
    public SpoOperatorBuilder AddSelinux(Func<Node.Files.INodeFileSystem, Node.Commands.ICommandRunner, Profiles.Selinux.ISelinuxPolicyInstaller>? installer = null)
    {
        Selinux = true;
        SelinuxInstaller = installer;
        return this;
    }

    /// <summary>
    /// Installs AppArmorProfiles on the node (loaded with <c>apparmor_parser</c> on the host root, written
    /// only under any other node root) and aggregates their status. Gated by the SPOD's
    /// <c>spec.enableAppArmor</c> once a SPOD exists.
    /// </summary>
    public SpoOperatorBuilder AddAppArmor()
    {
        AppArmor = true;
        return this;
    }

    /// <summary>
    /// Runs the log enricher on the node (daemon role) while the SPOD enables it: follows the audit log
    /// under the node root, attributes each seccomp, SELinux and AppArmor event to its process, container
    /// and pod, and writes upstream's enriched lines, JSON records (SPOD <c>enableJsonEnricher</c>) and the
    /// audit metrics. With <see cref="AddRecording"/> it also feeds the log recorder.
    /// </summary>
    public SpoOperatorBuilder AddLogEnricher(Action<LogEnricherOptions>? configure = null)
    {
        var options = new LogEnricherOptions();
        configure?.Invoke(options);
        options.Source.Validate();
        LogEnricher = options;
        return this;
    }

    /// <summary>
    /// Records profiles from workloads: the ProfileRecording bookkeeping and merge on deletion (manager
    /// role) and, on the node, the log recorder fed by <see cref="AddLogEnricher"/> with the collector
    /// that turns what it gathered into profiles when a recorded pod ends. Bpf recordings are reported as
    /// unavailable: no eBPF recorder is registered.
    /// </summary>
    public SpoOperatorBuilder AddRecording()
    {
        Recording = true;
        return this;
    }

    /// <summary>
    /// Opt-in: at the start of each leadership term the manager role applies the SDK's CRDs by server-side
    /// apply (field manager <c>sposdk</c>, forced) and, once every object of a kind is stored as v1, prunes
    /// the CRD's <c>status.storedVersions</c> to it (see <see cref="Crds.CrdInstaller"/>). Needs rights to
    /// write customresourcedefinitions, which the deploy manifests do not grant by default.
    /// </summary>
    public SpoOperatorBuilder InstallCrds()
    {
        CrdInstallation = true;
        return this;
    }

    /// <summary>
    /// Lets SeccompProfiles use <c>oci://</c> base profiles, pulled through the OCI client with a
    /// digest-verified cache, trusted when one of <paramref name="publicKeys"/> verifies their cosign
    /// signature, when pinned by digest, or when the SPOD turns verification off.
    /// </summary>
    public SpoOperatorBuilder UseOciBaseProfiles(params Oci.Signing.CosignPublicKey[] publicKeys)
    {
        ArgumentNullException.ThrowIfNull(publicKeys);
        OciKeys = publicKeys;
        return this;
    }

    /// <summary>
    /// Runs only the manager role (status aggregation, SPOD status, recording bookkeeping, default
    /// profiles): for the leader-elected deployment (see <see cref="WithLeaderElection"/>). Node-side
    /// options (<see cref="AddLogEnricher"/>, an SELinux installer, <see cref="UseOciBaseProfiles"/>) are then errors.
    /// </summary>
    public SpoOperatorBuilder ManagerOnly()
    {
        (Manager, Daemon) = (true, false);
        RoleCalls.Add(nameof(ManagerOnly));
        return this;
    }

    /// <summary>Runs only the daemon role (node reconcilers): for every node.</summary>
    public SpoOperatorBuilder DaemonOnly()
    {
        (Manager, Daemon) = (false, true);
        RoleCalls.Add(nameof(DaemonOnly));
        return this;
    }

    /// <summary>
    /// Runs the manager role only while this instance holds the leader Lease
    /// (<c>security-profiles-operator-lock</c> in the operator namespace, client-go timings), so that of
    /// several replicas exactly one aggregates statuses and creates default profiles; the daemon role never
    /// waits for it. On by default with a <see cref="Runtime.Backends.Kubernetes.KubernetesBackend"/>, off with
    /// the in-memory or a custom backend unless this is called.
    /// </summary>
    public SpoOperatorBuilder WithLeaderElection(Action<Runtime.Leader.LeaderElectionOptions>? configure = null)
    {
        var options = new Runtime.Leader.LeaderElectionOptions();
        configure?.Invoke(options);
        LeaderElection = options;
        LeaderElectionChoice = true;
        return this;
    }

    /// <summary>Runs the manager role whenever this instance runs (one replica, or each instance its own backend).</summary>
    public SpoOperatorBuilder WithoutLeaderElection()
    {
        LeaderElectionChoice = false;
        return this;
    }

    /// <summary>
    /// How often every controller queues all its objects again (each period jittered by up to +10 %, as
    /// controller-runtime's SyncPeriod, so many nodes do not resync at once): a node file changed or removed
    /// behind the operator's back is written again, and an installer that applies files later (selinuxd) is
    /// asked again. An unchanged object costs no write. Default <see cref="DefaultResyncPeriod"/>; null: never.
    /// </summary>
    public SpoOperatorBuilder WithResyncPeriod(TimeSpan? period)
    {
        if (period is { } value && (value <= TimeSpan.Zero || value > MaxResyncPeriod))
        {
            throw new ArgumentOutOfRangeException(nameof(period), value, "the resync period must be positive and at most " + MaxResyncPeriod.TotalDays + " days (null turns the resync off)");
        }

        ResyncPeriod = period;
        return this;
    }

    /// <summary>Whether the manager role runs under leader election over <paramref name="backend"/>.</summary>
    internal bool LeaderElectionFor(IClusterBackend backend) => LeaderElectionChoice ?? backend is Runtime.Backends.Kubernetes.KubernetesBackend;

    /// <summary>
    /// What is wrong with the configuration, if anything (checked by <c>AddSecurityProfilesOperator</c>),
    /// each message naming the option. Options that cannot take effect in the chosen role are errors rather
    /// than silently ignored, so a deployment never runs without something it asked for.
    /// </summary>
    internal IEnumerable<string> Problems()
    {
        if (Backend is null)
        {
            yield return "no backend: call UseInMemoryBackend() or UseBackend(...)";
        }

        if (!Seccomp && !Selinux && !AppArmor && LogEnricher is null && !Recording)
        {
            yield return "no component: add at least one, e.g. AddSeccomp(), AddSelinux() or AddAppArmor()";
        }

        if (CrdInstallation && !Manager)
        {
            yield return "InstallCrds() with DaemonOnly(): the manager role installs the CRDs";
        }

        if (Recording && Daemon && LogEnricher is null)
        {
            yield return "AddRecording() on a node needs AddLogEnricher(): the log recorder is fed by the enricher";
        }

        if (!MetadataRulesAllowNode(NodeName))
        {
            yield return "node name \"" + NodeName + "\" is not a valid Kubernetes node name";
        }

        if (RoleCalls.Distinct().Count() > 1)
        {
            yield return "ManagerOnly() and DaemonOnly() both called: an instance without either runs both roles; choose one or neither";
        }

        if (!Daemon && LogEnricher is not null)
        {
            yield return "AddLogEnricher() with ManagerOnly(): the log enricher runs on the nodes (daemon role); move it to the DaemonOnly() instances";
        }

        if (LogEnricher is { DrainTimeout: var drain } && drain <= TimeSpan.Zero)
        {
            yield return "AddLogEnricher(): DrainTimeout must be positive";
        }

        // The drain is a CancellationTokenSource timeout: a longer one would throw at stop, inside a cancellation callback.
        if (LogEnricher is { DrainTimeout: var longDrain } && longDrain > MaxDrainTimeout)
        {
            yield return "AddLogEnricher(): DrainTimeout must be at most " + MaxDrainTimeout + " (a cancellation timeout's limit)";
        }

        if (LogEnricher is not null)
        {
            // The enricher is built per session, long after registration: a bad value here would fail every
            // session while the host reports ready, so it is refused now.
            foreach (var problem in EnricherProblems(LogEnricher))
            {
                yield return "AddLogEnricher(): " + problem;
            }
        }

        if (!Api.Schema.MetadataRules.IsDnsLabel(OperatorNamespace))
        {
            yield return "WithOperatorNamespace(): \"" + OperatorNamespace + "\" is not a valid Kubernetes namespace name";
        }

        if (!Daemon && SelinuxInstaller is not null)
        {
            yield return "AddSelinux(installer) with ManagerOnly(): the installer runs on the nodes (daemon role); call AddSelinux() without one here";
        }

        if (!Daemon && OciKeys is not null)
        {
            yield return "UseOciBaseProfiles(...) with ManagerOnly(): base profiles are pulled on the nodes (daemon role); move it to the DaemonOnly() instances";
        }

        if (!Manager && LeaderElectionChoice == true)
        {
            yield return "WithLeaderElection() with DaemonOnly(): only the manager role is leader-elected, the daemon role runs on every node";
        }

        if (!Manager && ExpectedNodes is not null)
        {
            yield return "WithExpectedNodes(...) with DaemonOnly(): the manager role reads the expected nodes; set it on the manager instance";
        }

        if (LeaderElectionChoice == true)
        {
            foreach (var problem in LeaderElection.Problems())
            {
                yield return "WithLeaderElection(): " + problem;
            }
        }
    }

    private static bool MetadataRulesAllowNode(string name) => Api.Schema.MetadataRules.IsDnsSubdomain(name);

    private static IEnumerable<string> EnricherProblems(LogEnricherOptions options)
    {
        if (string.IsNullOrEmpty(options.ProcRoot))
        {
            yield return "ProcRoot must not be empty";
        }

        if (options.Enricher is not { } enricher)
        {
            yield return "Enricher must not be null";
            yield break;
        }

        if (enricher.Filters is null)
        {
            yield return "Enricher.Filters must not be null";
        }

        if (enricher.BacklogCapacity <= 0)
        {
            yield return "Enricher.BacklogCapacity must be positive";
        }

        if (enricher.BacklogCapacityPerProcess <= 0)
        {
            yield return "Enricher.BacklogCapacityPerProcess must be positive";
        }

        if (enricher.BacklogTimeToLive <= TimeSpan.Zero)
        {
            yield return "Enricher.BacklogTimeToLive must be positive";
        }

        if (enricher.SweepInterval <= TimeSpan.Zero)
        {
            yield return "Enricher.SweepInterval must be positive";
        }
    }

    private void SetBackend(string description, Func<IServiceProvider, IClusterBackend> backend)
    {
        if (Backend is not null && BackendDescription != description)
        {
            throw new InvalidOperationException("two backends configured (" + BackendDescription + " and " + description + "); choose one");
        }

        Backend = backend;
        BackendDescription = description;
    }
}
