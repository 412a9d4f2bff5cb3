using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SpoSdk.Audit.Parsing;

namespace SpoSdk.Audit.Sources;

/// <summary>
/// Reads line batches from a source's channel and feeds them through an <see cref="AuditStreamParser"/> to an
/// <see cref="IAuditEventSink"/> or <see cref="IAuditEventViewSink"/>, one batch at a time, in order, on the task that
/// runs <see cref="RunAsync"/>. Events are parsed as views; only an <see cref="IAuditEventSink"/> (which keeps them)
/// gets them materialised.
/// </summary>
public sealed class AuditLogPump
{
    private readonly ChannelReader<AuditLogBatch> _reader;
    private readonly AuditStreamParser _parser;
    private readonly IAuditEventSink? _sink;
    private readonly IAuditEventViewSink? _viewSink;
    private readonly ILogger _logger;
    private long _lines;
    private long _events;
    private long _sinkErrors;

    /// <summary>Creates a pump from <paramref name="reader"/> through <paramref name="parser"/> to <paramref name="sink"/>.</summary>
    public AuditLogPump(ChannelReader<AuditLogBatch> reader, AuditStreamParser parser, IAuditEventSink sink, ILogger<AuditLogPump>? logger = null)
        : this(reader, parser, sink, null, logger)
    {
        ArgumentNullException.ThrowIfNull(sink);
    }

    /// <summary>Creates a pump from <paramref name="reader"/> through <paramref name="parser"/> to a sink of borrowed views.</summary>
    public AuditLogPump(ChannelReader<AuditLogBatch> reader, AuditStreamParser parser, IAuditEventViewSink sink, ILogger<AuditLogPump>? logger = null)
        : this(reader, parser, null, sink, logger)
    {
        ArgumentNullException.ThrowIfNull(sink);
    }

    private AuditLogPump(ChannelReader<AuditLogBatch> reader, AuditStreamParser parser, IAuditEventSink? sink, IAuditEventViewSink? viewSink, ILogger<AuditLogPump>? logger)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(parser);
        _reader = reader;
        _parser = parser;
        _sink = sink;
        _viewSink = viewSink;
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

        var sink = new CountingSink(_sink, _viewSink);
        _parser.CompleteViews(ref sink);
        Interlocked.Add(ref _events, sink.Count);
    }

    private void Feed(in AuditLogBatch batch)
    {
        var sink = new CountingSink(_sink, _viewSink);
        try
        {
            _parser.WriteViews(batch.Lines.Span, ref sink);
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

    /// <summary>Forwards views as they are, or materialised to a sink that keeps events; counts them.</summary>
    private struct CountingSink(IAuditEventSink? events, IAuditEventViewSink? views) : IAuditEventViewSink
    {
        public int Count;

        public void OnEvent(in AuditEventView auditEvent)
        {
            if (views is not null)
            {
                views.OnEvent(auditEvent);
            }
            else
            {
                events!.OnEvent(auditEvent.ToEvent());
            }

            Count++;
        }
    }
}
