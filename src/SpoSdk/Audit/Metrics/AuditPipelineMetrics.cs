using System.Diagnostics.Metrics;
using SpoSdk.Audit.Parsing;
using SpoSdk.Audit.Sources;

namespace SpoSdk.Audit.Metrics;

/// <summary>
/// The audit pipeline's own health as observable counters on the meter <see cref="SpodMetrics.MeterName"/>: lines
/// read, dropped, oversized (per stage), rejected, rotations and read errors. Not upstream metrics, so they carry
/// the SDK's <c>spo_sdk_</c> prefix; labels are closed sets (<c>stage</c>, <c>kind</c>).
/// </summary>
/// <remarks>Values are the sums over every source and parser tracked so far: one no longer tracked (a session that
/// ended, as when a SPOD change restarts the enricher) keeps what it counted in the sum, so the counters only grow. A
/// lowered sum would read as a reset to Prometheus, and the exporter's bridge, which ignores decreases, would freeze
/// the exported total until the new session passed the old one.</remarks>
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
    private readonly Tracked<AuditLogSourceCounters> _sources;
    private readonly Tracked<AuditParserCounters> _parsers;

    /// <summary>Creates the counters on the meter <see cref="SpodMetrics.MeterName"/> of <paramref name="meterFactory"/>.</summary>
    public AuditPipelineMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _sources = new Tracked<AuditLogSourceCounters>(_lock);
        _parsers = new Tracked<AuditParserCounters>(_lock);
        var lines = _sources.Sum(static c => c.Lines);
        var dropped = _sources.Sum(static c => c.DroppedLines);
        var sourceOversized = _sources.Sum(static c => c.OversizedLines);
        var rotations = _sources.Sum(static c => c.Rotations);
        var truncations = _sources.Sum(static c => c.Truncations);
        var readErrors = _sources.Sum(static c => c.ReadErrors);
        var parserOversized = _parsers.Sum(static c => c.OversizedLines);
        var rejected = _parsers.Sum(static c => c.RejectedLines);

        var meter = meterFactory.Create(SpodMetrics.MeterName);
        meter.CreateObservableCounter(LinesTotal, lines, description: "Audit log lines read.");
        meter.CreateObservableCounter(DroppedLinesTotal, dropped, description: "Audit log lines dropped because the consumer fell behind.");
        meter.CreateObservableCounter(
            OversizedLinesTotal,
            () => new[]
            {
                new Measurement<long>(sourceOversized(), new KeyValuePair<string, object?>("stage", "source")),
                new Measurement<long>(parserOversized(), new KeyValuePair<string, object?>("stage", "parser")),
            },
            description: "Audit log lines skipped for being longer than the line cap.");
        meter.CreateObservableCounter(RejectedLinesTotal, rejected, description: "Audit records without the fields an event needs.");
        meter.CreateObservableCounter(
            RotationsTotal,
            () => new[]
            {
                new Measurement<long>(rotations(), new KeyValuePair<string, object?>("kind", "rename")),
                new Measurement<long>(truncations(), new KeyValuePair<string, object?>("kind", "truncate")),
            },
            description: "Audit log rotations followed.");
        meter.CreateObservableCounter(ReadErrorsTotal, readErrors, description: "Audit log polls that failed with an I/O error.");
    }

    /// <summary>Reports <paramref name="counters"/> until the returned handle is disposed; what they counted stays in the totals.</summary>
    public IDisposable Track(AuditLogSourceCounters counters) => _sources.Track(counters);

    /// <summary>Reports <paramref name="counters"/> until the returned handle is disposed; what they counted stays in the totals.</summary>
    public IDisposable Track(AuditParserCounters counters) => _parsers.Track(counters);

    /// <summary>Counters of one kind being tracked, and what those no longer tracked had counted.</summary>
    private sealed class Tracked<T>(Lock gate)
        where T : class
    {
        private readonly List<T> _live = [];
        private readonly List<Total> _totals = [];

        // A sum over the tracked counters that only grows: the retired part keeps what untracked ones had counted.
        public Func<long> Sum(Func<T, long> read)
        {
            var total = new Total(read);
            lock (gate)
            {
                _totals.Add(total);
            }

            return () =>
            {
                lock (gate)
                {
                    return total.Retired + _live.Sum(read);
                }
            };
        }

        public IDisposable Track(T counters)
        {
            ArgumentNullException.ThrowIfNull(counters);
            lock (gate)
            {
                _live.Add(counters);
            }

            return new Untrack(this, counters);
        }

        private void Retire(T counters)
        {
            lock (gate)
            {
                if (!_live.Remove(counters))
                {
                    return;
                }

                foreach (var total in _totals)
                {
                    total.Retired += total.Read(counters);
                }
            }
        }

        private sealed class Total(Func<T, long> read)
        {
            public Func<T, long> Read { get; } = read;

            public long Retired { get; set; }
        }

        private sealed class Untrack(Tracked<T> owner, T counters) : IDisposable
        {
            private int _disposed;

            public void Dispose()
            {
                if (Interlocked.Exchange(ref _disposed, 1) == 0)
                {
                    owner.Retire(counters);
                }
            }
        }
    }
}
