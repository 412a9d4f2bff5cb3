namespace SpoSdk.Audit.Filtering;

/// <summary>What a matching filter does with an event (upstream's <c>EnricherLogLevel</c>).</summary>
public enum AuditFilterLevel
{
    /// <summary>Log the event and count it (the default).</summary>
    Metadata = 0,

    /// <summary>Suppress the log line and the metric; SELinux and seccomp recording still happens upstream.</summary>
    None = 1,
}
