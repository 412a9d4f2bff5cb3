using k8s.Models;
using SpoSdk.Runtime;
using SpoSdk.Runtime.Informers;

namespace SpoSdk.Profiles.Spod;

/// <summary>
/// The nodes that should run the daemon — upstream's "desired number scheduled" of the spod
/// DaemonSet — which a profile's status waits for and the SPOD's state counts.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>Configured (<c>WithExpectedNodes</c>): exactly those nodes.</item>
/// <item>Otherwise, when the cluster has Node objects: the Nodes the DaemonSet would place a
/// daemon on (<see cref="DaemonPlacement"/>, with the current SPOD tolerations), following Nodes
/// as they come and go.</item>
/// <item>Otherwise (the embedded cluster has no kubelets, hence no Nodes): the nodes whose daemon
/// has a heartbeat Lease (<see cref="DaemonHeartbeat"/>, live or expired — a crashed daemon is
/// still expected) plus this instance's node when it runs the daemon role. A daemon stopped
/// cleanly deletes its Lease and so stops being expected.</item>
/// </list>
/// The set is kept from informer events (no list or copy per event), so a kubelet's frequent
/// Node status updates cost a dictionary lookup each.
/// </remarks>
public sealed class ExpectedNodes
{
    private readonly object _gate = new();
    private readonly IReadOnlyList<string>? _configured;
    private readonly SpodSettingsProvider? _settings;
    private readonly string? _localDaemonNode;
    private readonly Dictionary<string, V1Node> _nodes = new(StringComparer.Ordinal);
    private readonly HashSet<string> _placed = new(StringComparer.Ordinal);
    private readonly Dictionary<ObjectKey, string> _heartbeats = new();
    private IReadOnlyList<string> _current;

    private ExpectedNodes(IEnumerable<string> configured)
    {
        _configured = configured.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        _current = _configured;
    }

    /// <summary>Follows the cluster's Nodes (or, without any, the daemons' heartbeats).</summary>
    /// <param name="nodes">An informer over Nodes.</param>
    /// <param name="heartbeats">An informer over the operator namespace's Leases.</param>
    /// <param name="settings">The SPOD settings, for the tolerations.</param>
    /// <param name="localDaemonNode">This instance's node when it runs the daemon role, else null.</param>
    public ExpectedNodes(Informer<V1Node> nodes, Informer<V1Lease> heartbeats, SpodSettingsProvider settings, string? localDaemonNode)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        ArgumentNullException.ThrowIfNull(heartbeats);
        ArgumentNullException.ThrowIfNull(settings);
        _settings = settings;
        _localDaemonNode = localDaemonNode;
        _current = localDaemonNode is null ? [] : [localDaemonNode];
        nodes.AddHandler(OnNode);
        heartbeats.AddHandler(OnHeartbeat);
        settings.Changed += (_, change) =>
        {
            lock (_gate)
            {
                _placed.Clear();
                _placed.UnionWith(_nodes.Values.Where(n => DaemonPlacement.RunsOn(n, change.Current)).Select(n => n.Metadata.Name));
            }

            Publish();
        };
    }

    /// <summary>Raised after <see cref="Current"/> changed (on an informer's thread; only queue work).</summary>
    public event EventHandler? Changed;

    /// <summary>The expected nodes now, sorted.</summary>
    public IReadOnlyList<string> Current
    {
        get
        {
            lock (_gate)
            {
                return _current;
            }
        }
    }

    /// <summary>
    /// Whether <paramref name="nodeName"/> has left the cluster: true only while Nodes are followed
    /// and no Node of that name exists (a configured set or heartbeats cannot tell, so never).
    /// </summary>
    public bool IsGone(string nodeName)
    {
        lock (_gate)
        {
            return _configured is null && _nodes.Count > 0 && !_nodes.ContainsKey(nodeName);
        }
    }

    /// <summary>A fixed set of nodes, as configured.</summary>
    public static ExpectedNodes Fixed(IEnumerable<string> nodes)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        return new ExpectedNodes(nodes);
    }

    private void OnNode(InformerEvent<V1Node> change)
    {
        var name = change.Object.Metadata.Name;
        lock (_gate)
        {
            var (wasPlaced, hadNodes) = (_placed.Contains(name), _nodes.Count > 0);
            Track(change, name);
            if (wasPlaced == _placed.Contains(name) && hadNodes == _nodes.Count > 0)
            {
                // Most Node events are kubelet status updates that change nothing here.
                return;
            }
        }

        Publish();
    }

    private void Track(InformerEvent<V1Node> change, string name)
    {
        if (change.Type == InformerEventType.Deleted)
        {
            _nodes.Remove(name);
            _placed.Remove(name);
            return;
        }

        // Informer objects are shared snapshots that nobody changes, so keeping the reference is safe.
        _nodes[name] = change.Object;
        if (DaemonPlacement.RunsOn(change.Object, _settings!.Current))
        {
            _placed.Add(name);
        }
        else
        {
            _placed.Remove(name);
        }
    }

    private void OnHeartbeat(InformerEvent<V1Lease> change)
    {
        var key = ObjectKey.Of(change.Object);
        lock (_gate)
        {
            var node = change.Type == InformerEventType.Deleted ? null : DaemonHeartbeat.Read(change.Object)?.NodeName;
            if (_heartbeats.GetValueOrDefault(key) == node)
            {
                // Renewals every few seconds per node land here and change nothing.
                return;
            }

            if (node is null)
            {
                _heartbeats.Remove(key);
            }
            else
            {
                _heartbeats[key] = node;
            }
        }

        Publish();
    }

    private void Publish()
    {
        lock (_gate)
        {
            IEnumerable<string> names = _nodes.Count > 0
                ? _placed
                : _heartbeats.Values.Concat(_localDaemonNode is null ? [] : [_localDaemonNode]);
            var fresh = names.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
            if (fresh.SequenceEqual(_current, StringComparer.Ordinal))
            {
                return;
            }

            _current = fresh;
        }

        Changed?.Invoke(this, EventArgs.Empty);
    }
}
