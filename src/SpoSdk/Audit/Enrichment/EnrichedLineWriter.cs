using SpoSdk.Audit.Output;

namespace SpoSdk.Audit.Enrichment;

/// <summary>
/// Writes each logged event as upstream's log enricher prints it (<see cref="EnrichedLineFormatter"/>), one line per
/// event, with a klog header of the time it was written unless <c>klogHeader</c> is false. Events the filters set to
/// <c>None</c> are not written.
/// </summary>
public sealed class EnrichedLineWriter : IEnrichedAuditSink
{
    private readonly TextWriter _writer;
    private readonly EnrichedLineFormatter _formatter;
    private readonly TimeProvider _time;
    private readonly bool _klogHeader;
    private readonly int _processId = Environment.ProcessId;

    /// <summary>Writes to <paramref name="writer"/> (the caller owns it).</summary>
    public EnrichedLineWriter(TextWriter writer, EnrichedLineFormatter? formatter = null, TimeProvider? time = null, bool klogHeader = true)
    {
        ArgumentNullException.ThrowIfNull(writer);
        _writer = writer;
        _formatter = formatter ?? new EnrichedLineFormatter();
        _time = time ?? TimeProvider.System;
        _klogHeader = klogHeader;
    }

    /// <inheritdoc/>
    public async ValueTask OnEventAsync(EnrichedAuditEvent enrichedEvent, CancellationToken cancellationToken)
    {
        if (!enrichedEvent.IsLogged)
        {
            return;
        }

        KlogHeader? header = _klogHeader ? new KlogHeader(_time.GetLocalNow(), _processId) : null;
        _formatter.Write(_writer, enrichedEvent.Event, enrichedEvent.Enrichment, header);
        await _writer.FlushAsync(cancellationToken).ConfigureAwait(false);
    }
}
