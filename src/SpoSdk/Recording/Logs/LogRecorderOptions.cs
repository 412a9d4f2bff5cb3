using SpoSdk.Audit;

namespace SpoSdk.Recording.Logs;

/// <summary>
/// Bounds of the log recorder. Audit records come from processes inside recorded containers, so a
/// container must not be able to grow the recorder's memory without limit; what a cap turns away is
/// counted (<see cref="LogRecorderCounters"/>) and reported with the profile.
/// </summary>
public sealed record LogRecorderOptions
{
    /// <summary>Distinct syscall names kept per recorded container (default 1024; every Linux architecture has fewer).</summary>
    public int MaxSyscallsPerContainer { get; init; } = 1024;

    /// <summary>Distinct (type, class, permission) entries kept per recorded container (default 4096).</summary>
    public int MaxAvcEntriesPerContainer { get; init; } = 4096;

    /// <summary>Recorded containers (tokens) kept at once per ProfileRecording (default 1000).</summary>
    public int MaxContainersPerRecording { get; init; } = 1000;

    /// <summary>The architecture of seccomp records that carry no <c>arch=</c> (default: this process's).</summary>
    public AuditArch FallbackArch { get; init; } = AuditArch.Host;

    /// <summary>Throws when a bound is not positive.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxSyscallsPerContainer);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxAvcEntriesPerContainer);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxContainersPerRecording);
    }
}

/// <summary>What the log recorder did with the events it was given; all counts since creation.</summary>
public sealed class LogRecorderCounters
{
    private long _recorded;
    private long _inactive;
    private long _invalidTokens;
    private long _unknownSyscalls;
    private long _malformedContexts;
    private long _droppedSyscalls;
    private long _droppedAvcEntries;
    private long _rejectedContainers;
    private long _retired;
    private long _beforeRecordingsKnown;

    /// <summary>Events that added to a recording (also when everything they carried was already known).</summary>
    public long Recorded => Interlocked.Read(ref _recorded);

    /// <summary>Events whose token names a recording that does not exist, is being deleted or does not record from logs.</summary>
    public long Inactive => Interlocked.Read(ref _inactive);

    /// <summary>Events whose token is not <c>recording_container_nonce_seconds</c>, or that came without a namespace.</summary>
    public long InvalidTokens => Interlocked.Read(ref _invalidTokens);

    /// <summary>Seccomp events whose syscall number has no name on the record's architecture.</summary>
    public long UnknownSyscalls => Interlocked.Read(ref _unknownSyscalls);

    /// <summary>AVC events whose target context has fewer than three fields.</summary>
    public long MalformedContexts => Interlocked.Read(ref _malformedContexts);

    /// <summary>Syscall names turned away by <see cref="LogRecorderOptions.MaxSyscallsPerContainer"/>.</summary>
    public long DroppedSyscalls => Interlocked.Read(ref _droppedSyscalls);

    /// <summary>AVC entries turned away by <see cref="LogRecorderOptions.MaxAvcEntriesPerContainer"/>.</summary>
    public long DroppedAvcEntries => Interlocked.Read(ref _droppedAvcEntries);

    /// <summary>Events of containers turned away by <see cref="LogRecorderOptions.MaxContainersPerRecording"/>.</summary>
    public long RejectedContainers => Interlocked.Read(ref _rejectedContainers);

    /// <summary>Events of containers whose profile was already collected (late lines, such as the last process's <c>exit_group</c>).</summary>
    public long Retired => Interlocked.Read(ref _retired);

    /// <summary>
    /// Events given to the recorder before the recordings were known, because <see cref="LogRecorderAuditSink"/> stopped
    /// waiting for their first list; they were judged by the recordings known then, so some may count as inactive.
    /// </summary>
    public long BeforeRecordingsKnown => Interlocked.Read(ref _beforeRecordingsKnown);

    internal void AddRecorded() => Interlocked.Increment(ref _recorded);

    internal void AddInactive() => Interlocked.Increment(ref _inactive);

    internal void AddInvalidToken() => Interlocked.Increment(ref _invalidTokens);

    internal void AddUnknownSyscall() => Interlocked.Increment(ref _unknownSyscalls);

    internal void AddMalformedContext() => Interlocked.Increment(ref _malformedContexts);

    internal void AddDroppedSyscall() => Interlocked.Increment(ref _droppedSyscalls);

    internal void AddDroppedAvcEntry() => Interlocked.Increment(ref _droppedAvcEntries);

    internal void AddRejectedContainer() => Interlocked.Increment(ref _rejectedContainers);

    internal void AddRetired() => Interlocked.Increment(ref _retired);

    internal void AddBeforeRecordingsKnown() => Interlocked.Increment(ref _beforeRecordingsKnown);
}
