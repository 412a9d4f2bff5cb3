using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SpoSdk.Audit.Filtering;

namespace SpoSdk.Audit.Enrichment;

/// <summary>
/// The log enricher stage: each parsed event's PID is resolved to a container (<see cref="ProcessContainerResolver"/>)
/// and the container to its pod (<see cref="PodContainerDirectory"/>), the filters decide whether it is logged, and the
/// sinks get it. An event whose process runs in a container whose pod is not known yet waits in a bounded backlog and
/// is handed on, in arrival order, when its container becomes known (the pod informer reports it) or when a later event
/// of the same process resolves (upstream's replay); after <see cref="AuditEnricherOptions.BacklogTimeToLive"/> it is
/// dropped. Seccomp events also go to the <see cref="JsonEnricher"/> when one is given, at arrival, with what is known.
/// </summary>
/// <remarks>
/// Calls are serialised: one event (or replay) at a time, its sinks awaited in order. A reused PID never gets another
/// process's container: the backlog and the caches key processes by PID and start time. Events of a process that has
/// already exited are dropped and counted, since nothing could resolve them and a later process with the same PID must
/// not inherit them (upstream keeps them until a same-PID line resolves, and may then attribute them wrongly). Events of
/// processes in no container (host processes) are dropped and counted too: upstream lets them wait until they expire,
/// never logging them, which only spends the backlog on events that push out the ones that will resolve.
/// </remarks>
public sealed class AuditEnricher : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly SemaphoreSlim _wake = new(0);
    private readonly ConcurrentQueue<string> _resolvedContainers = new();
    private readonly ProcessContainerResolver _processes;
    private readonly PodContainerDirectory _pods;
    private readonly IEnrichedAuditSink[] _sinks;
    private readonly JsonEnricher? _json;
    private readonly AuditEnricherOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly AuditBacklog _backlog;
    private long _received;
    private long _dispatched;
    private long _suppressed;
    private long _backlogged;
    private long _replayed;
    private long _droppedBacklogFull;
    private long _expired;
    private long _processGone;
    private long _notInContainer;
    private long _unknownSyscall;
    private long _sinkFailures;
    private long _failedEvents;

    /// <summary>Creates the stage; it listens to <paramref name="pods"/> for containers becoming known.</summary>
    public AuditEnricher(
        ProcessContainerResolver processes,
        PodContainerDirectory pods,
        IEnumerable<IEnrichedAuditSink> sinks,
        AuditEnricherOptions? options = null,
        JsonEnricher? json = null,
        TimeProvider? time = null,
        ILogger<AuditEnricher>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(processes);
        ArgumentNullException.ThrowIfNull(pods);
        ArgumentNullException.ThrowIfNull(sinks);
        _processes = processes;
        _pods = pods;
        _sinks = [.. sinks];
        _json = json;
        _options = options ?? new AuditEnricherOptions();
        ArgumentNullException.ThrowIfNull(_options.Filters);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(_options.SweepInterval, TimeSpan.Zero);
        _time = time ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _backlog = new AuditBacklog(_options.BacklogCapacity, _options.BacklogCapacityPerProcess, _options.BacklogTimeToLive, _time);
        _pods.ContainerAdded += OnContainerAdded;
    }

    /// <summary>What the stage has done so far.</summary>
    public AuditEnricherCounters Counters => new(
        Interlocked.Read(ref _received),
        Interlocked.Read(ref _dispatched),
        Interlocked.Read(ref _suppressed),
        Interlocked.Read(ref _backlogged),
        Interlocked.Read(ref _replayed),
        Interlocked.Read(ref _droppedBacklogFull),
        Interlocked.Read(ref _expired),
        Interlocked.Read(ref _processGone),
        Interlocked.Read(ref _notInContainer),
        Interlocked.Read(ref _unknownSyscall),
        Interlocked.Read(ref _sinkFailures),
        Interlocked.Read(ref _failedEvents));

    /// <summary>Events waiting for their container now.</summary>
    public int BacklogCount
    {
        get
        {
            _gate.Wait();
            try
            {
                return _backlog.Count;
            }
            finally
            {
                _gate.Release();
            }
        }
    }

    /// <summary>Enriches one event: hands it (after any earlier events of its process that were waiting) to the sinks, or makes it wait.</summary>
    public async ValueTask EnrichAsync(AuditEvent auditEvent, CancellationToken cancellationToken = default)
    {
        if (auditEvent.Type == AuditEventType.Unknown)
        {
            throw new ArgumentException("default(AuditEvent) is not an event.", nameof(auditEvent));
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            Interlocked.Increment(ref _received);
            await ReplayResolvedContainersAsync(cancellationToken).ConfigureAwait(false);
            var resolution = _processes.Resolve(auditEvent);
            if (_json is not null && auditEvent.Type == AuditEventType.Seccomp)
            {
                await _json.AddAsync(auditEvent, resolution, cancellationToken).ConfigureAwait(false);
            }

            if (resolution.Status == ProcessResolutionStatus.ProcessGone)
            {
                // Exited, or exited and its PID reused by a process that started after the event.
                Interlocked.Increment(ref _processGone);
                _logger.LogDebug("Process {Pid} exited before its audit event {AuditId} could be attributed", auditEvent.Pid, auditEvent.AuditId.ToString());
                return;
            }

            if (resolution.ContainerId is not { } containerId)
            {
                Interlocked.Increment(ref _notInContainer);
                return;
            }

            if (_pods.TryGet(containerId, out var enrichment))
            {
                // Upstream: the process's waiting lines go first, with the same container.
                foreach (var waiting in _backlog.TakeProcess(resolution.Identity))
                {
                    Interlocked.Increment(ref _replayed);
                    await DispatchAsync(waiting.Event, enrichment, cancellationToken).ConfigureAwait(false);
                }

                await DispatchAsync(auditEvent, enrichment, cancellationToken).ConfigureAwait(false);
                return;
            }

            Interlocked.Increment(ref _backlogged);
            Interlocked.Add(ref _droppedBacklogFull, _backlog.Add(auditEvent, resolution));
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Enriches every event <paramref name="events"/> delivers, in order, until the channel completes or
    /// <paramref name="cancellationToken"/> ends: the way a log source's bounded channel feeds this stage. Run it beside
    /// <see cref="RunAsync"/>, which replays and expires waiting events between arrivals.
    /// </summary>
    /// <remarks>
    /// An event whose enrichment throws is logged, counted (<see cref="AuditEnricherCounters.FailedEvents"/>) and
    /// skipped: the writer of a bounded channel would otherwise wait for room forever once this loop ended.
    /// </remarks>
    public async Task ConsumeAsync(ChannelReader<AuditEvent> events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(events);
        await foreach (var auditEvent in events.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            if (auditEvent.Type == AuditEventType.Unknown)
            {
                continue;
            }

            try
            {
                await EnrichAsync(auditEvent, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // One record (a forged time, a /proc oddity) must not end the enrichment of the whole node.
                Interlocked.Increment(ref _failedEvents);
                _logger.LogError(ex, "Enriching audit event {AuditId} of process {Pid} failed; skipped", auditEvent.AuditId.ToString(), auditEvent.Pid);
            }
        }
    }

    /// <summary>Hands on the waiting events of containers that became known, and drops the expired ones.</summary>
    public async ValueTask ProcessPendingAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await ReplayResolvedContainersAsync(cancellationToken).ConfigureAwait(false);
            var expired = _backlog.Expire();
            if (expired > 0)
            {
                Interlocked.Add(ref _expired, expired);
                _logger.LogDebug("{Count} audit events expired waiting for their container", expired);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Until cancelled: replays waiting events as soon as their container becomes known, and drops expired ones every
    /// <see cref="AuditEnricherOptions.SweepInterval"/>. Events themselves come in through <see cref="EnrichAsync"/>.
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            using (var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                var sweep = Task.Delay(_options.SweepInterval, _time, wait.Token);
                var wake = _wake.WaitAsync(wait.Token);
                await Task.WhenAny(sweep, wake).ConfigureAwait(false);

                // The loser is cancelled; a cancelled semaphore wait takes no count.
                await wait.CancelAsync().ConfigureAwait(false);
                try
                {
                    await Task.WhenAll(sweep, wake).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                }
            }

            if (cancellationToken.IsCancellationRequested)
            {
                return;
            }

            await ProcessPendingAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Stops listening to the pod directory.</summary>
    public void Dispose()
    {
        _pods.ContainerAdded -= OnContainerAdded;
        _gate.Dispose();
        _wake.Dispose();
    }

    private void OnContainerAdded(string containerId)
    {
        _resolvedContainers.Enqueue(containerId);
        try
        {
            _wake.Release();
        }
        catch (ObjectDisposedException)
        {
            // The informer raced the enricher's disposal; nothing is waiting any more.
        }
    }

    private async ValueTask ReplayResolvedContainersAsync(CancellationToken cancellationToken)
    {
        while (_resolvedContainers.TryDequeue(out var containerId))
        {
            var waiting = _backlog.TakeContainer(containerId);
            if (waiting.Count == 0 || !_pods.TryGet(containerId, out var enrichment))
            {
                continue;
            }

            foreach (var entry in waiting)
            {
                Interlocked.Increment(ref _replayed);
                await DispatchAsync(entry.Event, enrichment, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async ValueTask DispatchAsync(AuditEvent auditEvent, AuditEnrichment enrichment, CancellationToken cancellationToken)
    {
        if (auditEvent.Type == AuditEventType.Seccomp && auditEvent.SyscallName is null)
        {
            Interlocked.Increment(ref _unknownSyscall);
            return;
        }

        var level = _options.Filters.Evaluate(auditEvent, enrichment);
        if (level == AuditFilterLevel.None)
        {
            Interlocked.Increment(ref _suppressed);
        }

        Interlocked.Increment(ref _dispatched);
        var enriched = new EnrichedAuditEvent(auditEvent, enrichment, level);
        foreach (var sink in _sinks)
        {
            try
            {
                await sink.OnEventAsync(enriched, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // One broken sink must not cost the others their events.
                Interlocked.Increment(ref _sinkFailures);
                _logger.LogError(ex, "Audit sink {Sink} failed on event {AuditId}", sink.GetType().Name, auditEvent.AuditId.ToString());
            }
        }
    }
}
