namespace SpoSdk.Audit.Parsing;

/// <summary>Receives the events of a block of lines, in line order.</summary>
public interface IAuditEventSink
{
    /// <summary>One event.</summary>
    void OnEvent(in AuditEvent auditEvent);
}
