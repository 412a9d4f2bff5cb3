namespace SpoSdk.Audit.Parsing;

/// <summary>
/// Turns each view into an <see cref="AuditEvent"/> for a sink that keeps events: the one place the parsing path
/// allocates. Holds the inner sink by value; the caller copies it back (a ref field cannot hold a ref struct).
/// </summary>
internal ref struct MaterializingSink<TSink>(TSink inner) : IAuditEventViewSink
    where TSink : IAuditEventSink, allows ref struct
{
    /// <summary>The wrapped sink, with whatever state its calls left.</summary>
    public TSink Inner = inner;

    /// <inheritdoc />
    public void OnEvent(in AuditEventView auditEvent) => Inner.OnEvent(auditEvent.ToEvent());
}
