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

    internal bool Manager { get; private set; } = true;

    internal bool Daemon { get; private set; } = true;

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

    /// <summary>Runs only the manager role (status aggregation, webhooks): for the leader-elected deployment.</summary>
    public SpoOperatorBuilder ManagerOnly()
    {
        (Manager, Daemon) = (true, false);
        return this;
    }

    /// <summary>Runs only the daemon role (node reconcilers): for every node.</summary>
    public SpoOperatorBuilder DaemonOnly()
    {
        (Manager, Daemon) = (false, true);
        return this;
    }

    /// <summary>What is wrong with the configuration, if anything (checked when the host starts).</summary>
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

        if (Recording && Daemon && LogEnricher is null)
        {
            yield return "AddRecording() on a node needs AddLogEnricher(): the log recorder is fed by the enricher";
        }

        if (!MetadataRulesAllowNode(NodeName))
        {
            yield return "node name \"" + NodeName + "\" is not a valid Kubernetes node name";
        }
    }

    private static bool MetadataRulesAllowNode(string name) => Api.Schema.MetadataRules.IsDnsSubdomain(name);

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
