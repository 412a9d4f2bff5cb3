using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SpoSdk.Audit.Filtering;
using SpoSdk.Audit.Output;

namespace SpoSdk.Audit.Enrichment;

/// <summary>Settings of a <see cref="JsonEnricher"/> (SPOD <c>enricher.jsonEnricherOptions</c>).</summary>
public sealed record JsonEnricherOptions
{
    /// <summary>This node, written as <c>"node":{"name":…}</c>.</summary>
    public required string NodeName { get; init; }

    /// <summary>
    /// <c>auditLogIntervalSeconds</c> (default 60 s): a process's record is written this long after its <b>last</b>
    /// seccomp event (each event extends it, as upstream's cache does).
    /// </summary>
    public TimeSpan FlushInterval { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Processes collected at once, at most (upstream: 1000); at capacity the least recently active one is written early.</summary>
    public int Capacity { get; init; } = 1000;

    /// <summary>SPOD <c>enricher.jsonEnricherFilters</c>, applied to each record (keys as in the record: <c>resource/pod</c>, <c>requestUID</c>, …).</summary>
    public AuditFilterSet Filters { get; init; } = AuditFilterSet.Empty;

    /// <summary>How often <see cref="JsonEnricher.RunAsync"/> looks for records that are due.</summary>
    public TimeSpan CheckInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Makes each record's <c>auditID</c>; a fresh UUIDv4 by default (tests give a fixed sequence).</summary>
    public Func<string>? AuditIdFactory { get; init; }
}

/// <summary>Receives the JSON enricher's records.</summary>
public interface IJsonEnricherRecordSink
{
    /// <summary>One record, due now.</summary>
    ValueTask OnRecordAsync(JsonEnricherRecord record, CancellationToken cancellationToken);
}

/// <summary>Writes each record as one JSON line (keys alphabetical, as upstream's <c>json.Marshal</c> of a map).</summary>
public sealed class JsonEnricherLineWriter : IJsonEnricherRecordSink
{
    private readonly TextWriter _writer;

    /// <summary>Writes to <paramref name="writer"/> (the caller owns it).</summary>
    public JsonEnricherLineWriter(TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        _writer = writer;
    }

    /// <inheritdoc/>
    public async ValueTask OnRecordAsync(JsonEnricherRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        await _writer.WriteLineAsync(record.ToJson().AsMemory(), cancellationToken).ConfigureAwait(false);
        await _writer.FlushAsync(cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>
/// Upstream's JSON enricher: seccomp events are collected per process into a bucket (first event's time and executable,
/// the set of syscall names, uid/gid, command line and exec request UID read once from <c>/proc</c>, the container), and
/// a bucket is written as one <see cref="JsonEnricherRecord"/> when <see cref="JsonEnricherOptions.FlushInterval"/> has
/// passed since its process's last event, or early when the collection is at capacity. The pod is looked up when the
/// record is written, so a container the pod informer learnt meanwhile is named; <c>resource</c> is null otherwise.
/// Time comes from the <see cref="TimeProvider"/>.
/// </summary>
/// <remarks>
/// Differences from upstream, on purpose: buckets are keyed by process (PID and start time), not PID alone, so a
/// reused PID starts a new record; <c>syscalls</c> are sorted (upstream: map order); records of processes whose command
/// line could not be read are not written (as upstream) but counted; a line read after its process exited joins that
/// process's bucket. Thread-safe.
/// </remarks>
public sealed class JsonEnricher
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<ProcessIdentity, LinkedListNode<Bucket>> _buckets = new();
    private readonly LinkedList<Bucket> _byActivity = new();

    // The bucket of the process last seen alive under each PID, for its lines read after it exited.
    private readonly Dictionary<int, ProcessIdentity> _livePids = new();
    private readonly ProcessContainerResolver _processes;
    private readonly PodContainerDirectory? _pods;
    private readonly IJsonEnricherRecordSink _sink;
    private readonly JsonEnricherOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private long _written;
    private long _suppressed;
    private long _withoutProcessInfo;
    private long _withoutIds;

    /// <summary>Creates the stage; <paramref name="pods"/> may be null where no cluster is known (records then have no resource).</summary>
    public JsonEnricher(
        ProcessContainerResolver processes,
        PodContainerDirectory? pods,
        IJsonEnricherRecordSink sink,
        JsonEnricherOptions options,
        TimeProvider? time = null,
        ILogger<JsonEnricher>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(processes);
        ArgumentNullException.ThrowIfNull(sink);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(options.NodeName);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.FlushInterval, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.CheckInterval, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.Capacity);
        ArgumentNullException.ThrowIfNull(options.Filters);
        _processes = processes;
        _pods = pods;
        _sink = sink;
        _options = options;
        _time = time ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>Records written.</summary>
    public long Written => Interlocked.Read(ref _written);

    /// <summary>Records the filters set to <c>None</c>.</summary>
    public long Suppressed => Interlocked.Read(ref _suppressed);

    /// <summary>Buckets dropped because the process's command line could not be read.</summary>
    public long WithoutProcessInfo => Interlocked.Read(ref _withoutProcessInfo);

    /// <summary>Seccomp events left out because their record has no valid <c>uid=</c> or <c>gid=</c> (upstream rejects such lines).</summary>
    public long WithoutIds => Interlocked.Read(ref _withoutIds);

    /// <summary>Processes being collected now.</summary>
    public int Pending
    {
        get
        {
            _gate.Wait();
            try
            {
                return _buckets.Count;
            }
            finally
            {
                _gate.Release();
            }
        }
    }

    /// <summary>Adds a seccomp event, resolving its process here; other event types are ignored.</summary>
    public ValueTask AddAsync(AuditEvent auditEvent, CancellationToken cancellationToken = default) =>
        auditEvent.Type == AuditEventType.Seccomp
            ? AddAsync(auditEvent, _processes.Resolve(auditEvent), cancellationToken)
            : ValueTask.CompletedTask;

    /// <summary>Adds a seccomp event whose process is already resolved (the <see cref="AuditEnricher"/> passes it on this way).</summary>
    public async ValueTask AddAsync(AuditEvent auditEvent, ProcessResolution resolution, CancellationToken cancellationToken = default)
    {
        if (auditEvent.Type != AuditEventType.Seccomp)
        {
            return;
        }

        if (auditEvent.Uid is null || auditEvent.Gid is null)
        {
            // The record's uid and gid would be guessed; upstream rejects such a line, so it adds nothing here.
            Interlocked.Increment(ref _withoutIds);
            return;
        }

        var gone = resolution.Status == ProcessResolutionStatus.ProcessGone;
        var now = _time.GetUtcNow();
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // A line read after its process exited (its last syscalls, often) joins the bucket that process already
            // has; only a process gone before any of its lines was read gets a bucket keyed by the PID alone.
            var key = !gone ? resolution.Identity
                : _livePids.TryGetValue(auditEvent.Pid, out var live) ? live
                : new ProcessIdentity(auditEvent.Pid, 0);
            if (_buckets.TryGetValue(key, out var node))
            {
                _byActivity.Remove(node);
                _byActivity.AddLast(node);
            }
            else
            {
                if (_buckets.Count >= _options.Capacity)
                {
                    await WriteAsync(_byActivity.First!.Value, cancellationToken).ConfigureAwait(false);
                }

                // A gone process has no command line to read; whatever runs under its PID now is another process.
                var process = gone ? null : ProcessCommandLine.Read(_processes.ProcFs, auditEvent.Pid);
                node = _byActivity.AddLast(new Bucket(key, auditEvent, resolution.ContainerId, process));
                _buckets[key] = node;
                if (!gone)
                {
                    _livePids[key.Pid] = key;
                }
            }

            node.Value.LastSeen = now;
            if (auditEvent.SyscallName is { } name)
            {
                node.Value.Syscalls.Add(name);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Writes the records whose interval has passed since their process's last event.</summary>
    public async ValueTask FlushDueAsync(CancellationToken cancellationToken = default)
    {
        var now = _time.GetUtcNow();
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Least recently active first, so the due ones are at the front.
            while (_byActivity.First is { } first && first.Value.LastSeen + _options.FlushInterval <= now)
            {
                await WriteAsync(first.Value, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Writes every record now (at shutdown).</summary>
    public async ValueTask FlushAllAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            while (_byActivity.First is { } first)
            {
                await WriteAsync(first.Value, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Until cancelled, every <see cref="JsonEnricherOptions.CheckInterval"/>, writes the records that are due.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                await Task.Delay(_options.CheckInterval, _time, cancellationToken).ConfigureAwait(false);
                await FlushDueAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    // Removes the bucket and writes its record (unless filtered or without process info).
    private async ValueTask WriteAsync(Bucket bucket, CancellationToken cancellationToken)
    {
        _byActivity.Remove(_buckets[bucket.Key]);
        _buckets.Remove(bucket.Key);
        if (_livePids.TryGetValue(bucket.Key.Pid, out var live) && live == bucket.Key)
        {
            _livePids.Remove(bucket.Key.Pid);
        }

        if (bucket.Process is not { } process)
        {
            Interlocked.Increment(ref _withoutProcessInfo);
            return;
        }

        var first = bucket.First;
        JsonEnricherResource? resource = null;
        if (bucket.ContainerId is { } id && _pods is not null && _pods.TryGet(id, out var pod))
        {
            resource = new JsonEnricherResource(pod.ContainerName ?? string.Empty, pod.Namespace ?? string.Empty, pod.PodName ?? string.Empty);
        }

        var record = new JsonEnricherRecord
        {
            AuditId = _options.AuditIdFactory?.Invoke() ?? Guid.NewGuid().ToString(),
            CmdLine = process.CmdLine,
            Executable = first.Executable.ToString(),
            Gid = first.Gid!.Value,
            Node = _options.NodeName,
            Pid = first.Pid,
            RequestUid = process.RequestUid,
            Resource = resource,
            Syscalls = [.. bucket.Syscalls.Order(StringComparer.Ordinal)],
            Timestamp = AuditTimestamp.TryFormatIso(first.AuditId.Span, out var iso) ? iso : string.Empty,
            Uid = first.Uid!.Value,
        };

        if (_options.Filters.Evaluate(record) == AuditFilterLevel.None)
        {
            Interlocked.Increment(ref _suppressed);
            return;
        }

        try
        {
            await _sink.OnRecordAsync(record, cancellationToken).ConfigureAwait(false);
            Interlocked.Increment(ref _written);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            _logger.LogError(ex, "Writing the JSON enricher record of process {Pid} failed", first.Pid);
        }
    }

    private sealed class Bucket(ProcessIdentity key, AuditEvent first, string? containerId, ProcessCommandLine? process)
    {
        public ProcessIdentity Key { get; } = key;

        public AuditEvent First { get; } = first;

        public string? ContainerId { get; } = containerId;

        public ProcessCommandLine? Process { get; } = process;

        public HashSet<string> Syscalls { get; } = new(StringComparer.Ordinal);

        public DateTimeOffset LastSeen { get; set; }
    }
}
