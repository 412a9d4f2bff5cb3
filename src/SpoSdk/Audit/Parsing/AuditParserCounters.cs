namespace SpoSdk.Audit.Parsing;

/// <summary>Counts of lines a parser skipped; thread-safe, owned by one parser.</summary>
public sealed class AuditParserCounters
{
    private long _oversizedLines;
    private long _rejectedLines;

    /// <summary>Lines over the cap.</summary>
    public long OversizedLines => Interlocked.Read(ref _oversizedLines);

    /// <summary>Supported records without the fields an event needs.</summary>
    public long RejectedLines => Interlocked.Read(ref _rejectedLines);

    internal void AddOversized() => Interlocked.Increment(ref _oversizedLines);

    internal void AddRejected() => Interlocked.Increment(ref _rejectedLines);
}
