using System.Buffers;

namespace SpoSdk.Audit.Enrichment;

/// <summary>A process as the kernel tells it apart: its id and its start time, so a reused PID is a different process.</summary>
/// <param name="Pid">The process id.</param>
/// <param name="StartTimeTicks">Field 22 of <c>/proc/&lt;pid&gt;/stat</c>: clock ticks after boot.</param>
public readonly record struct ProcessIdentity(int Pid, ulong StartTimeTicks);

/// <summary>What <see cref="ProcessContainerResolver.Resolve(int)"/> found out about a PID.</summary>
public enum ProcessResolutionStatus
{
    /// <summary>No such process (it exited) or its files could not be read.</summary>
    ProcessGone,

    /// <summary>The process runs, but its cgroup names no container (a host process, or a runtime's helper).</summary>
    NotInContainer,

    /// <summary>The process runs in the container <see cref="ProcessResolution.ContainerId"/>.</summary>
    InContainer,
}

/// <summary>The answer for one PID.</summary>
/// <param name="Status">What was found.</param>
/// <param name="Identity">The process (default when it is gone).</param>
/// <param name="ContainerId">The 64-hex container id when <see cref="ProcessResolutionStatus.InContainer"/>.</param>
public readonly record struct ProcessResolution(ProcessResolutionStatus Status, ProcessIdentity Identity, string? ContainerId)
{
    /// <summary>The answer for a process that is gone.</summary>
    public static ProcessResolution Gone { get; } = new(ProcessResolutionStatus.ProcessGone, default, null);
}

/// <summary>Settings of a <see cref="ProcessContainerResolver"/>.</summary>
public sealed record ProcessContainerResolverOptions
{
    /// <summary>Processes remembered at most (upstream: 1000).</summary>
    public int CacheCapacity { get; init; } = 1000;

    /// <summary>How long a process's container is remembered (upstream: 1 h).</summary>
    public TimeSpan CacheTimeToLive { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Whether CRI-O's <c>crio-conmon-&lt;id&gt;</c> monitor cgroup counts as the container (upstream v1.0.0: yes; default: no).</summary>
    public bool IncludeConmon { get; init; }

    /// <summary>The most of <c>/proc/&lt;pid&gt;/cgroup</c> read; lines beyond are ignored.</summary>
    public int MaxCgroupFileBytes { get; init; } = 64 * 1024;

    /// <summary>The kernel's <c>USER_HZ</c> (<c>getconf CLK_TCK</c>), the unit of process start times: 100 on every Linux architecture SPO supports.</summary>
    public int ClockTicksPerSecond { get; init; } = 100;

    /// <summary>
    /// How much later than an event its process may seem to have started and still be the event's process: the boot
    /// time has whole seconds and the wall clock may have been slewed since boot.
    /// </summary>
    public TimeSpan StartTimeTolerance { get; init; } = TimeSpan.FromSeconds(2);
}

/// <summary>
/// PID → container id through <c>/proc</c>: the start time from <c>/proc/&lt;pid&gt;/stat</c>, then the container from
/// <c>/proc/&lt;pid&gt;/cgroup</c> (<see cref="CgroupContainerId"/>). Answers are cached per <see cref="ProcessIdentity"/>
/// (upstream's <c>"&lt;pid&gt;_&lt;starttime&gt;"</c> key), so a recycled PID never gets the old process's container.
/// Only found containers are cached. Thread-safe.
/// </summary>
public sealed class ProcessContainerResolver
{
    // A stat line is well under 1 KiB (a 16-byte comm and 52 numbers); field 22 sits in its first half.
    private const int StatBytes = 1024;

    private readonly IProcFs _proc;
    private readonly ProcessContainerResolverOptions _options;
    private readonly LruTtlCache<ProcessIdentity, string> _cache;
    // The boot time is the kernel's btime, which moves when the wall clock is stepped (NTP at boot, a VM restore).
    private static readonly TimeSpan BootTimeRefresh = TimeSpan.FromMinutes(1);
    private readonly TimeProvider _time;
    private BootTimeReading? _bootTime;
    private long _hits;
    private long _misses;
    private long _startedAfterEvent;

    /// <summary>Creates a resolver over <paramref name="proc"/>.</summary>
    public ProcessContainerResolver(IProcFs proc, ProcessContainerResolverOptions? options = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(proc);
        _proc = proc;
        _options = options ?? new ProcessContainerResolverOptions();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(_options.MaxCgroupFileBytes);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(_options.ClockTicksPerSecond);

        _time = time ?? TimeProvider.System;
        _cache = new LruTtlCache<ProcessIdentity, string>(_options.CacheCapacity, _options.CacheTimeToLive, _time);
    }

    /// <summary>The <c>/proc</c> this resolver reads.</summary>
    public IProcFs ProcFs => _proc;

    /// <summary>Lookups answered from the cache.</summary>
    public long CacheHits => Interlocked.Read(ref _hits);

    /// <summary>Lookups that read the cgroup file.</summary>
    public long CacheMisses => Interlocked.Read(ref _misses);

    /// <summary>Lookups refused because the process under the PID started after the event (the PID was reused).</summary>
    public long StartedAfterEvent => Interlocked.Read(ref _startedAfterEvent);

    /// <summary>Processes in the cache now.</summary>
    public int CachedProcesses => _cache.Count;

    /// <summary>The process's identity, or null when it is gone.</summary>
    public ProcessIdentity? Identify(int pid)
    {
        Span<byte> stat = stackalloc byte[StatBytes];
        return _proc.TryRead(pid, ProcFile.Stat, stat, out var length) && ProcStat.TryParseStartTime(stat[..length], out var start)
            ? new ProcessIdentity(pid, start)
            : null;
    }

    /// <summary>The wall-clock time the process started, from its start ticks and the boot time; null when the boot time is unknown.</summary>
    public DateTimeOffset? StartTimeOf(ProcessIdentity identity) => StartTimeOf(identity, BootTime(fresh: false));

    private DateTimeOffset? StartTimeOf(ProcessIdentity identity, DateTimeOffset? bootTime) =>
        bootTime is { } boot ? boot + TimeSpan.FromSeconds((double)identity.StartTimeTicks / _options.ClockTicksPerSecond) : null;

    /// <summary>
    /// The boot time, read again when the last reading is a minute old or <paramref name="fresh"/> asks for it: the
    /// wall clock may have been stepped since, and the kernel's boot time moved with it.
    /// </summary>
    private DateTimeOffset? BootTime(bool fresh)
    {
        var reading = Volatile.Read(ref _bootTime);
        if (fresh || reading is null || _time.GetElapsedTime(reading.ReadAt) >= BootTimeRefresh)
        {
            reading = new BootTimeReading(_proc.TryReadBootTime(out var boot) ? boot : null, _time.GetTimestamp());
            Volatile.Write(ref _bootTime, reading);
        }

        return reading.Value;
    }

    // Whether the process under the PID started after the event, beyond the tolerance. The difference is taken rather
    // than logged + tolerance: a record may carry any time up to 9999-12-31, and that sum would leave DateTimeOffset's range.
    private bool StartedAfter(ProcessIdentity identity, DateTimeOffset logged, bool freshBootTime) =>
        StartTimeOf(identity, BootTime(freshBootTime)) is { } started && started - logged > _options.StartTimeTolerance;

    /// <summary>Resolves the event's PID for the time the event was logged (see <see cref="Resolve(int, DateTimeOffset?)"/>).</summary>
    public ProcessResolution Resolve(in AuditEvent auditEvent) =>
        Resolve(auditEvent.Pid, Output.AuditTimestamp.TryGetTime(auditEvent.AuditId.Span, out var logged) ? logged : null);

    /// <summary>Resolves <paramref name="pid"/> as the process running under it now.</summary>
    public ProcessResolution Resolve(int pid) => Resolve(pid, eventTime: null);

    /// <summary>
    /// Resolves <paramref name="pid"/> for an event logged at <paramref name="eventTime"/>: when the process now under
    /// that PID started after the event (beyond <see cref="ProcessContainerResolverOptions.StartTimeTolerance"/>), the
    /// event's process has exited and its PID was reused, so the answer is <see cref="ProcessResolutionStatus.ProcessGone"/>
    /// rather than the newcomer's container.
    /// </summary>
    public ProcessResolution Resolve(int pid, DateTimeOffset? eventTime)
    {
        if (Identify(pid) is not { } identity)
        {
            return ProcessResolution.Gone;
        }

        // Before ruling the process gone, the boot time is read again: a clock stepped back since the last reading
        // would make every young process look as if it started after its own events.
        if (eventTime is { } logged && StartedAfter(identity, logged, freshBootTime: false) && StartedAfter(identity, logged, freshBootTime: true))
        {
            Interlocked.Increment(ref _startedAfterEvent);
            return ProcessResolution.Gone;
        }

        if (_cache.TryGet(identity, out var cached))
        {
            Interlocked.Increment(ref _hits);
            return new ProcessResolution(ProcessResolutionStatus.InContainer, identity, cached);
        }

        Interlocked.Increment(ref _misses);
        var buffer = ArrayPool<byte>.Shared.Rent(_options.MaxCgroupFileBytes);
        string? id;
        try
        {
            if (!_proc.TryRead(pid, ProcFile.Cgroup, buffer.AsSpan(0, _options.MaxCgroupFileBytes), out var length))
            {
                return ProcessResolution.Gone;
            }

            var content = buffer.AsSpan(0, length);
            if (length == _options.MaxCgroupFileBytes && content.LastIndexOf((byte)'\n') is var end and >= 0)
            {
                // A file longer than the cap: its cut last line is not a path.
                content = content[..end];
            }

            id = CgroupContainerId.Find(content, _options.IncludeConmon);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        // The PID may have been reused between the two reads; then the cgroup read was another process's.
        if (Identify(pid) != identity)
        {
            return ProcessResolution.Gone;
        }

        if (id is null)
        {
            return new ProcessResolution(ProcessResolutionStatus.NotInContainer, identity, null);
        }

        _cache.Set(identity, id);
        return new ProcessResolution(ProcessResolutionStatus.InContainer, identity, id);
    }
}

/// <summary>One reading of the boot time and when it was taken (a <see cref="TimeProvider"/> timestamp).</summary>
internal sealed record BootTimeReading(DateTimeOffset? Value, long ReadAt);
