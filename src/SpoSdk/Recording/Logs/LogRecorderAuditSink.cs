using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SpoSdk.Audit.Enrichment;

namespace SpoSdk.Recording.Logs;

/// <summary>
/// Feeds the <see cref="LogRecorder"/> from the enricher. Every event goes in, whatever the log
/// filters decided: upstream records what it does not log.
/// </summary>
public sealed class LogRecorderAuditSink : IEnrichedAuditSink
{
    /// <summary>How long the sink waits, by default, for the recordings to be known (see <see cref="OnEventAsync"/>).</summary>
    public static readonly TimeSpan DefaultReadyTimeout = TimeSpan.FromSeconds(30);

    private readonly LogRecorder _recorder;
    private readonly TimeSpan _readyTimeout;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private volatile bool _gaveUpWaiting;

    /// <summary>
    /// Records into <paramref name="recorder"/>, waiting at most <paramref name="readyTimeout"/> (default
    /// <see cref="DefaultReadyTimeout"/>) for the recordings to be known.
    /// </summary>
    public LogRecorderAuditSink(LogRecorder recorder, TimeSpan? readyTimeout = null, TimeProvider? time = null, ILogger<LogRecorderAuditSink>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(recorder);
        _recorder = recorder;
        _readyTimeout = readyTimeout ?? DefaultReadyTimeout;
        ArgumentOutOfRangeException.ThrowIfLessThan(_readyTimeout, TimeSpan.Zero);
        _time = time ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <inheritdoc />
    /// <remarks>
    /// Waits, once, until the recordings that exist are known: an event read right after the start must not be
    /// turned away as of no active recording because the recordings have not been listed yet. The wait is bounded:
    /// the enricher's sinks share one loop, so recordings that are never listed (no RBAC, no CRD, the API down) must
    /// not stall the enriched lines and metrics for good. After the timeout, events are judged by the recordings known
    /// so far, and counted (<see cref="LogRecorderCounters.BeforeRecordingsKnown"/>) until they are all known.
    /// </remarks>
    public ValueTask OnEventAsync(EnrichedAuditEvent enrichedEvent, CancellationToken cancellationToken)
    {
        var ready = _recorder.WhenReadyAsync(cancellationToken);
        if (ready.IsCompletedSuccessfully)
        {
            _recorder.Record(enrichedEvent.Event, enrichedEvent.Enrichment);
            return ValueTask.CompletedTask;
        }

        if (_gaveUpWaiting)
        {
            RecordBeforeKnown(enrichedEvent);
            return ValueTask.CompletedTask;
        }

        return RecordWhenReadyAsync(ready, enrichedEvent, cancellationToken);
    }

    private async ValueTask RecordWhenReadyAsync(Task ready, EnrichedAuditEvent enrichedEvent, CancellationToken cancellationToken)
    {
        try
        {
            await ready.WaitAsync(_readyTimeout, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            _gaveUpWaiting = true;
            _logger.LogWarning("The ProfileRecordings are still not known after {Timeout}; audit events are recorded by the recordings known so far until they are", _readyTimeout);
            RecordBeforeKnown(enrichedEvent);
            return;
        }

        _recorder.Record(enrichedEvent.Event, enrichedEvent.Enrichment);
    }

    private void RecordBeforeKnown(EnrichedAuditEvent enrichedEvent)
    {
        _recorder.Counters.AddBeforeRecordingsKnown();
        _recorder.Record(enrichedEvent.Event, enrichedEvent.Enrichment);
    }
}
