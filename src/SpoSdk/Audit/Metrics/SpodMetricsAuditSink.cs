using SpoSdk.Audit.Enrichment;

namespace SpoSdk.Audit.Metrics;

/// <summary>Counts every logged enriched event in <see cref="SpodMetrics"/> (events the filters set to None are not counted, as they are not logged).</summary>
public sealed class SpodMetricsAuditSink : IEnrichedAuditSink
{
    private readonly SpodMetrics _metrics;

    /// <summary>Counts into <paramref name="metrics"/>.</summary>
    public SpodMetricsAuditSink(SpodMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        _metrics = metrics;
    }

    /// <inheritdoc />
    public ValueTask OnEventAsync(EnrichedAuditEvent enrichedEvent, CancellationToken cancellationToken)
    {
        if (enrichedEvent.IsLogged)
        {
            _metrics.RecordAudit(enrichedEvent.Event, enrichedEvent.Enrichment);
        }

        return ValueTask.CompletedTask;
    }
}
