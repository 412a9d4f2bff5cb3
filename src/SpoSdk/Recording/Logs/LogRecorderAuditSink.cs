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
    public ValueTask OnEventAsync(EnrichedAuditEvent enrichedEvent, CancellationToken cancellationToken)
    {
        _recorder.Record(enrichedEvent.Event, enrichedEvent.Enrichment);
        return ValueTask.CompletedTask;
    }
}
