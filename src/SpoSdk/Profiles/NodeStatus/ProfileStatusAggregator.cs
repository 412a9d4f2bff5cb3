using k8s;
using k8s.Models;
using SpoSdk.Api.Naming;
using SpoSdk.Api.V1;
using SpoSdk.Runtime;
using SpoSdk.Runtime.Backends;
using SpoSdk.Runtime.Controllers;
using SpoSdk.Runtime.Informers;

namespace SpoSdk.Profiles.NodeStatus;

/// <summary>
/// A profile's combined state across nodes and the Ready condition that goes with it, handed to a
/// kind's status writer by <see cref="ProfileStatusAggregator{TProfile}"/>.
/// </summary>
/// <param name="State">The lowest node state (<see cref="ProfileStates.Aggregate"/>).</param>
/// <param name="Ready">The Ready condition's status: <c>True</c> or <c>False</c>.</param>
/// <param name="Reason">The Ready condition's reason.</param>
/// <param name="Now">The time a changed condition records as its transition time.</param>
public sealed record AggregatedProfileStatus(string State, string Ready, string Reason, DateTime Now)
{
    /// <summary>Whether a profile status already shows this state and condition.</summary>
    public bool Matches(string? state, string? ready, string? reason) => state == State && ready == Ready && reason == Reason;

    /// <summary>The condition's transition time: kept while its status stays the same, otherwise now.</summary>
    public DateTime TransitionTime(string? currentReady, DateTime? currentSince) => currentReady == Ready && currentSince is { } since ? since : Now;

    /// <summary>
    /// A kind's conditions with its Ready condition replaced by this one, or null when nothing needs
    /// writing: the state, the Ready condition and the kind's own fields (<paramref name="ownFieldsHold"/>) already hold.
    /// </summary>
    /// <typeparam name="TCondition">The kind's condition type.</typeparam>
    /// <param name="currentState">The profile's <c>status.status</c>.</param>
    /// <param name="conditions">The profile's conditions.</param>
    /// <param name="ownFieldsHold">Whether the kind's other status fields (e.g. <c>usage</c>) already hold.</param>
    /// <param name="read">A condition's type, status, reason and transition time.</param>
    /// <param name="create">A Ready condition from status, reason and transition time.</param>
    public List<TCondition>? ReplaceReady<TCondition>(string? currentState, IList<TCondition>? conditions, bool ownFieldsHold, Func<TCondition, (string Type, string? Status, string? Reason, DateTime? Since)> read, Func<string, string, DateTime, TCondition> create)
    {
        ArgumentNullException.ThrowIfNull(read);
        ArgumentNullException.ThrowIfNull(create);
        var current = conditions?.Select(read).FirstOrDefault(c => c.Type == "Ready");
        if (ownFieldsHold && Matches(currentState, current?.Status, current?.Reason))
        {
            return null;
        }

        return (conditions ?? []).Where(c => read(c).Type != "Ready").Append(create(Ready, Reason, TransitionTime(current?.Status, current?.Since))).ToList();
    }
}

/// <summary>Writes an <see cref="AggregatedProfileStatus"/> into one kind's status; false when it already held.</summary>
/// <typeparam name="TProfile">The profile kind.</typeparam>
public delegate bool ApplyProfileStatus<in TProfile>(TProfile profile, AggregatedProfileStatus status);

/// <summary>
/// The manager side of every profile kind (runtime.md §1.7): combines the node statuses into the
/// profile's status — the lowest state of any node, a node that has not reported yet counting as
/// Pending (Terminating once the profile is being deleted) — written only when it changes. What a kind writes besides state and the Ready condition
/// (<c>localhostProfile</c>, <c>usage</c>) is its <see cref="ApplyProfileStatus{TProfile}"/>.
/// Upstream waits for the spod DaemonSet's rollout to know the nodes; in process, the expected nodes
/// are the configured ones.
/// </summary>
/// <typeparam name="TProfile">The profile kind.</typeparam>
public sealed class ProfileStatusAggregator<TProfile> : IReconciler<TProfile>
    where TProfile : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly Informer<TProfile> _profiles;
    private readonly Informer<SecurityProfileNodeStatus> _statuses;
    private const int MaxFinalizerNodeLength = 55;

    private readonly Func<IReadOnlyCollection<string>> _expectedNodes;
    private readonly IResourceClient<TProfile> _client;
    private readonly IResourceClient<SecurityProfileNodeStatus> _statusClient;
    private readonly Func<string, bool>? _nodeGone;
    private readonly ApplyProfileStatus<TProfile> _apply;
    private readonly TimeProvider _time;

    /// <summary>Creates the aggregator.</summary>
    /// <param name="backend">Where profile statuses are written.</param>
    /// <param name="profiles">The profiles.</param>
    /// <param name="statuses">The node statuses (shared by the aggregators of every kind).</param>
    /// <param name="expectedNodes">The nodes that should report.</param>
    /// <param name="apply">Writes the combined status into a profile of this kind.</param>
    /// <param name="time">The clock, for condition transition times.</param>
    /// <param name="nodeGone">
    /// Whether a node has left the cluster (upstream §1.7 steps 5–6): its status object is deleted and
    /// its finalizer taken off the profile, so deleting the profile does not wait for a node that
    /// will never come back. Null: nodes are never considered gone.
    /// </param>
    public ProfileStatusAggregator(IClusterBackend backend, Informer<TProfile> profiles, Informer<SecurityProfileNodeStatus> statuses, Func<IReadOnlyCollection<string>> expectedNodes, ApplyProfileStatus<TProfile> apply, TimeProvider? time = null, Func<string, bool>? nodeGone = null)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(profiles);
        ArgumentNullException.ThrowIfNull(statuses);
        ArgumentNullException.ThrowIfNull(expectedNodes);
        ArgumentNullException.ThrowIfNull(apply);
        _client = backend.Resource<TProfile>();
        _statusClient = backend.Resource<SecurityProfileNodeStatus>();
        _nodeGone = nodeGone;
        _profiles = profiles;
        _statuses = statuses;
        try
        {
            _statuses.AddIndex(SpoLabels.ProfileId, s => s.Metadata.Label(SpoLabels.ProfileId) is { } profileId ? [profileId] : []);
        }
        catch (ArgumentException)
        {
            // Another kind's aggregator on the same informer added it: profile ids are kind-qualified, so one index serves all.
        }

        _expectedNodes = expectedNodes;
        _apply = apply;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>The keys of the profiles of <paramref name="kind"/> a node status belongs to, for the controller's secondary watch.</summary>
    public static Func<SecurityProfileNodeStatus, IEnumerable<ObjectKey>> ProfilesOf(string kind)
    {
        ArgumentException.ThrowIfNullOrEmpty(kind);
        return status => status.Metadata.OwnerReferences?.Where(o => o.Controller == true && o.Kind == kind).Select(o => ObjectKey.Cluster(o.Name)) ?? [];
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
        IReadOnlyList<SecurityProfileNodeStatus> statuses = _statuses.ByIndex(SpoLabels.ProfileId, id);
        if (_nodeGone is not null)
        {
            statuses = await ForgetGoneNodesAsync(profile, statuses, cancellationToken).ConfigureAwait(false);
        }

        if (profile.Metadata.DeletionTimestamp is not null)
        {
            await RemoveReleasedCutFinalizersAsync(profile, id, cancellationToken).ConfigureAwait(false);
        }

        // One status per node is the rule; should a node ever hold two (e.g. left over from a rename), the lower state counts.
        var reported = statuses
            .Where(s => s.Status?.Status is not null)
            .GroupBy(s => s.Spec.NodeName, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => ProfileStates.Aggregate(g.Select(s => s.Status!.Status!.Value.Value!)), StringComparer.Ordinal);
        var expected = _expectedNodes();

        // A node without a status has not reported yet, unless the profile is being deleted: then it has cleaned up
        // (a node deletes its status once its file is gone), and a profile another finalizer holds stays Terminating,
        // as upstream, which writes nothing with fewer statuses than nodes (runtime.md §1.7 step 5).
        var missing = profile.Metadata.DeletionTimestamp is null ? "Pending" : "Terminating";
        var states = expected.Count == 0
            ? reported.Values.ToList()
            : expected.Select(node => reported.GetValueOrDefault(node, missing)).ToList();
        var state = states.Count == 0 ? missing : ProfileStates.Aggregate(states);
        var (ready, reason) = ProfileStates.Ready(state);
        var status = new AggregatedProfileStatus(state, ready, reason, _time.GetUtcNow().UtcDateTime);
        await _client.UpdateStatusWithRetryAsync(key, p => _apply(p, status), cancellationToken).ConfigureAwait(false);
        return ReconcileResult.Done;
    }

    // Deletes the statuses of nodes that left and removes their finalizers (also those left without
    // a status); returns the statuses of the nodes still there. Finalizers of names cut to fit a
    // label (ours and upstream's form) are only matched through their status object, as the cut name is not the node's.
    private async Task<IReadOnlyList<SecurityProfileNodeStatus>> ForgetGoneNodesAsync(TProfile profile, IReadOnlyList<SecurityProfileNodeStatus> statuses, CancellationToken cancellationToken)
    {
        var gone = statuses.Where(s => _nodeGone!(s.Spec.NodeName)).ToList();

        // Upstream's cut form of a long node name may be shared with a node still there: it stays while that node's status
        // does (RemoveReleasedCutFinalizersAsync takes it off a deleted profile once no such status remains).
        var heldByRemaining = statuses.Except(gone).Select(s => ProfileNames.UpstreamNodeFinalizer(s.Spec.NodeName)).ToHashSet(StringComparer.Ordinal);
        var finalizers = gone.SelectMany(s => new[] { ProfileNames.NodeFinalizer(s.Spec.NodeName), ProfileNames.UpstreamNodeFinalizer(s.Spec.NodeName) })
            .Where(f => !heldByRemaining.Contains(f))
            .Concat((profile.Metadata.Finalizers ?? []).Where(f => NodeOfFinalizer(f) is { } node && _nodeGone!(node)))
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

    // Upstream's cut form of a long node name (from upstream's operator or an earlier version) is shared by every node
    // whose name has the same first 55 characters, so no node removes it (NodeFinalizers.ForDeletion): one node cleaning
    // up must not let the profile go before the others removed their files. Once the profile is deleted it goes when no
    // status of a node sharing it remains, as a node deletes its status before its finalizer. Finalizers of full length
    // that a node still there writes itself (the hashed form of a long name, the whole form of a 55-character one) stay
    // for that node to remove.
    private async Task RemoveReleasedCutFinalizersAsync(TProfile profile, string id, CancellationToken cancellationToken)
    {
        var candidates = (profile.Metadata.Finalizers ?? []).Where(IsFullLengthNodeFinalizer).ToList();
        if (candidates.Count == 0)
        {
            return;
        }

        var kept = _expectedNodes().Where(n => _nodeGone?.Invoke(n) != true).Select(ProfileNames.NodeFinalizer).ToHashSet(StringComparer.Ordinal);

        // Read from the cluster, not the cache: a status written a moment ago keeps the finalizer.
        var selector = new ListOptions(SpoLabels.ProfileId + "=" + id);
        await foreach (var status in ResourceClientPaging.ListPagesAsync(_statusClient, null, selector, cancellationToken).ConfigureAwait(false))
        {
            kept.Add(ProfileNames.NodeFinalizer(status.Spec.NodeName));
            kept.Add(ProfileNames.UpstreamNodeFinalizer(status.Spec.NodeName));
        }

        var released = candidates.Where(f => !kept.Contains(f)).ToHashSet(StringComparer.Ordinal);
        if (released.Count > 0)
        {
            await _client.UpdateWithRetryAsync(ObjectKey.Of(profile), p => released.Aggregate(false, (changed, f) => Finalizers.Remove(p, f) | changed), cancellationToken).ConfigureAwait(false);
        }
    }

    // A node finalizer of the longest form, which a node name too long for a label is cut to: upstream's cut form, or
    // the hashed form (NodeFinalizer), or the whole form of a 55-character name. Node names are lower case DNS
    // subdomains, but one cut to 55 characters may end in '-' or '.'; a '/' is another controller's.
    private static bool IsFullLengthNodeFinalizer(string finalizer) =>
        finalizer.Length == ProfileNames.MaxLabelLength
        && finalizer.EndsWith(ProfileNames.NodeFinalizerSuffix, StringComparison.Ordinal)
        && (char.IsAsciiLetterLower(finalizer[0]) || char.IsAsciiDigit(finalizer[0]))
        && finalizer.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '.');

    // The node a finalizer of a name too short to have been cut stands for, or null when it is no node's: another
    // controller's finalizer may end in -deleted too (example.com/backup-deleted), and a node name is a DNS subdomain.
    private static string? NodeOfFinalizer(string finalizer) =>
        finalizer.EndsWith(ProfileNames.NodeFinalizerSuffix, StringComparison.Ordinal)
        && finalizer.Length < MaxFinalizerNodeLength + ProfileNames.NodeFinalizerSuffix.Length
        && finalizer[..^ProfileNames.NodeFinalizerSuffix.Length] is var node
        && Api.Schema.MetadataRules.IsDnsSubdomain(node)
            ? node
            : null;
}
