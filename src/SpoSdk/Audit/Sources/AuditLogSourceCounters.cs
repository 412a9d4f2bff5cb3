namespace SpoSdk.Audit.Sources;

/// <summary>What a log source did; thread-safe, owned by one source.</summary>
public sealed class AuditLogSourceCounters
{
    private long _lines;
    private long _droppedLines;
    private long _oversizedLines;
    private long _rotations;
    private long _truncations;
    private long _readErrors;

    /// <summary>Lines handed to the channel.</summary>
    public long Lines => Interlocked.Read(ref _lines);

    /// <summary>Lines dropped because the channel was full (<see cref="AuditLogFullMode.Drop"/> only).</summary>
    public long DroppedLines => Interlocked.Read(ref _droppedLines);

    /// <summary>Lines longer than the cap, skipped without being buffered.</summary>
    public long OversizedLines => Interlocked.Read(ref _oversizedLines);

    /// <summary>Switches to a new file at the path (rename + create, or delete + create).</summary>
    public long Rotations => Interlocked.Read(ref _rotations);

    /// <summary>Times the followed file was truncated (copytruncate rotation).</summary>
    public long Truncations => Interlocked.Read(ref _truncations);

    /// <summary>Polls that failed with an I/O or permission error (retried at the next poll).</summary>
    public long ReadErrors => Interlocked.Read(ref _readErrors);

    internal void AddLines(int count) => Interlocked.Add(ref _lines, count);

    internal void AddDropped(int count) => Interlocked.Add(ref _droppedLines, count);

    internal void AddOversized() => Interlocked.Increment(ref _oversizedLines);

    internal void AddRotation() => Interlocked.Increment(ref _rotations);

    internal void AddTruncation() => Interlocked.Increment(ref _truncations);

    internal void AddReadError() => Interlocked.Increment(ref _readErrors);
}
