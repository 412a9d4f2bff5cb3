using Microsoft.Extensions.Logging;
using SpoSdk.Audit.Enrichment;
using SpoSdk.Audit.Filtering;
using SpoSdk.Audit.Metrics;
using SpoSdk.Audit.Parsing;
using SpoSdk.Audit.Sources;
using SpoSdk.Profiles.Spod;

namespace SpoSdk.Hosting;

/// <summary>
/// Runs the log enricher of one SDK instance while the SPOD enables it: audit log → parser → enricher
/// (pid → container → pod) → enriched lines, JSON records, metrics and the recorder. A change of the
/// SPOD's enricher switches or filters restarts it, as upstream's DaemonSet rollout restarts the daemon.
/// </summary>
internal sealed class LogEnricherRunner
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(10);

    private readonly LogEnricherOptions _options;
    private readonly string _nodeRoot;
    private readonly string _nodeName;
    private readonly SpodSettingsProvider _spod;
    private readonly ProcessContainerResolver _processes;
    private readonly PodContainerDirectory _pods;
    private readonly IReadOnlyList<IEnrichedAuditSink> _extraSinks;
    private readonly SpodMetrics _metrics;
    private readonly AuditPipelineMetrics _pipelineMetrics;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;

    public LogEnricherRunner(LogEnricherOptions options, string nodeRoot, string nodeName, SpodSettingsProvider spod, ProcessContainerResolver processes, PodContainerDirectory pods, IReadOnlyList<IEnrichedAuditSink> extraSinks, SpodMetrics metrics, AuditPipelineMetrics pipelineMetrics, TimeProvider time, ILoggerFactory loggers)
    {
        _options = options;
        _nodeRoot = nodeRoot;
        _nodeName = nodeName;
        _spod = spod;
        _processes = processes;
        _pods = pods;
        _extraSinks = extraSinks;
        _metrics = metrics;
        _pipelineMetrics = pipelineMetrics;
        _time = time;
        _loggers = loggers;
        _logger = loggers.CreateLogger<LogEnricherRunner>();
    }

    /// <summary>Runs sessions until cancelled: one while the enricher is on, none while it is off.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _spod.Informer.WaitForSyncAsync(cancellationToken).ConfigureAwait(false);
            if (_spod.Current.MemoryOptimizationEnabled != _options.MemoryOptimization)
            {
                _logger.LogWarning("The SPOD's enableMemoryOptimization is {Spod}, the log enricher runs with {Options} (set at start)", _spod.Current.MemoryOptimizationEnabled, _options.MemoryOptimization);
            }

            while (!cancellationToken.IsCancellationRequested)
            {
                var settings = _spod.Current;
                var switches = Switches.Of(settings, _options.IgnoreSpod);
                using var session = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                void OnChange(object? sender, SpodSettingsChange change)
                {
                    if (Switches.Of(change.Current, _options.IgnoreSpod) != switches)
                    {
                        session.Cancel();
                    }
                }

                _spod.Changed += OnChange;
                try
                {
                    if (switches.Lines || switches.Json)
                    {
                        await RunSessionAsync(switches, session.Token).ConfigureAwait(false);
                    }

                    // Off, or the log ended: wait for a change of the switches (or for the retry).
                    await Task.Delay(Timeout.InfiniteTimeSpan, _time, session.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (session.IsCancellationRequested)
                {
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !session.IsCancellationRequested)
                {
                    _logger.LogError(ex, "The log enricher failed; retrying in {Delay}", RetryDelay);
                    await Task.Delay(RetryDelay, _time, cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    _spod.Changed -= OnChange;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task RunSessionAsync(Switches switches, CancellationToken cancellationToken)
    {
        var sinks = new List<IEnrichedAuditSink>();
        if (switches.Lines)
        {
            var lines = _options.EnrichedLines;
            sinks.Add(lines is null
                ? new EnrichedLineWriter(new LoggerLineWriter(_loggers.CreateLogger("SpoSdk.LogEnricher")), time: _time, klogHeader: false)
                : new EnrichedLineWriter(lines, time: _time));
            sinks.Add(new SpodMetricsAuditSink(_metrics));
        }

        sinks.AddRange(_extraSinks);
        JsonEnricher? json = null;
        if (switches.Json)
        {
            var records = new JsonEnricherLineWriter(_options.JsonRecords ?? new LoggerLineWriter(_loggers.CreateLogger("SpoSdk.JsonEnricher")));
            json = new JsonEnricher(_processes, _pods, records, new JsonEnricherOptions { NodeName = _nodeName, Filters = Filters(switches.JsonFilters, "jsonEnricherFilters") }, _time, _loggers.CreateLogger<JsonEnricher>());
        }

        using var enricher = new AuditEnricher(_processes, _pods, sinks, _options.Enricher with { Filters = Filters(switches.LineFilters, "logEnricherFilters") }, json, _time, _loggers.CreateLogger<AuditEnricher>());
        var events = new AuditEventChannel();
        _options.Source.NodeRoot = _nodeRoot;
        var pipeline = new AuditLogPipeline(_options.Source, new AuditLineParser(), events, _time, _pipelineMetrics, _loggers);
        _logger.LogInformation("Log enricher following {Log} ({Kind})", pipeline.Location.HostPath, pipeline.Location.Kind);

        // The enricher drains what the pipeline read before a stop, then the session ends. Once the stop is asked for,
        // it has DrainTimeout: then it is cancelled and the channel closed, so a sink that never returns holds neither
        // the pump (waiting for room in the channel) nor the stop. Should the consumer end early, the channel closes too.
        using var drain = new CancellationTokenSource(Timeout.InfiniteTimeSpan, _time);
        using var drainOnStop = cancellationToken.Register(() => drain.CancelAfter(_options.DrainTimeout));
        using var closeOnTimeout = drain.Token.Register(() => events.Fault(new TimeoutException("The log enricher did not drain its events in time.")));
        var consuming = events.ConsumeWithAsync(enricher, drain.Token);
        var sweeping = enricher.RunAsync(cancellationToken);
        var flushing = json?.RunAsync(cancellationToken) ?? Task.CompletedTask;
        try
        {
            await pipeline.RunAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            events.Complete();
            try
            {
                // A sink that ignores its cancellation is left behind rather than waited for.
                await consuming.WaitAsync(drain.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (drain.IsCancellationRequested)
            {
                _logger.LogWarning("The log enricher did not hand on the events it had read within {Timeout} of the stop; the rest are dropped", _options.DrainTimeout);
            }

            await Task.WhenAll(sweeping, flushing).ConfigureAwait(false);
            if (json is not null)
            {
                await FlushJsonAsync(json).ConfigureAwait(false);
            }

            var source = pipeline.Tailer.Counters;
            _logger.LogInformation(
                "Log enricher session ended: {Lines} lines ({Dropped} dropped, {Oversized} oversized), {Events} events; enricher {Counters}",
                source.Lines,
                source.DroppedLines,
                source.OversizedLines,
                pipeline.Pump.Events,
                enricher.Counters);
        }

        cancellationToken.ThrowIfCancellationRequested();
    }

    // The records still gathering syscalls would be lost with the session: they are written now, within the drain timeout.
    private async Task FlushJsonAsync(JsonEnricher json)
    {
        using var flush = new CancellationTokenSource(_options.DrainTimeout, _time);
        try
        {
            await json.FlushAllAsync(flush.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || flush.IsCancellationRequested)
        {
            _logger.LogWarning(ex, "The JSON enricher records pending at the stop were not all written ({Pending} left)", json.Pending);
        }
    }

    private AuditFilterSet Filters(string? json, string field)
    {
        if (json is null)
        {
            return AuditFilterSet.Empty;
        }

        if (AuditFilterSet.TryParse(json, out var filters, out var error))
        {
            return filters;
        }

        // The SPOD's status reports the field; the enricher runs unfiltered rather than not at all.
        _logger.LogWarning("SPOD spec.enricher.{Field} is invalid ({Error}); running without filters", field, error);
        return AuditFilterSet.Empty;
    }

    // What a session depends on: a change restarts it.
    private readonly record struct Switches(bool Lines, bool Json, string? LineFilters, string? JsonFilters)
    {
        public static Switches Of(SpodSettings settings, bool ignoreSpod) =>
            new(ignoreSpod || settings.LogEnricherEnabled, settings.JsonEnricherEnabled, settings.LogEnricherFilters, settings.JsonEnricherFilters);
    }
}
