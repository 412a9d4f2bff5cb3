using Microsoft.Extensions.Logging;
using SpoSdk.Audit.Metrics;
using SpoSdk.Audit.Parsing;

namespace SpoSdk.Audit.Sources;

/// <summary>
/// The audit log input of one SDK instance: the log upstream would choose (<see cref="AuditLogLocation.Select"/>),
/// tailed by an <see cref="AuditLogTailer"/> and pumped through the parser to a sink, with the counters of both
/// reported by <see cref="AuditPipelineMetrics"/> while it runs.
/// </summary>
public sealed class AuditLogPipeline
{
    private readonly AuditLineParser _parser;
    private readonly AuditPipelineMetrics? _metrics;

    /// <summary>Chooses the log now (as upstream does, once) and builds the tailer and pump.</summary>
    public AuditLogPipeline(
        AuditLogSourceOptions options,
        AuditLineParser parser,
        IAuditEventSink sink,
        TimeProvider? time = null,
        AuditPipelineMetrics? metrics = null,
        ILoggerFactory? loggers = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(parser);
        ArgumentNullException.ThrowIfNull(sink);
        _parser = parser;
        _metrics = metrics;
        Location = AuditLogLocation.Select(options);
        Tailer = new AuditLogTailer(Location.LocalPath, options, time, loggers?.CreateLogger<AuditLogTailer>());
        Pump = new AuditLogPump(Tailer.Reader, new AuditStreamParser(parser), sink, loggers?.CreateLogger<AuditLogPump>());
    }

    /// <summary>The followed log.</summary>
    public AuditLogLocation Location { get; }

    /// <summary>The tailer (its counters: lines, drops, oversized lines, rotations).</summary>
    public AuditLogTailer Tailer { get; }

    /// <summary>The pump (its counters: lines, events, sink errors).</summary>
    public AuditLogPump Pump { get; }

    /// <summary>
    /// Tails and pumps until <paramref name="cancellationToken"/> is cancelled; the lines already read are still
    /// handed to the sink before it returns.
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var trackSource = _metrics?.Track(Tailer.Counters);
        using var trackParser = _metrics?.Track(_parser.Counters);

        // The pump stops when the tailer completes the channel, so nothing read is left behind on shutdown.
        var pumping = Pump.RunAsync(CancellationToken.None);
        try
        {
            await Tailer.RunAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await Tailer.DisposeAsync().ConfigureAwait(false);
            await pumping.ConfigureAwait(false);
        }
    }
}
