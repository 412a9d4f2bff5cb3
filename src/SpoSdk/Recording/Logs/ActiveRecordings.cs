using System.Collections.Concurrent;
using SpoSdk.Api.V1;
using SpoSdk.Runtime.Informers;

namespace SpoSdk.Recording.Logs;

/// <summary>Which ProfileRecordings are collecting from audit logs right now.</summary>
public interface IActiveRecordings
{
    /// <summary>Whether <paramref name="recordingName"/> in <paramref name="namespace"/> exists, is not being deleted and records from logs.</summary>
    bool IsActive(string @namespace, string recordingName);

    /// <summary>
    /// Completes once every recording that exists is known (an informer's first list): until then
    /// <see cref="IsActive"/> may say no for a recording that only has not been seen yet.
    /// </summary>
    Task WhenKnownAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>
/// <see cref="IActiveRecordings"/> kept current from a ProfileRecording informer's events, so the
/// per-event check is one dictionary lookup (the informer's own reads copy objects).
/// </summary>
public sealed class InformerActiveRecordings : IActiveRecordings
{
    private readonly ConcurrentDictionary<(string Namespace, string Name), bool> _active = new();
    private readonly Informer<ProfileRecording> _recordings;

    /// <summary>Follows <paramref name="recordings"/> from now on (objects already cached included).</summary>
    public InformerActiveRecordings(Informer<ProfileRecording> recordings)
    {
        ArgumentNullException.ThrowIfNull(recordings);
        _recordings = recordings;
        recordings.AddHandler(OnChange);
    }

    /// <inheritdoc />
    /// <remarks>The informer hands its first list to the handlers before it counts as synced.</remarks>
    public Task WhenKnownAsync(CancellationToken cancellationToken) => _recordings.WaitForSyncAsync(cancellationToken);

    /// <inheritdoc />
    public bool IsActive(string @namespace, string recordingName) =>
        _active.TryGetValue((@namespace, recordingName), out var active) && active;

    /// <summary>Whether <paramref name="recording"/> collects from logs: live, recorder Logs, a kind the logs carry.</summary>
    public static bool RecordsFromLogs(ProfileRecording recording)
    {
        ArgumentNullException.ThrowIfNull(recording);
        return recording.Metadata.DeletionTimestamp is null
            && recording.Spec is { } spec
            && spec.Recorder == ProfileRecordingRecorder.Logs
            && (spec.Kind == ProfileRecordingProfileKind.SeccompProfile || spec.Kind == ProfileRecordingProfileKind.SelinuxProfile);
    }

    private void OnChange(InformerEvent<ProfileRecording> change)
    {
        var key = (change.Object.Metadata.NamespaceProperty ?? string.Empty, change.Object.Metadata.Name);
        if (change.Type == InformerEventType.Deleted)
        {
            _active.TryRemove(key, out _);
        }
        else
        {
            _active[key] = RecordsFromLogs(change.Object);
        }
    }
}
