using SpoSdk.Api.Naming;
using SpoSdk.Api.V1;
using SpoSdk.Runtime;
using SpoSdk.Runtime.Backends;
using SpoSdk.Runtime.Controllers;
using SpoSdk.Runtime.Informers;

namespace SpoSdk.Profiles.NodeStatus;

/// <summary>
/// The manager side of a SeccompProfile (runtime.md §1.7): combines the node statuses into the
/// profile's status — the lowest state of any node, a node that has not reported yet counting as
/// Pending — with the Ready condition and <c>localhostProfile</c>, written only when it changes.
/// Upstream waits for the spod DaemonSet's rollout to know the nodes; in process, the expected
/// nodes are the configured ones or the cluster's Node objects.
/// </summary>
public sealed class SeccompProfileStatusAggregator : IReconciler<SeccompProfile>
{
    private const string NodeFinalizerSuffix = "-deleted";
    private const int MaxFinalizerNodeLength = 55;

    private readonly Informer<SeccompProfile> _profiles;
    private readonly Informer<SecurityProfileNodeStatus> _statuses;
    private readonly Func<IReadOnlyCollection<string>> _expectedNodes;
    private readonly IResourceClient<SeccompProfile> _client;
    private readonly IResourceClient<SecurityProfileNodeStatus> _statusClient;
    private readonly Func<string, bool>? _nodeGone;
    private readonly NodePaths _paths;
    private readonly TimeProvider _time;

    /// <summary>Creates the aggregator.</summary>
    /// <param name="backend">Where profile statuses are written.</param>
    /// <param name="profiles">The profiles.</param>
    /// <param name="statuses">The node statuses.</param>
    /// <param name="expectedNodes">The nodes that should report.</param>
    /// <param name="paths">Node paths, for <c>localhostProfile</c>.</param>
    /// <param name="time">The clock, for condition transition times.</param>
    /// <param name="nodeGone">
    /// Whether a node has left the cluster (upstream §1.7 steps 5–6): its status object is deleted and
    /// its finalizer taken off the profile, so deleting the profile does not wait for a node that
    /// will never come back. Null: nodes are never considered gone.
    /// </param>
    public SeccompProfileStatusAggregator(IClusterBackend backend, Informer<SeccompProfile> profiles, Informer<SecurityProfileNodeStatus> statuses, Func<IReadOnlyCollection<string>> expectedNodes, NodePaths paths, TimeProvider? time = null, Func<string, bool>? nodeGone = null)
    {
        ArgumentNullException.ThrowIfNull(backend);
        _client = backend.Resource<SeccompProfile>();
        _statusClient = backend.Resource<SecurityProfileNodeStatus>();
        _nodeGone = nodeGone;
        _profiles = profiles;
        _statuses = statuses;
        _statuses.AddIndex(SpoLabels.ProfileId, s => s.Metadata.Label(SpoLabels.ProfileId) is { } profileId ? [profileId] : []);
        _expectedNodes = expectedNodes;
        _paths = paths;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>The profile key a node status belongs to, for the controller's secondary watch.</summary>
    public static IEnumerable<ObjectKey> ProfileOf(SecurityProfileNodeStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        return status.Metadata.OwnerReferences?.Where(o => o.Controller == true && o.Kind == SeccompProfile.KubeKind).Select(o => ObjectKey.Cluster(o.Name)) ?? [];
    }

    /// <inheritdoc />
    public async Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken cancellationToken)
    {
        var profile = _profiles.Get(key);
        if (profile is null)
        {
            return ReconcileResult.Done;
        }

        var id = ProfileNames.ProfileId(profile.Kind, profile.Metadata.Name);
        var statuses = _statuses.ByIndex(SpoLabels.ProfileId, id);
        if (_nodeGone is not null)
        {
            statuses = await ForgetGoneNodesAsync(profile, statuses, cancellationToken).ConfigureAwait(false);
        }

        var reported = statuses
            .Where(s => s.Status?.Status is not null)
            .ToDictionary(s => s.Spec.NodeName, s => s.Status!.Status!.Value.Value!, StringComparer.Ordinal);
        var expected = _expectedNodes();
        var states = expected.Count == 0
            ? reported.Values.ToList()
            : expected.Select(node => reported.GetValueOrDefault(node, "Pending")).ToList();
        var state = states.Count == 0 ? "Pending" : ProfileStates.Aggregate(states);
        var localhostProfile = state == "Installed" ? _paths.SeccompLocalhostProfile(profile.Metadata.Name) : profile.Status?.LocalhostProfile;

        await _client.UpdateStatusWithRetryAsync(key, p => Apply(p, state, localhostProfile), cancellationToken).ConfigureAwait(false);
        return ReconcileResult.Done;
    }

    // Deletes the statuses of nodes that left and removes their finalizers (also those left without
    // a status); returns the statuses of the nodes still there. Finalizers of names cut to fit a
    // label are only matched through their status object, as the cut name is not the node's.
    private async Task<IReadOnlyList<SecurityProfileNodeStatus>> ForgetGoneNodesAsync(SeccompProfile profile, IReadOnlyList<SecurityProfileNodeStatus> statuses, CancellationToken cancellationToken)
    {
        var gone = statuses.Where(s => _nodeGone!(s.Spec.NodeName)).ToList();
        var finalizers = gone.Select(s => ProfileNames.NodeFinalizer(s.Spec.NodeName))
            .Concat((profile.Metadata.Finalizers ?? []).Where(f => f.EndsWith(NodeFinalizerSuffix, StringComparison.Ordinal) && f.Length < MaxFinalizerNodeLength + NodeFinalizerSuffix.Length && _nodeGone!(f[..^NodeFinalizerSuffix.Length])))
            .Where(f => Finalizers.Contains(profile, f))
            .ToHashSet(StringComparer.Ordinal);
        foreach (var status in gone)
        {
            await _statusClient.DeleteAsync(ObjectKey.Of(status), cancellationToken).ConfigureAwait(false);
        }

        if (finalizers.Count > 0)
        {
            await _client.UpdateWithRetryAsync(ObjectKey.Of(profile), p => finalizers.Aggregate(false, (changed, f) => Finalizers.Remove(p, f) | changed), cancellationToken).ConfigureAwait(false);
        }

        return gone.Count == 0 ? statuses : statuses.Except(gone).ToList();
    }

    private bool Apply(SeccompProfile profile, string state, string? localhostProfile)
    {
        var (ready, reason) = ProfileStates.Ready(state);
        var status = profile.Status ??= new SeccompProfileStatus();
        var condition = status.Conditions?.FirstOrDefault(c => c.Type == "Ready");
        if (status.Status?.Value == state && status.LocalhostProfile == localhostProfile && condition?.Status.Value == ready && condition.Reason == reason)
        {
            return false;
        }

        status.Status = SeccompProfileState.FromValue(state);
        status.LocalhostProfile = localhostProfile;
        status.Conditions = (status.Conditions ?? []).Where(c => c.Type != "Ready").Append(new SeccompProfileCondition
        {
            Type = "Ready",
            Status = SeccompProfileConditionStatus.FromValue(ready),
            Reason = reason,
            Message = string.Empty,
            LastTransitionTime = condition?.Status.Value == ready && condition.LastTransitionTime is { } since ? since : _time.GetUtcNow().UtcDateTime,
            ObservedGeneration = profile.Metadata.Generation,
        }).ToList();
        return true;
    }
}
