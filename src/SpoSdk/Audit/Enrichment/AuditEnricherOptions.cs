using SpoSdk.Audit.Filtering;

namespace SpoSdk.Audit.Enrichment;

/// <summary>Settings of an <see cref="AuditEnricher"/>.</summary>
public sealed record AuditEnricherOptions
{
    /// <summary>SPOD <c>enricher.logEnricherFilters</c>: decide per event whether a log line and metric are due.</summary>
    public AuditFilterSet Filters { get; init; } = AuditFilterSet.Empty;

    /// <summary>
    /// Events waiting for their container, at most, over all processes. When full, the <b>oldest</b> waiting event is
    /// dropped (and counted): old events are the likeliest never to resolve, and refusing new ones would let a burst of
    /// unresolvable events block every later container for the whole <see cref="BacklogTimeToLive"/>.
    /// </summary>
    public int BacklogCapacity { get; init; } = 4096;

    /// <summary>Events waiting per process, at most (upstream: 128); beyond, that process's oldest is dropped.</summary>
    public int BacklogCapacityPerProcess { get; init; } = 128;

    /// <summary>How long an event waits for its container before it is dropped (upstream's backlog: 1 h).</summary>
    public TimeSpan BacklogTimeToLive { get; init; } = TimeSpan.FromHours(1);

    /// <summary>How often <see cref="AuditEnricher.RunAsync"/> drops expired events when nothing else wakes it.</summary>
    public TimeSpan SweepInterval { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>What an <see cref="AuditEnricher"/> did, counted since it started.</summary>
/// <param name="Received">Events given to it.</param>
/// <param name="Dispatched">Events handed to the sinks (including replayed ones).</param>
/// <param name="Suppressed">Dispatched events the filters set to <c>None</c>.</param>
/// <param name="Backlogged">Events that had to wait for their container.</param>
/// <param name="Replayed">Waiting events dispatched once their container resolved.</param>
/// <param name="DroppedBacklogFull">Waiting events dropped because the backlog was full.</param>
/// <param name="Expired">Waiting events dropped after <see cref="AuditEnricherOptions.BacklogTimeToLive"/>.</param>
/// <param name="ProcessGone">Events whose process had exited before it could be looked up (dropped, as nothing can resolve them).</param>
/// <param name="NotInContainer">Events of processes whose cgroup names no container (host processes; dropped).</param>
/// <param name="UnknownSyscall">Seccomp events without a syscall name on the record's architecture (skipped, as upstream).</param>
/// <param name="SinkFailures">Sink calls that threw.</param>
/// <param name="FailedEvents">Events whose enrichment threw in <see cref="AuditEnricher.ConsumeAsync"/> (logged and skipped; the loop goes on).</param>
public readonly record struct AuditEnricherCounters(
    long Received,
    long Dispatched,
    long Suppressed,
    long Backlogged,
    long Replayed,
    long DroppedBacklogFull,
    long Expired,
    long ProcessGone,
    long NotInContainer,
    long UnknownSyscall,
    long SinkFailures,
    long FailedEvents = 0);
