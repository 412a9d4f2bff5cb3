namespace SpoSdk.Audit.Parsing;

/// <summary>Options of an <see cref="AuditLineParser"/>.</summary>
public sealed record AuditParserOptions
{
    /// <summary>The default line cap: 64 KiB.</summary>
    public const int DefaultMaxLineBytes = 64 * 1024;

    /// <summary>Lines longer than this many UTF-8 bytes are skipped and counted, never parsed.</summary>
    public int MaxLineBytes { get; init; } = DefaultMaxLineBytes;

    /// <summary>
    /// The architecture for syscall names of records without <c>arch=</c>; defaults to this process's
    /// (<see cref="AuditArch.Host"/>), as upstream always uses the enricher's own architecture.
    /// </summary>
    public AuditArch FallbackArch { get; init; } = AuditArch.Host;
}
