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
            // Full (or completed, which throws): wait on the parsing thread, see the class remarks.
            _channel.Writer.WriteAsync(auditEvent).AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>No more events: the enricher's consume loop ends once it has read the rest.</summary>
    public void Complete() => _channel.Writer.TryComplete();
}
