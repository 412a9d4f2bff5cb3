using SpoSdk.Api.Naming;
using SpoSdk.Api.V1;
using SpoSdk.Runtime;
using SpoSdk.Runtime.Backends;
using SpoSdk.Runtime.Controllers;
using SpoSdk.Runtime.Informers;

namespace SpoSdk.Profiles.NodeStatus;

/// <summary>
/// The manager side of a SeccompProfile (runtime.md §1.7): <see cref="ProfileStatusAggregator{TProfile}"/>
/// with the Ready condition and <c>localhostProfile</c>, set once the profile is installed everywhere.
/// </summary>
public sealed class SeccompProfileStatusAggregator : IReconciler<SeccompProfile>
{
    private readonly ProfileStatusAggregator<SeccompProfile> _aggregator;
    private readonly NodePaths _paths;

    /// <summary>Creates the aggregator.</summary>
    /// <param name="backend">Where profile statuses are written.</param>
    /// <param name="profiles">The profiles.</param>
    /// <param name="statuses">The node statuses.</param>
    /// <param name="expectedNodes">The nodes that should report.</param>
    /// <param name="paths">Node paths, for <c>localhostProfile</c>.</param>
    /// <param name="time">The clock, for condition transition times.</param>
    /// <param name="nodeGone">Whether a node has left the cluster (see <see cref="ProfileStatusAggregator{TProfile}"/>); null: never.</param>
    public SeccompProfileStatusAggregator(IClusterBackend backend, Informer<SeccompProfile> profiles, Informer<SecurityProfileNodeStatus> statuses, Func<IReadOnlyCollection<string>> expectedNodes, NodePaths paths, TimeProvider? time = null, Func<string, bool>? nodeGone = null)
    {
        ArgumentNullException.ThrowIfNull(paths);
        _paths = paths;
        _aggregator = new ProfileStatusAggregator<SeccompProfile>(backend, profiles, statuses, expectedNodes, Apply, time, nodeGone);
    }

    /// <summary>The profile key a node status belongs to, for the controller's secondary watch.</summary>
    public static IEnumerable<ObjectKey> ProfileOf(SecurityProfileNodeStatus status) =>
        ProfileStatusAggregator<SeccompProfile>.ProfilesOf(SeccompProfile.KubeKind)(status ?? throw new ArgumentNullException(nameof(status)));

    /// <inheritdoc />
    public Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken cancellationToken) => _aggregator.ReconcileAsync(key, cancellationToken);

    private bool Apply(SeccompProfile profile, AggregatedProfileStatus aggregated)
    {
        var status = profile.Status ??= new SeccompProfileStatus();
        var localhostProfile = aggregated.State == "Installed" ? _paths.SeccompLocalhostProfile(profile.Metadata.Name) : status.LocalhostProfile;
        var generation = profile.Metadata.Generation;
        if (aggregated.ReplaceReady(status.Status?.Value, status.Conditions, status.LocalhostProfile == localhostProfile, c => (c.Type, c.Status.Value, c.Reason, c.LastTransitionTime), (ready, reason, since) => new SeccompProfileCondition
        {
            Type = "Ready",
            Status = SeccompProfileConditionStatus.FromValue(ready),
            Reason = reason,
            Message = string.Empty,
            LastTransitionTime = since,
            ObservedGeneration = generation,
        }) is not { } conditions)
        {
            return false;
        }

        (status.Status, status.LocalhostProfile, status.Conditions) = (SeccompProfileState.FromValue(aggregated.State), localhostProfile, conditions);
        return true;
    }
}
