using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SpoSdk.Api.Naming;
using SpoSdk.Api.Schema;
using SpoSdk.Api.V1;
using SpoSdk.Recording.Merging;
using SpoSdk.Runtime;
using SpoSdk.Runtime.Backends;
using SpoSdk.Runtime.Controllers;
using SpoSdk.Runtime.Events;
using SpoSdk.Runtime.Informers;

namespace SpoSdk.Recording.Recorders;

/// <summary>
/// The bookkeeping of a ProfileRecording (runtime.md §4.3, §4.4):
/// <list type="bullet">
/// <item>While it lives: if this instance has no recorder for its <c>spec.recorder</c> (e.g. <c>Bpf</c>) or the
/// recorder cannot record its kind, a Warning Event <c>RecorderUnavailable</c> says so and how to plug one in
/// (once per generation; the status schema has only <c>activeWorkloads</c>, which the recording webhook keeps).</item>
/// <item>When it is being deleted: each node's daemon writes the profiles of its still-running containers
/// (<see cref="RecordingNodeReconciler"/>) and removes its finalizer <c>node.recording.spo.x-k8s.io/&lt;node&gt;</c>;
/// this waits until no node finalizer is left, removing those of nodes that left the cluster (so a dead node cannot
/// hold the recording forever). Then, with <c>mergeStrategy: Containers</c>, the partial profiles are merged into one
/// profile per container named <c>&lt;recording&gt;-&lt;container&gt;</c> (<see cref="ProfileMerger"/>), labelled with
/// the recording's id and namespace only, <c>spec.state: Disabled</c> when <c>disableProfileAfterRecording</c>;
/// then the partials are deleted and the finalizer <c>spo.x-k8s.io/has-unmerged-profiles</c> removed. A merged
/// name held by a foreign object moves to an alternative name (<see cref="RecordedProfileNames"/>, upstream #3328).
/// A partial written after that merge (while other finalizers keep the recording) is merged into the merged profile
/// this deletion wrote, not over it.</item>
/// <item>When it is gone: every recorder forgets its data.</item>
/// </list>
/// </summary>
public sealed class ProfileRecordingReconciler : IReconciler<ProfileRecording>
{
    // What was already reported, so a reconcile that finds nothing new writes no Event; dropped with the recording.
    private readonly HashSet<(ObjectKey Key, string Uid, long Generation, string Reason)> _reported = new();
    private readonly IClusterBackend _backend;
    private readonly Informer<ProfileRecording> _recordings;
    private readonly ProfileRecorderRegistry _recorders;
    private readonly IEventRecorder _events;
    private readonly string _nodeName;
    private readonly Func<string, bool>? _nodeFinalizerGone;
    private readonly RecordedProfileWriter _writer;
    private readonly ILogger _logger;

    /// <summary>Creates the reconciler.</summary>
    /// <param name="backend">Where recordings and profiles live.</param>
    /// <param name="recordings">The ProfileRecordings.</param>
    /// <param name="recorders">The recorders this instance has.</param>
    /// <param name="events">Where Events go.</param>
    /// <param name="nodeName">The node named in <c>RecorderUnavailable</c> messages.</param>
    /// <param name="nodeFinalizerGone">
    /// Whether a node finalizer (<see cref="RecordingNodeFinalizers"/>) belongs to a node that left the cluster; such
    /// finalizers are removed. Null when that cannot be known (then only the nodes themselves remove them).
    /// </param>
    /// <param name="logger">The log.</param>
    public ProfileRecordingReconciler(
        IClusterBackend backend,
        Informer<ProfileRecording> recordings,
        ProfileRecorderRegistry recorders,
        IEventRecorder events,
        string nodeName,
        Func<string, bool>? nodeFinalizerGone = null,
        ILogger<ProfileRecordingReconciler>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(recordings);
        ArgumentNullException.ThrowIfNull(recorders);
        ArgumentNullException.ThrowIfNull(events);
        ArgumentException.ThrowIfNullOrEmpty(nodeName);
        _backend = backend;
        _recordings = recordings;
        _recorders = recorders;
        _events = events;
        _nodeName = nodeName;
        _nodeFinalizerGone = nodeFinalizerGone;
        _writer = new RecordedProfileWriter(backend);
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <inheritdoc />
    public async Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken cancellationToken)
    {
        var recording = _recordings.Get(key);
        if (recording is null)
        {
            Forget(key.Namespace ?? string.Empty, key.Name);
            return ReconcileResult.Done;
        }

        if (recording.Metadata.DeletionTimestamp is null)
        {
            if (_recorders.Unavailable(recording.Spec.Kind, recording.Spec.Recorder, _nodeName) is { } why)
            {
                await ReportOnceAsync(recording, EventKind.Warning, RecordingEventReasons.RecorderUnavailable, why, cancellationToken).ConfigureAwait(false);
            }

            return ReconcileResult.Done;
        }

        if (!await NodesDoneAsync(recording, cancellationToken).ConfigureAwait(false))
        {
            // A node still writes its pods' profiles; its finalizer's removal reconciles the recording again.
            return ReconcileResult.Done;
        }

        if (recording.Spec.MergeStrategy == ProfileRecordingMergeStrategy.Containers)
        {
            var kind = recording.Spec.Kind;
            var merged = kind == ProfileRecordingProfileKind.SeccompProfile ? await MergeAsync<SeccompProfile>(recording, ProfileMerger.Merge, cancellationToken).ConfigureAwait(false)
                : kind == ProfileRecordingProfileKind.SelinuxProfile ? await MergeAsync<SelinuxProfile>(recording, ProfileMerger.Merge, cancellationToken).ConfigureAwait(false)
                : kind == ProfileRecordingProfileKind.AppArmorProfile && await MergeAsync<AppArmorProfile>(recording, ProfileMerger.Merge, cancellationToken).ConfigureAwait(false);
            // The informer's copy may predate the merge that removed the finalizer: only the stored recording tells.
            if (!merged && Finalizers.Contains(recording, SpoFinalizers.HasUnmergedProfiles)
                && await _backend.Resource<ProfileRecording>().GetAsync(key, cancellationToken).ConfigureAwait(false) is { } stored
                && stored.Metadata.Uid == recording.Metadata.Uid && Finalizers.Contains(stored, SpoFinalizers.HasUnmergedProfiles))
            {
                await ReportOnceAsync(recording, EventKind.Warning, RecordingEventReasons.NoPartialProfiles, "recording " + key + " was deleted without partial " + kind + "s to merge", cancellationToken).ConfigureAwait(false);
            }
        }

        await _backend.Resource<ProfileRecording>().UpdateWithRetryAsync(key, r => Finalizers.Remove(r, SpoFinalizers.HasUnmergedProfiles), cancellationToken).ConfigureAwait(false);
        return ReconcileResult.Done;
    }

    /// <summary>
    /// The recording a partial profile belongs to, for a controller that watches profiles: a partial written late
    /// (after the merge, while the recording is kept by another finalizer) is merged too.
    /// </summary>
    public static IEnumerable<ObjectKey> RecordingOfPartial(ISpoObject profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        var metadata = profile.Metadata;
        return metadata.Label(SpoLabels.Partial) == "true" && metadata.Label(SpoLabels.RecordingId) is { Length: > 0 } name && metadata.Label(SpoLabels.RecordingNamespace) is { Length: > 0 } ns
            ? [new ObjectKey(ns, name)]
            : [];
    }

    /// <summary>The label selector of a recording's partial profiles.</summary>
    public static string PartialSelector(string @namespace, string recordingName) =>
        SpoLabels.RecordingId + "=" + recordingName + "," + SpoLabels.RecordingNamespace + "=" + @namespace + "," + SpoLabels.Partial + "=true";

    // Whether every node that followed a pod of the recording has written its profiles: no node finalizer is left
    // once those of nodes that left the cluster are removed.
    private async Task<bool> NodesDoneAsync(ProfileRecording recording, CancellationToken cancellationToken)
    {
        var nodes = (recording.Metadata.Finalizers ?? []).Where(RecordingNodeFinalizers.IsNodeFinalizer).Order(StringComparer.Ordinal).ToList();
        var gone = _nodeFinalizerGone is null ? [] : nodes.Where(_nodeFinalizerGone).ToList();
        if (gone.Count > 0)
        {
            var uid = recording.Metadata.Uid;
            var removed = false;
            await _backend.Resource<ProfileRecording>().UpdateWithRetryAsync(
                ObjectKey.Of(recording),
                r => removed = r.Metadata.Uid == uid && gone.Aggregate(false, (changed, f) => Finalizers.Remove(r, f) | changed),
                cancellationToken).ConfigureAwait(false);
            if (removed)
            {
                _logger.LogWarning("ProfileRecording {Namespace}/{Name}: removed the finalizers of nodes that left the cluster, whose running pods' profiles are lost: {Finalizers}", recording.Metadata.NamespaceProperty, recording.Metadata.Name, string.Join(", ", gone));
            }
        }

        return nodes.Count == gone.Count;
    }

    // Merges the partials per container and deletes them; false when there were none.
    private async Task<bool> MergeAsync<T>(ProfileRecording recording, Func<IReadOnlyList<T>, T> merge, CancellationToken cancellationToken)
        where T : class, ISpoObject
    {
        var ns = recording.Metadata.NamespaceProperty ?? string.Empty;
        var name = recording.Metadata.Name;
        var client = _backend.Resource<T>();
        var list = await client.ListAsync(null, new ListOptions(PartialSelector(ns, name)), cancellationToken).ConfigureAwait(false);

        // Partials already being deleted still count: they are this recording's data until they are gone.
        var groups = list.Items
            .Where(p => p.Metadata.Label(SpoLabels.ContainerId) is { Length: > 0 })
            .GroupBy(p => p.Metadata.Label(SpoLabels.ContainerId)!, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => (Container: g.Key, Partials: g.OrderBy(p => p.Metadata.Name, StringComparer.Ordinal).ToList()))
            .ToList();
        if (groups.Count == 0)
        {
            return false;
        }

        foreach (var (container, partials) in groups)
        {
            // A merged profile this deletion already wrote (created since the deletion began) takes the late partials in;
            // partials being deleted are in it already (a partial is deleted only once its merged profile is written).
            var earlier = await client.GetAsync(ObjectKey.Cluster(RecordedProfileNames.Merged(name, container)), cancellationToken).ConfigureAwait(false);
            IReadOnlyList<T> inputs = partials;
            if (earlier is not null && earlier.Metadata.DeletionTimestamp is null && earlier.Metadata.Label(SpoLabels.Partial) is null
                && RecordedProfileWriter.IsOwnedBy(earlier, new RecordedProfileOwner(ns, name, container))
                && earlier.Metadata.CreationTimestamp >= recording.Metadata.DeletionTimestamp)
            {
                var late = partials.Where(p => p.Metadata.DeletionTimestamp is null).ToList();
                if (late.Count == 0)
                {
                    continue;
                }

                inputs = [earlier, .. late];
            }

            var merged = merge(inputs);
            merged.Metadata = new V1ObjectMeta
            {
                Name = RecordedProfileNames.Merged(name, container),
                Labels = new Dictionary<string, string>(StringComparer.Ordinal)
                {
                    [SpoLabels.RecordingId] = name,
                    [SpoLabels.RecordingNamespace] = ns,
                },
            };
            if (recording.Spec.DisableProfileAfterRecording == true)
            {
                ProfileState.Disable(merged);
            }

            var written = await _writer.WriteAsync(merged, new RecordedProfileOwner(ns, name, container), cancellationToken).ConfigureAwait(false);
            var origin = "merged from " + partials.Count + " partial profile(s) of container " + container + ": " + string.Join(", ", partials.Select(p => p.Metadata.Name));
            await RecordingCollector.ReportWriteAsync(_events, recording, merged, written, RecordingEventReasons.ProfilesMerged, origin, cancellationToken).ConfigureAwait(false);
        }

        // Only after every merged profile is written, so a failure above loses no partial.
        foreach (var partial in groups.SelectMany(g => g.Partials).Where(p => p.Metadata.DeletionTimestamp is null))
        {
            await client.DeleteAsync(ObjectKey.Of(partial), cancellationToken).ConfigureAwait(false);
        }

        return true;
    }

    private async Task ReportOnceAsync(ProfileRecording recording, EventKind kind, string reason, string message, CancellationToken cancellationToken)
    {
        lock (_reported)
        {
            if (!_reported.Add((ObjectKey.Of(recording), recording.Metadata.Uid ?? string.Empty, recording.Metadata.Generation ?? 0, reason)))
            {
                return;
            }
        }

        if (kind == EventKind.Warning)
        {
            _logger.LogWarning("ProfileRecording {Namespace}/{Name}: {Message}", recording.Metadata.NamespaceProperty, recording.Metadata.Name, message);
        }

        await _events.RecordAsync(recording, kind, reason, message, cancellationToken).ConfigureAwait(false);
    }

    private void Forget(string @namespace, string name)
    {
        lock (_reported)
        {
            _reported.RemoveWhere(r => r.Key.Namespace == @namespace && r.Key.Name == name);
        }

        foreach (var recorder in _recorders.All)
        {
            recorder.Forget(@namespace, name);
        }
    }
}
