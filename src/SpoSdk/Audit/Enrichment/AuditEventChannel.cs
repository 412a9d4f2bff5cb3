using System.Threading.Channels;
using SpoSdk.Audit.Parsing;

namespace SpoSdk.Audit.Enrichment;

/// <summary>
/// Hands the events the parser finds to the <see cref="AuditEnricher"/> through a bounded channel: the
/// parser's sink is synchronous (it works on spans, which cannot cross an await), the enricher is not.
/// A full channel blocks the parsing thread, which stops the pump reading the tailer's channel, which
/// pauses the tailer: backpressure all the way to the file, nothing dropped.
/// </summary>
public sealed class AuditEventChannel : IAuditEventSink
{
    private readonly Channel<AuditEvent> _channel;

    /// <summary>Creates the channel with room for <paramref name="capacity"/> events.</summary>
    public AuditEventChannel(int capacity = 4096)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        _channel = Channel.CreateBounded<AuditEvent>(new BoundedChannelOptions(capacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
            SingleWriter = true,
        });
    }

    /// <summary>What the enricher reads (<see cref="AuditEnricher.ConsumeAsync"/>).</summary>
    public ChannelReader<AuditEvent> Reader => _channel.Reader;

    /// <inheritdoc />
    public void OnEvent(in AuditEvent auditEvent)
    {
        if (!_channel.Writer.TryWrite(auditEvent))
        {
            // Full (or completed or faulted, which throws): wait on the parsing thread, see the class remarks.
            _channel.Writer.WriteAsync(auditEvent).AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>No more events: the enricher's consume loop ends once it has read the rest.</summary>
    public void Complete() => _channel.Writer.TryComplete();

    /// <summary>
    /// Runs <paramref name="enricher"/>'s <see cref="AuditEnricher.ConsumeAsync"/> over this channel; when it ends other
    /// than by reading the channel to its completion (cancelled, or failed), the channel is faulted (<see cref="Fault"/>)
    /// so the writer is not left waiting for room that will never come.
    /// </summary>
    public async Task ConsumeWithAsync(AuditEnricher enricher, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(enricher);
        try
        {
            await enricher.ConsumeAsync(Reader, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Fault(ex);
            throw;
        }
    }

    /// <summary>
    /// The reader stopped for good (<paramref name="error"/> says why): <see cref="OnEvent"/> throws a
    /// <see cref="ChannelClosedException"/> from now on, and a call waiting for room is released with it, instead of
    /// waiting for a reader that will never come back.
    /// </summary>
    public void Fault(Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);

        // The channel would hand a cancellation to the writer as if the writer had been cancelled; it is told the
        // channel closed instead (a ChannelClosedException either way).
        _channel.Writer.TryComplete(error is OperationCanceledException ? null : error);
    }
}
