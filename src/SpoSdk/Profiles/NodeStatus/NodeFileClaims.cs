using SpoSdk.Api.V1;
using SpoSdk.Runtime;
using SpoSdk.Runtime.Informers;

namespace SpoSdk.Profiles.NodeStatus;

/// <summary>
/// Which profile owns which file on one node, so that two objects that map to the same file (a
/// SelinuxProfile and a RawSelinuxProfile of one name both write <c>/etc/selinux.d/&lt;name&gt;.cil</c>)
/// can never overwrite each other: the first to claim a file owns it until it is deleted or
/// disabled, and every later claimant is refused. One instance per node, shared by the reconcilers
/// of every kind; claims are also recorded on the owners' node statuses
/// (<see cref="NodeFileAnnotation"/>), which is where a restarted process learns them again.
/// </summary>
public sealed class NodeFileClaims
{
    /// <summary>The node-status annotation naming the host file the profile owns on that node.</summary>
    public const string NodeFileAnnotation = "spo.x-k8s.io/node-file";

    private readonly object _gate = new();
    private readonly Dictionary<string, string> _owners = new(StringComparer.Ordinal);

    // Claims given up in this process: the owner's node status may still be in the informer's cache, with its file
    // annotation, until its deletion arrives; that record must not hand the file back to the owner that released it.
    private readonly HashSet<(string HostPath, string Owner)> _released = new();
    private readonly Informer<SecurityProfileNodeStatus>? _statuses;
    private readonly string _nodeName;

    /// <summary>Creates the claims of <paramref name="nodeName"/>.</summary>
    /// <param name="nodeName">The node.</param>
    /// <param name="statuses">The node statuses, read for claims recorded before this process started; null when there are none.</param>
    public NodeFileClaims(string nodeName, Informer<SecurityProfileNodeStatus>? statuses = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(nodeName);
        _nodeName = nodeName;
        _statuses = statuses;
    }

    /// <summary>How an owner is named in messages: <c>Kind/name</c>.</summary>
    public static string OwnerName(string kind, string name) => kind + "/" + name;

    /// <summary>Claims <paramref name="hostPath"/> for the profile; returns the other owner when the file is taken, null when the profile owns it now.</summary>
    public string? TryClaim(string hostPath, string kind, string name)
    {
        ArgumentNullException.ThrowIfNull(hostPath);
        var owner = OwnerName(kind, name);
        lock (_gate)
        {
            var current = _owners.GetValueOrDefault(hostPath) ?? RecordedOwner(hostPath, owner);
            if (current is not null && current != owner)
            {
                return current;
            }

            _owners[hostPath] = owner;
            _released.Remove((hostPath, owner));
            return null;
        }
    }

    /// <summary>Whether the profile owns <paramref name="hostPath"/>.</summary>
    public bool Owns(string hostPath, string kind, string name)
    {
        var owner = OwnerName(kind, name);
        lock (_gate)
        {
            var current = _owners.GetValueOrDefault(hostPath) ?? RecordedOwner(hostPath, owner);
            if (current == owner)
            {
                _owners[hostPath] = owner;
                return true;
            }

            return false;
        }
    }

    /// <summary>Gives up the profile's claim on <paramref name="hostPath"/> (nothing happens when another owns it).</summary>
    public void Release(string hostPath, string kind, string name)
    {
        lock (_gate)
        {
            if (_owners.GetValueOrDefault(hostPath) == OwnerName(kind, name))
            {
                _owners.Remove(hostPath);

                // Only a record still in the cache can hand the file back; without one nothing needs hiding.
                PruneReleased();
                if (_statuses is not null)
                {
                    _released.Add((hostPath, OwnerName(kind, name)));
                }
            }
        }
    }

    // Forgets released claims whose owner's status has left the cache: a release is rare, a pass over the cache cheap.
    private void PruneReleased()
    {
        if (_released.Count > 0)
        {
            var recorded = RecordedClaims().ToHashSet();
            _released.RemoveWhere(r => !recorded.Contains(r));
        }
    }

    // A claim an earlier process recorded on a node status of this node, unless released since. The asking profile's
    // own record wins over another's, so that a stale record can never lock a profile out of its file.
    private string? RecordedOwner(string hostPath, string asking)
    {
        var owners = RecordedClaims()
            .Where(claim => claim.HostPath == hostPath && !_released.Contains(claim))
            .Select(claim => claim.Owner)
            .ToList();
        return owners.Contains(asking) ? asking : owners.Order(StringComparer.Ordinal).FirstOrDefault();
    }

    // Every claim recorded on this node's statuses in the informer's cache: the annotated file and its controlling owner.
    private IEnumerable<(string HostPath, string Owner)> RecordedClaims() =>
        (_statuses?.List() ?? [])
            .Where(s => s.Spec?.NodeName == _nodeName && s.Metadata.Annotation(NodeFileAnnotation) is not null)
            .SelectMany(s => s.Metadata.OwnerReferences?.Where(o => o.Controller == true).Select(o => (s.Metadata.Annotation(NodeFileAnnotation)!, OwnerName(o.Kind, o.Name))) ?? []);
}
