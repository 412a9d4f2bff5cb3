using SpoSdk.Audit.Enrichment;

namespace SpoSdk.Recording.Logs;

/// <summary>
/// Feeds the <see cref="LogRecorder"/> from the enricher. Every event goes in, whatever the log
/// filters decided: upstream records what it does not log.
/// </summary>
public sealed class LogRecorderAuditSink : IEnrichedAuditSink
{
    private readonly LogRecorder _recorder;

    /// <summary>Records into <paramref name="recorder"/>.</summary>
    public LogRecorderAuditSink(LogRecorder recorder)
    {
        ArgumentNullException.ThrowIfNull(recorder);
        _recorder = recorder;
    }

    /// <inheritdoc />
    /// <remarks>
    /// Waits, once, until the recordings that exist are known: an event read right after the start must not be
    /// turned away as of no active recording because the recordings have not been listed yet.
    /// </remarks>
    public ValueTask OnEventAsync(EnrichedAuditEvent enrichedEvent, CancellationToken cancellationToken)
    {
        var ready = _recorder.WhenReadyAsync(cancellationToken);
        if (!ready.IsCompletedSuccessfully)
        {
            return RecordWhenReadyAsync(ready, enrichedEvent);
        }

        _recorder.Record(enrichedEvent.Event, enrichedEvent.Enrichment);
        return ValueTask.CompletedTask;
    }

    private async ValueTask RecordWhenReadyAsync(Task ready, EnrichedAuditEvent enrichedEvent)
    {
        await ready.ConfigureAwait(false);
        _recorder.Record(enrichedEvent.Event, enrichedEvent.Enrichment);
    }
}
