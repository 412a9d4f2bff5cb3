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
/// <item>When it is being deleted: the collector (when this instance runs one) writes the profiles of
/// still-running containers; with <c>mergeStrategy: Containers</c> the partial profiles are merged into one
/// profile per container named <c>&lt;recording&gt;-&lt;container&gt;</c> (<see cref="ProfileMerger"/>), labelled with
/// the recording's id and namespace only, <c>spec.state: Disabled</c> when <c>disableProfileAfterRecording</c>;
/// then the partials are deleted and the finalizer <c>spo.x-k8s.io/has-unmerged-profiles</c> removed. A merged
/// name held by a foreign object moves to an alternative name (<see cref="RecordedProfileNames"/>, upstream #3328).</item>
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
    private readonly RecordingCollector? _collector;
    private readonly RecordedProfileWriter _writer;
    private readonly ILogger _logger;

    /// <summary>Creates the reconciler.</summary>
    /// <param name="backend">Where recordings and profiles live.</param>
    /// <param name="recordings">The ProfileRecordings.</param>
    /// <param name="recorders">The recorders this instance has.</param>
    /// <param name="events">Where Events go.</param>
    /// <param name="nodeName">The node named in <c>RecorderUnavailable</c> messages.</param>
    /// <param name="collector">This instance's collector, flushed before a merge; null when the daemon role runs elsewhere.</param>
    /// <param name="logger">The log.</param>
    public ProfileRecordingReconciler(
        IClusterBackend backend,
        Informer<ProfileRecording> recordings,
        ProfileRecorderRegistry recorders,
        IEventRecorder events,
        string nodeName,
        RecordingCollector? collector = null,
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
        _collector = collector;
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

        if (_collector is not null)
        {
            await _collector.FlushRecordingAsync(recording, cancellationToken).ConfigureAwait(false);
        }

        if (recording.Spec.MergeStrategy == ProfileRecordingMergeStrategy.Containers)
        {
            var kind = recording.Spec.Kind;
            var merged = kind == ProfileRecordingProfileKind.SeccompProfile ? await MergeAsync<SeccompProfile>(recording, ProfileMerger.Merge, cancellationToken).ConfigureAwait(false)
                : kind == ProfileRecordingProfileKind.SelinuxProfile ? await MergeAsync<SelinuxProfile>(recording, ProfileMerger.Merge, cancellationToken).ConfigureAwait(false)
                : kind == ProfileRecordingProfileKind.AppArmorProfile && await MergeAsync<AppArmorProfile>(recording, ProfileMerger.Merge, cancellationToken).ConfigureAwait(false);
            if (!merged && Finalizers.Contains(recording, SpoFinalizers.HasUnmergedProfiles))
            {
                await ReportOnceAsync(recording, EventKind.Warning, RecordingEventReasons.NoPartialProfiles, "recording " + key + " was deleted without partial " + kind + "s to merge", cancellationToken).ConfigureAwait(false);
            }
        }

        await _backend.Resource<ProfileRecording>().UpdateWithRetryAsync(key, r => Finalizers.Remove(r, SpoFinalizers.HasUnmergedProfiles), cancellationToken).ConfigureAwait(false);
        return ReconcileResult.Done;
    }

    /// <summary>The label selector of a recording's partial profiles.</summary>
    public static string PartialSelector(string @namespace, string recordingName) =>
        SpoLabels.RecordingId + "=" + recordingName + "," + SpoLabels.RecordingNamespace + "=" + @namespace + "," + SpoLabels.Partial + "=true";

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
            var merged = merge(partials);
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

        _collector?.ForgetRecording(@namespace, name);

        foreach (var recorder in _recorders.All)
        {
            recorder.Forget(@namespace, name);
        }
    }
}
