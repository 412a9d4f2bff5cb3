namespace SpoSdk.Audit.Parsing;

/// <summary>
/// Receives the events of a block of lines, in line order, as views borrowed from the parser's buffer: a sink that
/// keeps an event calls <see cref="AuditEventView.ToEvent"/>, one that only looks (counts, filters) allocates nothing.
/// </summary>
public interface IAuditEventViewSink
{
    /// <summary>One event, valid only during this call.</summary>
    void OnEvent(in AuditEventView auditEvent);
}
