using SpoSdk.Audit.Filtering;

namespace SpoSdk.Audit.Enrichment;

/// <summary>One event with the pod and container it came from, as the <see cref="AuditEnricher"/> hands it on.</summary>
/// <param name="Event">The parsed audit record.</param>
/// <param name="Enrichment">Node, namespace, pod, container, container id and recording token.</param>
/// <param name="Level">
/// What the log enricher filters decided: <see cref="AuditFilterLevel.None"/> means no log line and no metric, but a
/// recorder still records it (upstream records seccomp and SELinux events whatever the filters say).
/// </param>
public readonly record struct EnrichedAuditEvent(AuditEvent Event, AuditEnrichment Enrichment, AuditFilterLevel Level)
{
    /// <summary>Whether a log line and a metric are due (the filters did not say <see cref="AuditFilterLevel.None"/>).</summary>
    public bool IsLogged => Level != AuditFilterLevel.None;
}

/// <summary>
/// A consumer of enriched audit events: the text log line (<see cref="EnrichedLineWriter"/>), the audit metrics, the
/// log recorder. The <see cref="AuditEnricher"/> calls its sinks one at a time, in event order (events that waited for
/// their container come before the later events of the same process), and awaits each call, so a sink needs no locking
/// of its own against the enricher and slows the pipeline down rather than losing events. A sink that throws is logged
/// and counted; the others still get the event.
/// </summary>
public interface IEnrichedAuditSink
{
    /// <summary>One event whose container and pod are known.</summary>
    ValueTask OnEventAsync(EnrichedAuditEvent enrichedEvent, CancellationToken cancellationToken);
}
