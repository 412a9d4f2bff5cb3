using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SpoSdk.Admission.Recording;
using SpoSdk.Api.Naming;
using SpoSdk.Api.Schema;
using SpoSdk.Api.V1;
using SpoSdk.Runtime;
using SpoSdk.Runtime.Backends;
using SpoSdk.Runtime.Controllers;
using SpoSdk.Runtime.Events;
using SpoSdk.Runtime.Informers;

namespace SpoSdk.Recording.Recorders;

/// <summary>
/// The daemon side of profile recording (runtime.md §4.3): follows the pods that carry recording
/// annotations and, when a pod ends (<c>Succeeded</c>, <c>Failed</c>) or is gone, asks the pod's recorder for
/// each container's profile and writes it as <c>&lt;recording&gt;-&lt;container&gt;[-&lt;replica suffix&gt;]</c>
/// (<see cref="RecordedProfileNames"/>) with the recording's labels. Run it as the reconciler of a
/// <see cref="Controller{T}"/> over the pod informer, with a <see cref="RecordingNodeReconciler"/> over the recordings
/// calling <see cref="FlushRecordingAsync"/> when a recording is deleted so running pods' profiles exist before the merge.
/// </summary>
/// <remarks>
/// <para>Labels: <c>spo.x-k8s.io/recording-id</c>, <c>spo.x-k8s.io/recording-namespace</c>,
/// <c>spo.x-k8s.io/container-id</c> (the container name), and <c>spo.x-k8s.io/partial: "true"</c> when the
/// recording's <c>mergeStrategy</c> is <c>Containers</c>; then the recording first gets the finalizer
/// <c>spo.x-k8s.io/has-unmerged-profiles</c> (not while it is being deleted: no finalizer can be added then, and
/// the merge waits for this node's finalizer). <c>disableProfileAfterRecording</c> writes <c>spec.state: Disabled</c>.</para>
/// <para>Per node: while it follows a pod of a recording, the recording carries this node's finalizer
/// (<see cref="RecordingNodeFinalizers.ForNode"/>), so a deletion waits until this node wrote what its pods recorded
/// (its <see cref="RecordingNodeReconciler"/> flushes and removes it); with <c>mergeStrategy: Containers</c> the
/// recording gets <c>spo.x-k8s.io/has-unmerged-profiles</c> at the same time, so the partials written by that flush
/// are merged. A pod first followed once the recording is being deleted (no finalizer can be added then) is collected at once.</para>
/// <para>Decisions on upstream's behaviour: a pod is followed whenever it is seen before it ended (upstream
/// only when first seen <c>Pending</c>, so a daemon restart lost every running recording); <c>Failed</c> pods
/// are collected too (upstream waits until they are deleted); the per-node finalizer (upstream has none, so a
/// deletion loses what other nodes' running pods recorded); a recording that no longer exists drops its
/// data with a log line instead of retrying forever; a recording name that is not a DNS-1123 label is not
/// collected (as upstream, logged, not retried).</para>
/// </remarks>
public sealed class RecordingCollector : IReconciler<V1Pod>
{
    private readonly Dictionary<ObjectKey, TrackedPod> _tracked = new();
    private readonly SemaphoreSlim _collecting = new(1, 1);
    private readonly Informer<V1Pod> _pods;
    private readonly Informer<ProfileRecording> _recordings;
    private readonly IResourceClient<ProfileRecording> _recordingClient;
    private readonly ProfileRecorderRegistry _recorders;
    private readonly RecordedProfileWriter _writer;
    private readonly IEventRecorder _events;
    private readonly ILogger _logger;

    /// <summary>Creates the collector.</summary>
    /// <param name="backend">Where profiles and recordings are written.</param>
    /// <param name="pods">This node's pods.</param>
    /// <param name="recordings">The ProfileRecordings.</param>
    /// <param name="recorders">The recorders that gathered the data.</param>
    /// <param name="events">Where Events about recordings go.</param>
    /// <param name="nodeName">This node, whose finalizer marks the recordings it follows pods of.</param>
    /// <param name="logger">The log.</param>
    public RecordingCollector(IClusterBackend backend, Informer<V1Pod> pods, Informer<ProfileRecording> recordings, ProfileRecorderRegistry recorders, IEventRecorder events, string nodeName, ILogger<RecordingCollector>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(pods);
        ArgumentNullException.ThrowIfNull(recordings);
        ArgumentNullException.ThrowIfNull(recorders);
        ArgumentNullException.ThrowIfNull(events);
        ArgumentException.ThrowIfNullOrEmpty(nodeName);
        NodeFinalizer = RecordingNodeFinalizers.ForNode(nodeName);
        _pods = pods;
        _recordings = recordings;
        _recordingClient = backend.Resource<ProfileRecording>();
        _recorders = recorders;
        _writer = new RecordedProfileWriter(backend);
        _events = events;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>This node's finalizer on the recordings it follows pods of.</summary>
    public string NodeFinalizer { get; }

    /// <summary>The pods followed now, ordered.</summary>
    public IReadOnlyList<ObjectKey> TrackedPods
    {
        get
        {
            lock (_tracked)
            {
                return _tracked.Keys.OrderBy(k => k.ToString(), StringComparer.Ordinal).ToList();
            }
        }
    }

    /// <summary>
    /// The containers a pod's annotations ask to record, one per container (a log annotation wins over an
    /// eBPF one, as upstream), ordered by container; annotations with an empty value or a malformed token are skipped.
    /// </summary>
    public static IReadOnlyList<RecordingTarget> TargetsOf(V1Pod pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        var byContainer = new SortedDictionary<string, RecordingTarget>(StringComparer.Ordinal);
        foreach (var (key, token) in pod.Metadata.Annotations ?? new Dictionary<string, string>())
        {
            if (string.IsNullOrEmpty(token) || Classify(key) is not { } pair
                || !RecordingAnnotations.TryParseToken(token, out var recording, out var container, out _, out _))
            {
                continue;
            }

            var target = new RecordingTarget(token, pair.Kind, pair.Recorder, pod.Metadata.NamespaceProperty ?? string.Empty, recording, container);
            var annotated = key[pair.Prefix.Length..];
            if (!byContainer.TryGetValue(annotated, out var existing) || (existing.Recorder != ProfileRecordingRecorder.Logs && target.Recorder == ProfileRecordingRecorder.Logs))
            {
                byContainer[annotated] = target;
            }
        }

        return byContainer.Values.ToList();
    }

    /// <inheritdoc />
    public async Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken cancellationToken)
    {
        var pod = _pods.Get(key);
        TrackedPod? tracked;
        lock (_tracked)
        {
            _tracked.TryGetValue(key, out tracked);
        }

        // A pod replaced under the same name before this ran (a StatefulSet's): the one followed has ended, so its
        // profiles are written before the new one is followed.
        if (tracked is not null && (pod is null || HasEnded(pod) || tracked.Uid != pod.Metadata.Uid))
        {
            await CollectAsync(key, tracked, _ => true, cancellationToken).ConfigureAwait(false);
        }

        if (pod is not null && !HasEnded(pod))
        {
            if (Track(key, pod) is { } followed)
            {
                await MarkRecordingsAsync(key, followed, cancellationToken).ConfigureAwait(false);
            }
        }
        else if (pod is not null && tracked?.Uid != pod.Metadata.Uid && TargetsOf(pod) is { Count: > 0 } targets)
        {
            // Ended and never followed: its whole life fell between two reconciles (the events were coalesced), or it
            // ended before this process started. What its containers recorded is collected, and their tokens retired, now.
            var ended = new TrackedPod(pod.Metadata.NamespaceProperty ?? string.Empty, pod.Metadata.Name, pod.Metadata.GenerateName, pod.Metadata.Uid, [.. targets], Followed: false);
            await CollectAsync(key, ended, _ => true, cancellationToken).ConfigureAwait(false);
        }

        return ReconcileResult.Done;
    }

    /// <summary>
    /// Writes the profiles recorded so far for every followed container of <paramref name="recording"/> on this node
    /// (called when the recording is being deleted, before this node's finalizer goes and the partial profiles are merged).
    /// </summary>
    public async Task FlushRecordingAsync(ProfileRecording recording, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(recording);
        var ns = recording.Metadata.NamespaceProperty ?? string.Empty;
        var name = recording.Metadata.Name;
        List<(ObjectKey Key, TrackedPod Pod)> pods;
        lock (_tracked)
        {
            pods = _tracked.Where(p => p.Value.Namespace == ns).OrderBy(p => p.Key.ToString(), StringComparer.Ordinal).Select(p => (p.Key, p.Value)).ToList();
        }

        foreach (var (key, pod) in pods)
        {
            await CollectAsync(key, pod, t => t.RecordingName == name, cancellationToken).ConfigureAwait(false);
        }
    }

    private static (string Prefix, ProfileRecordingProfileKind Kind, ProfileRecordingRecorder Recorder)? Classify(string annotation)
    {
        // trace-bpf-apparmor/ before trace-bpf/ would not matter (the slash ends both), but keep it explicit.
        if (annotation.StartsWith(RecordingAnnotations.SeccompLogsPrefix, StringComparison.Ordinal))
        {
            return (RecordingAnnotations.SeccompLogsPrefix, ProfileRecordingProfileKind.SeccompProfile, ProfileRecordingRecorder.Logs);
        }

        if (annotation.StartsWith(RecordingAnnotations.SelinuxLogsPrefix, StringComparison.Ordinal))
        {
            return (RecordingAnnotations.SelinuxLogsPrefix, ProfileRecordingProfileKind.SelinuxProfile, ProfileRecordingRecorder.Logs);
        }

        if (annotation.StartsWith(RecordingAnnotations.AppArmorBpfPrefix, StringComparison.Ordinal))
        {
            return (RecordingAnnotations.AppArmorBpfPrefix, ProfileRecordingProfileKind.AppArmorProfile, ProfileRecordingRecorder.Bpf);
        }

        return annotation.StartsWith(RecordingAnnotations.SeccompBpfPrefix, StringComparison.Ordinal)
            ? (RecordingAnnotations.SeccompBpfPrefix, ProfileRecordingProfileKind.SeccompProfile, ProfileRecordingRecorder.Bpf)
            : null;
    }

    private static bool HasEnded(V1Pod pod) => pod.Status?.Phase is "Succeeded" or "Failed";

    // The pod as followed (just now or before); null when it records nothing.
    private TrackedPod? Track(ObjectKey key, V1Pod pod)
    {
        lock (_tracked)
        {
            if (_tracked.TryGetValue(key, out var tracked))
            {
                return tracked;
            }

            var targets = TargetsOf(pod);
            if (targets.Count == 0)
            {
                return null;
            }

            tracked = new TrackedPod(pod.Metadata.NamespaceProperty ?? string.Empty, pod.Metadata.Name, pod.Metadata.GenerateName, pod.Metadata.Uid, [.. targets]);
            _tracked[key] = tracked;
            return tracked;
        }
    }

    // Puts this node's finalizer on each recording the pod records for, before anything of it can be lost to a
    // deletion; a recording already being deleted takes no new finalizer, so the pod's containers of it are collected now.
    private async Task MarkRecordingsAsync(ObjectKey key, TrackedPod pod, CancellationToken cancellationToken)
    {
        List<string> names;
        lock (_tracked)
        {
            names = pod.Targets.Select(t => t.RecordingName).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        }

        foreach (var name in names)
        {
            if (!MetadataRules.IsDnsLabel(name))
            {
                continue;
            }

            // The informer may not hold a recording created just before its pod yet: then the stored one is asked.
            var recordingKey = new ObjectKey(pod.Namespace, name);
            var recording = _recordings.Get(recordingKey);
            if (recording is null || (recording.Metadata.DeletionTimestamp is null && !IsMarked(recording)))
            {
                recording = await _recordingClient.UpdateWithRetryAsync(recordingKey, r => r.Metadata.DeletionTimestamp is null && Mark(r), cancellationToken).ConfigureAwait(false);
            }

            if (recording?.Metadata.DeletionTimestamp is not null)
            {
                await CollectAsync(key, pod, t => t.RecordingName == name, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    // This node's finalizer, and with mergeStrategy: Containers the merge's too: the partials this node writes when the
    // recording is deleted must find the manager still holding it (no finalizer can be added once it is being deleted).
    private bool IsMarked(ProfileRecording recording) =>
        Finalizers.Contains(recording, NodeFinalizer)
        && (recording.Spec.MergeStrategy != ProfileRecordingMergeStrategy.Containers || Finalizers.Contains(recording, SpoFinalizers.HasUnmergedProfiles));

    private bool Mark(ProfileRecording recording)
    {
        var merge = recording.Spec.MergeStrategy == ProfileRecordingMergeStrategy.Containers && Finalizers.Add(recording, SpoFinalizers.HasUnmergedProfiles);
        return Finalizers.Add(recording, NodeFinalizer) | merge;
    }

    private async Task CollectAsync(ObjectKey key, TrackedPod pod, Func<RecordingTarget, bool> which, CancellationToken cancellationToken)
    {
        await _collecting.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            List<RecordingTarget> targets;
            lock (_tracked)
            {
                targets = pod.Targets.Where(which).ToList();
            }

            foreach (var target in targets)
            {
                await CollectAsync(pod, target, cancellationToken).ConfigureAwait(false);
                lock (_tracked)
                {
                    pod.Targets.Remove(target);
                    if (pod.Targets.Count == 0 && ReferenceEquals(_tracked.GetValueOrDefault(key), pod))
                    {
                        _tracked.Remove(key);
                    }
                }
            }
        }
        finally
        {
            _collecting.Release();
        }
    }

    // One container: build, name, label and write its profile, then let the recorder forget it.
    private async Task CollectAsync(TrackedPod pod, RecordingTarget target, CancellationToken cancellationToken)
    {
        var recorder = _recorders.Find(target.Recorder);
        var recording = _recordings.Get(new ObjectKey(target.Namespace, target.RecordingName));
        if (recording is null || !MetadataRules.IsDnsLabel(target.RecordingName))
        {
            // A pod never followed is most often one that ended long ago (seen again after a restart): not worth a warning.
            _logger.Log(
                pod.Followed ? LogLevel.Warning : LogLevel.Debug,
                "Not collecting container {Container} of pod {Namespace}/{Pod}: recording {Recording} {Why}",
                target.ContainerName,
                pod.Namespace,
                pod.Name,
                target.RecordingName,
                recording is null ? "no longer exists" : "is not a DNS-1123 label");
            recorder?.Reset(target.Token);
            return;
        }

        if (recorder is null || !recorder.CanRecord(target.Kind)
            || await recorder.CollectAsync(target, cancellationToken).ConfigureAwait(false) is not { } recorded)
        {
            // No recorder (reported on the recording by ProfileRecordingReconciler) or nothing recorded.
            recorder?.Reset(target.Token);
            return;
        }

        var partial = recording.Spec.MergeStrategy == ProfileRecordingMergeStrategy.Containers;
        var profile = recorded.Profile;
        profile.Metadata = new V1ObjectMeta
        {
            Name = RecordedProfileNames.ForContainer(target.RecordingName, target.ContainerName, pod.Name, pod.GenerateName, partial),
            Labels = RecordingLabels(target, partial),
        };
        if (recording.Spec.DisableProfileAfterRecording == true)
        {
            ProfileState.Disable(profile);
        }

        if (partial && recording.Metadata.DeletionTimestamp is null)
        {
            // Before the partial exists, so the recording cannot be deleted without merging it.
            // Checked on the fresh object too: one deleted since the cache was read takes no new finalizer.
            await _recordingClient.UpdateWithRetryAsync(ObjectKey.Of(recording), r => r.Metadata.DeletionTimestamp is null && Finalizers.Add(r, SpoFinalizers.HasUnmergedProfiles), cancellationToken).ConfigureAwait(false);
        }

        var owner = new RecordedProfileOwner(target.Namespace, target.RecordingName, target.ContainerName);
        var written = await _writer.WriteAsync(profile, owner, cancellationToken).ConfigureAwait(false);
        await ReportAsync(recording, profile, written, recorded.Omissions, "recorded from container " + target.ContainerName + " of pod " + pod.Namespace + "/" + pod.Name, cancellationToken).ConfigureAwait(false);
        recorder.Reset(target.Token);
    }

    /// <summary>Events about one written profile: created/updated, a taken name, an incomplete recording.</summary>
    internal async Task ReportAsync(ProfileRecording recording, ISpoObject profile, ProfileWriteResult written, IReadOnlyList<string> omissions, string origin, CancellationToken cancellationToken)
    {
        await ReportWriteAsync(_events, recording, profile, written, RecordingEventReasons.ProfileCreated, origin, cancellationToken).ConfigureAwait(false);
        if (omissions.Count > 0)
        {
            await _events.RecordAsync(recording, EventKind.Warning, RecordingEventReasons.RecordingIncomplete, profile.Kind + " " + written.Name + " may be incomplete: " + string.Join("; ", omissions), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The Events for one write (shared with the merger).</summary>
    internal static async Task ReportWriteAsync(IEventRecorder events, ProfileRecording recording, ISpoObject profile, ProfileWriteResult written, string reason, string origin, CancellationToken cancellationToken)
    {
        if (written.Name != profile.Metadata.Name)
        {
            await events.RecordAsync(recording, EventKind.Warning, RecordingEventReasons.ProfileNameTaken, profile.Kind + " " + profile.Metadata.Name + " belongs to another object; the profile " + origin + " was written as " + written.Name, cancellationToken).ConfigureAwait(false);
        }

        if (written.Outcome != ProfileWriteOutcome.Unchanged)
        {
            await events.RecordAsync(recording, EventKind.Normal, reason, profile.Kind + " " + written.Name + " " + (written.Outcome == ProfileWriteOutcome.Created ? "created" : "updated") + ", " + origin, cancellationToken).ConfigureAwait(false);
        }
    }

    private static Dictionary<string, string> RecordingLabels(RecordingTarget target, bool partial)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [SpoLabels.ContainerId] = target.ContainerName,
            [SpoLabels.RecordingId] = target.RecordingName,
            [SpoLabels.RecordingNamespace] = target.Namespace,
        };
        if (partial)
        {
            labels[SpoLabels.Partial] = "true";
        }

        return labels;
    }

    // What is kept of a followed pod once it is gone: enough to name its profiles.
    private sealed record TrackedPod(string Namespace, string Name, string? GenerateName, string? Uid, List<RecordingTarget> Targets, bool Followed = true);
}

/// <summary>Sets <c>spec.state</c> on any profile kind.</summary>
internal static class ProfileState
{
    public static void Disable(ISpoObject profile)
    {
        switch (profile)
        {
            case SeccompProfile seccomp:
                seccomp.Spec.State = SeccompProfileSpecState.Disabled;
                break;
            case SelinuxProfile selinux:
                (selinux.Spec ??= new SelinuxProfileSpec()).State = SelinuxProfileSpecState.Disabled;
                break;
            case AppArmorProfile appArmor:
                (appArmor.Spec ??= new AppArmorProfileSpec()).State = AppArmorProfileSpecState.Disabled;
                break;
        }
    }
}
