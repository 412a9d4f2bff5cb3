using SpoSdk.Api.V1;
using SpoSdk.Runtime;
using SpoSdk.Runtime.Backends;
using SpoSdk.Runtime.Controllers;
using SpoSdk.Runtime.Informers;

namespace SpoSdk.Recording.Recorders;

/// <summary>
/// The daemon's side of a ProfileRecording's deletion, on every node: once the recording is being deleted, this
/// node's collector writes the profiles of its still-running pods of it (<see cref="RecordingCollector.FlushRecordingAsync"/>),
/// then this node's finalizer (<see cref="RecordingNodeFinalizers"/>) is removed, so the manager's
/// <see cref="ProfileRecordingReconciler"/> merges only once every node's profiles exist.
/// </summary>
public sealed class RecordingNodeReconciler : IReconciler<ProfileRecording>
{
    private readonly IResourceClient<ProfileRecording> _client;
    private readonly Informer<ProfileRecording> _recordings;
    private readonly RecordingCollector _collector;

    /// <summary>Creates the reconciler.</summary>
    /// <param name="backend">Where the recordings live.</param>
    /// <param name="recordings">The ProfileRecordings.</param>
    /// <param name="collector">This node's collector.</param>
    public RecordingNodeReconciler(IClusterBackend backend, Informer<ProfileRecording> recordings, RecordingCollector collector)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(recordings);
        ArgumentNullException.ThrowIfNull(collector);
        _client = backend.Resource<ProfileRecording>();
        _recordings = recordings;
        _collector = collector;
    }

    /// <inheritdoc />
    public async Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken cancellationToken)
    {
        var recording = _recordings.Get(key);
        if (recording?.Metadata.DeletionTimestamp is null)
        {
            return ReconcileResult.Done;
        }

        // Flushing again finds nothing left to write, so a repeated reconcile is harmless.
        await _collector.FlushRecordingAsync(recording, cancellationToken).ConfigureAwait(false);
        if (Finalizers.Contains(recording, _collector.NodeFinalizer))
        {
            var uid = recording.Metadata.Uid;
            await _client.UpdateWithRetryAsync(key, r => r.Metadata.Uid == uid && Finalizers.Remove(r, _collector.NodeFinalizer), cancellationToken).ConfigureAwait(false);
        }

        return ReconcileResult.Done;
    }
}
