namespace SpoSdk.Audit;

/// <summary>The text fields of an <see cref="AuditEvent"/>, for generic access through <see cref="AuditEvent.Get"/>.</summary>
public enum AuditField
{
    /// <summary>The record id as written inside <c>audit(...)</c>: <c>1744780616.598:836036</c> (upstream's <c>TimestampID</c>).</summary>
    AuditId = 0,

    /// <summary><c>exe=</c>, hex-decoded when the kernel hex-encoded it.</summary>
    Executable,

    /// <summary><c>comm=</c>, hex-decoded when the kernel hex-encoded it.</summary>
    Comm,

    /// <summary>SELinux permissions between the braces, space-separated (<c>read write open</c>).</summary>
    Perms,

    /// <summary>SELinux <c>scontext=</c>.</summary>
    Scontext,

    /// <summary>SELinux <c>tcontext=</c>.</summary>
    Tcontext,

    /// <summary>SELinux <c>tclass=</c>.</summary>
    Tclass,

    /// <summary>AppArmor <c>apparmor=</c> (<c>DENIED</c>, <c>ALLOWED</c>, <c>AUDIT</c>, ...).</summary>
    Apparmor,

    /// <summary>AppArmor <c>operation=</c>.</summary>
    Operation,

    /// <summary>AppArmor <c>profile=</c>.</summary>
    Profile,

    /// <summary><c>name=</c>: what an AppArmor operation wanted, or the object name of an SELinux AVC.</summary>
    Name,

    /// <summary>AppArmor: the rest of the record after <c>comm=</c>, with <c>"</c> replaced by <c>'</c> (upstream's <c>extra_info</c>).</summary>
    ExtraInfo,
}
