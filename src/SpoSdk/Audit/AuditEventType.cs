namespace SpoSdk.Audit;

/// <summary>The kind of an audit event; the wire names are <c>seccomp</c>, <c>selinux</c> and <c>apparmor</c>.</summary>
public enum AuditEventType : byte
{
    /// <summary>Not an event (the value of <c>default(AuditEvent)</c>).</summary>
    Unknown = 0,

    /// <summary>A seccomp record (<c>type=SECCOMP</c>, <c>type=1326</c>).</summary>
    Seccomp = 1,

    /// <summary>An SELinux AVC record (<c>type=AVC</c> or <c>type=1400</c> with <c>avc:</c>).</summary>
    Selinux = 2,

    /// <summary>An AppArmor record (<c>type=APPARMOR*</c>, or <c>type=AVC</c>/<c>type=1400</c> with <c>apparmor=</c>).</summary>
    AppArmor = 3,
}

/// <summary>Wire names of <see cref="AuditEventType"/>.</summary>
public static class AuditEventTypeNames
{
    /// <summary><c>seccomp</c>.</summary>
    public const string Seccomp = "seccomp";

    /// <summary><c>selinux</c>.</summary>
    public const string Selinux = "selinux";

    /// <summary><c>apparmor</c>.</summary>
    public const string AppArmor = "apparmor";

    /// <summary>The wire name of <paramref name="type"/>, or an empty string for <see cref="AuditEventType.Unknown"/>.</summary>
    public static string ToWireName(this AuditEventType type) => type switch
    {
        AuditEventType.Seccomp => Seccomp,
        AuditEventType.Selinux => Selinux,
        AuditEventType.AppArmor => AppArmor,
        _ => string.Empty,
    };
}
