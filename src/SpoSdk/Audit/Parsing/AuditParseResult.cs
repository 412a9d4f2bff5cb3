namespace SpoSdk.Audit.Parsing;

/// <summary>What <see cref="AuditLineParser"/> made of a line.</summary>
public enum AuditParseResult
{
    /// <summary>No seccomp, AVC or AppArmor audit record (ordinary log noise, or another audit type).</summary>
    NotAudit = 0,

    /// <summary>An event was parsed.</summary>
    Event = 1,

    /// <summary>A supported record whose required fields are missing or malformed; counted, no event.</summary>
    Rejected = 2,

    /// <summary>The line is longer than <see cref="AuditParserOptions.MaxLineBytes"/>; counted, not parsed.</summary>
    Oversized = 3,
}
