using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SpoSdk.Audit.Parsing;

namespace SpoSdk.Audit.Sources;

/// <summary>
/// Reads line batches from a source's channel and feeds them through an <see cref="AuditStreamParser"/> to an
/// <see cref="IAuditEventSink"/>, one batch at a time, in order, on the task that runs <see cref="RunAsync"/>.
/// </summary>
public sealed class AuditLogPump
{
    private readonly ChannelReader<AuditLogBatch> _reader;
    private readonly AuditStreamParser _parser;
    private readonly IAuditEventSink _sink;
    private readonly ILogger _logger;
    private long _lines;
    private long _events;
    private long _sinkErrors;

    /// <summary>Creates a pump from <paramref name="reader"/> through <paramref name="parser"/> to <paramref name="sink"/>.</summary>
    public AuditLogPump(ChannelReader<AuditLogBatch> reader, AuditStreamParser parser, IAuditEventSink sink, ILogger<AuditLogPump>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(parser);
        ArgumentNullException.ThrowIfNull(sink);
        _reader = reader;
        _parser = parser;
        _sink = sink;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>Lines read from the channel.</summary>
    public long Lines => Interlocked.Read(ref _lines);

    /// <summary>Events handed to the sink.</summary>
    public long Events => Interlocked.Read(ref _events);

    /// <summary>Batches whose sink call threw; the pump logs them and goes on with the next batch.</summary>
    public long SinkErrors => Interlocked.Read(ref _sinkErrors);

    /// <summary>Runs until the channel completes or <paramref name="cancellationToken"/> is cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (await _reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (_reader.TryRead(out var batch))
                {
                    Feed(batch);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }

        var sink = new CountingSink(_sink);
        _parser.Complete(ref sink);
        Interlocked.Add(ref _events, sink.Count);
    }

    private void Feed(in AuditLogBatch batch)
    {
        var sink = new CountingSink(_sink);
        try
        {
            _parser.Write(batch.Lines.Span, ref sink);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // One failing consumer call must not stop the audit pipeline of the whole node.
            Interlocked.Increment(ref _sinkErrors);
            _logger.LogError(ex, "The audit event sink failed on a batch of {Lines} lines", batch.LineCount);
        }

        Interlocked.Add(ref _lines, batch.LineCount);
        Interlocked.Add(ref _events, sink.Count);
    }

    private struct CountingSink(IAuditEventSink inner) : IAuditEventSink
    {
        public int Count;

        public void OnEvent(in AuditEvent auditEvent)
        {
            inner.OnEvent(auditEvent);
            Count++;
        }
    }
}
