using SpoSdk.Audit.Enrichment;
using SpoSdk.Audit.Sources;

namespace SpoSdk.Hosting;

/// <summary>
/// Settings of the daemon's log enricher (<see cref="SpoOperatorBuilder.AddLogEnricher"/>): audit log →
/// parser → process and container resolution → enriched lines, JSON records, metrics and the log recorder.
/// </summary>
public sealed class LogEnricherOptions
{
    /// <summary>
    /// The audit log to follow. Its host paths (<c>/var/log/audit/audit.log</c>, else
    /// <c>/var/log/syslog</c>) are taken under the operator's node root; <see cref="AuditLogSourceOptions.NodeRoot"/>
    /// is set from it.
    /// </summary>
    public AuditLogSourceOptions Source { get; } = new();

    /// <summary>Backlog and sweep settings; the filters come from the SPOD's <c>spec.enricher.logEnricherFilters</c>.</summary>
    public AuditEnricherOptions Enricher { get; set; } = new();

    /// <summary>The process file system to resolve pids in: <c>/proc</c> on a node.</summary>
    public string ProcRoot { get; set; } = ProcFs.DefaultRoot;

    /// <summary>Where enriched lines go; null: the log, category <c>SpoSdk.LogEnricher</c>.</summary>
    public TextWriter? EnrichedLines { get; set; }

    /// <summary>Where JSON enricher records go when the SPOD enables them; null: the log, category <c>SpoSdk.JsonEnricher</c>.</summary>
    public TextWriter? JsonRecords { get; set; }

    /// <summary>
    /// Run whatever the SPOD says (for a host without a SPOD that still wants enriched lines). By default
    /// the enricher runs while the SPOD's <c>spec.enricher.enableLogEnricher</c> or <c>enableJsonEnricher</c>
    /// is true, as upstream's DaemonSet does.
    /// </summary>
    public bool IgnoreSpod { get; set; }

    /// <summary>
    /// Watch only pods labelled <c>spo.x-k8s.io/enable-recording</c> (SPOD <c>enableMemoryOptimization</c>,
    /// upstream #1385). Fixed for the operator's lifetime, as upstream's daemon reads it at start; a SPOD that
    /// says otherwise is logged.
    /// </summary>
    public bool MemoryOptimization { get; set; }

    /// <summary>
    /// How long, once a session is asked to stop (the host stops, or a SPOD change restarts it), the enricher may take
    /// to hand on the events already read (default 5 s). Then its sinks are cancelled and what is left is dropped, so a
    /// sink that never returns cannot hold the stop; the JSON records still pending get as long again to be written.
    /// Must be positive and at most <see cref="uint.MaxValue"/> - 1 milliseconds (about 49.7 days, a cancellation
    /// timeout's limit); <c>AddLogEnricher</c> refuses anything else, including <see cref="Timeout.InfiniteTimeSpan"/>.
    /// </summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(5);
}
