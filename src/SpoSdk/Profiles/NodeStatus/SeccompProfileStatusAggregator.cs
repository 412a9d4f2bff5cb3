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
    private readonly Informer<SeccompProfile> _profiles;
    private readonly Informer<SecurityProfileNodeStatus> _statuses;
    private readonly Func<IReadOnlyCollection<string>> _expectedNodes;
    private readonly IResourceClient<SeccompProfile> _client;
    private readonly NodePaths _paths;
    private readonly TimeProvider _time;

    /// <summary>Creates the aggregator.</summary>
    /// <param name="backend">Where profile statuses are written.</param>
    /// <param name="profiles">The profiles.</param>
    /// <param name="statuses">The node statuses.</param>
    /// <param name="expectedNodes">The nodes that should report.</param>
    /// <param name="paths">Node paths, for <c>localhostProfile</c>.</param>
    /// <param name="time">The clock, for condition transition times.</param>
    public SeccompProfileStatusAggregator(IClusterBackend backend, Informer<SeccompProfile> profiles, Informer<SecurityProfileNodeStatus> statuses, Func<IReadOnlyCollection<string>> expectedNodes, NodePaths paths, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(backend);
        _client = backend.Resource<SeccompProfile>();
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
        var reported = _statuses.ByIndex(SpoLabels.ProfileId, id)
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
