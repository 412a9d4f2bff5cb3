using System.Diagnostics.Metrics;
using SpoSdk.Audit.Parsing;
using SpoSdk.Audit.Sources;

namespace SpoSdk.Audit.Metrics;

/// <summary>
/// The audit pipeline's own health as observable counters on the meter <see cref="SpodMetrics.MeterName"/>: lines
/// read, dropped, oversized (per stage), rejected, rotations and read errors. Not upstream metrics, so they carry
/// the SDK's <c>spo_sdk_</c> prefix; labels are closed sets (<c>stage</c>, <c>kind</c>).
/// </summary>
/// <remarks>Values are the sums over the tracked sources and parsers; untracking one lowers the sum, which
/// Prometheus reads as a counter reset.</remarks>
public sealed class AuditPipelineMetrics
{
    /// <summary>Lines a source handed to its channel.</summary>
    public const string LinesTotal = "spo_sdk_audit_log_lines_total";

    /// <summary>Lines dropped because the channel was full.</summary>
    public const string DroppedLinesTotal = "spo_sdk_audit_log_dropped_lines_total";

    /// <summary>Lines over the cap, by <c>stage</c> (<c>source</c> or <c>parser</c>).</summary>
    public const string OversizedLinesTotal = "spo_sdk_audit_log_oversized_lines_total";

    /// <summary>Audit records the parser rejected for missing fields.</summary>
    public const string RejectedLinesTotal = "spo_sdk_audit_log_rejected_lines_total";

    /// <summary>Log rotations followed, by <c>kind</c> (<c>rename</c> or <c>truncate</c>).</summary>
    public const string RotationsTotal = "spo_sdk_audit_log_rotations_total";

    /// <summary>Polls that failed with an I/O error.</summary>
    public const string ReadErrorsTotal = "spo_sdk_audit_log_read_errors_total";

    private readonly Lock _lock = new();
    private readonly List<AuditLogSourceCounters> _sources = [];
    private readonly List<AuditParserCounters> _parsers = [];

    /// <summary>Creates the counters on the meter <see cref="SpodMetrics.MeterName"/> of <paramref name="meterFactory"/>.</summary>
    public AuditPipelineMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(SpodMetrics.MeterName);
        meter.CreateObservableCounter(LinesTotal, () => SumSources(static c => c.Lines), description: "Audit log lines read.");
        meter.CreateObservableCounter(DroppedLinesTotal, () => SumSources(static c => c.DroppedLines), description: "Audit log lines dropped because the consumer fell behind.");
        meter.CreateObservableCounter(
            OversizedLinesTotal,
            () => new[]
            {
                new Measurement<long>(SumSources(static c => c.OversizedLines), new KeyValuePair<string, object?>("stage", "source")),
                new Measurement<long>(SumParsers(static c => c.OversizedLines), new KeyValuePair<string, object?>("stage", "parser")),
            },
            description: "Audit log lines skipped for being longer than the line cap.");
        meter.CreateObservableCounter(RejectedLinesTotal, () => SumParsers(static c => c.RejectedLines), description: "Audit records without the fields an event needs.");
        meter.CreateObservableCounter(
            RotationsTotal,
            () => new[]
            {
                new Measurement<long>(SumSources(static c => c.Rotations), new KeyValuePair<string, object?>("kind", "rename")),
                new Measurement<long>(SumSources(static c => c.Truncations), new KeyValuePair<string, object?>("kind", "truncate")),
            },
            description: "Audit log rotations followed.");
        meter.CreateObservableCounter(ReadErrorsTotal, () => SumSources(static c => c.ReadErrors), description: "Audit log polls that failed with an I/O error.");
    }

    /// <summary>Reports <paramref name="counters"/> until the returned handle is disposed.</summary>
    public IDisposable Track(AuditLogSourceCounters counters) => Track(_sources, counters);

    /// <summary>Reports <paramref name="counters"/> until the returned handle is disposed.</summary>
    public IDisposable Track(AuditParserCounters counters) => Track(_parsers, counters);

    private Untrack<T> Track<T>(List<T> list, T counters)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(counters);
        lock (_lock)
        {
            list.Add(counters);
        }

        return new Untrack<T>(this, list, counters);
    }

    private long SumSources(Func<AuditLogSourceCounters, long> read) => Sum(_sources, read);

    private long SumParsers(Func<AuditParserCounters, long> read) => Sum(_parsers, read);

    private long Sum<T>(List<T> tracked, Func<T, long> read)
    {
        lock (_lock)
        {
            return tracked.Sum(read);
        }
    }

    private sealed class Untrack<T>(AuditPipelineMetrics owner, List<T> list, T counters) : IDisposable
        where T : class
    {
        public void Dispose()
        {
            lock (owner._lock)
            {
                list.Remove(counters);
            }
        }
    }
}
