namespace SpoSdk.Audit.Sources;

/// <summary>Which kind of log a source reads.</summary>
public enum AuditLogKind
{
    /// <summary>The auditd log (<c>type=SECCOMP msg=audit(...)</c> records).</summary>
    Auditd,

    /// <summary>The syslog file, where the kernel's audit messages land without auditd.</summary>
    Syslog,
}

/// <summary>The log file a source follows: its host path and where that is on this machine.</summary>
/// <param name="Kind">Auditd or syslog.</param>
/// <param name="HostPath">The path on the node, e.g. <c>/var/log/audit/audit.log</c>.</param>
/// <param name="LocalPath">The same file under the node root.</param>
public sealed record AuditLogLocation(AuditLogKind Kind, string HostPath, string LocalPath)
{
    /// <summary>
    /// Upstream's choice, made once: the auditd log when it exists now, else syslog (followed even while it is
    /// missing, as it may appear later).
    /// </summary>
    public static AuditLogLocation Select(AuditLogSourceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var audit = UnderRoot(options.NodeRoot, options.AuditLogPath, nameof(options.AuditLogPath));
        if (File.Exists(audit))
        {
            return new AuditLogLocation(AuditLogKind.Auditd, options.AuditLogPath, audit);
        }

        return new AuditLogLocation(AuditLogKind.Syslog, options.SyslogPath, UnderRoot(options.NodeRoot, options.SyslogPath, nameof(options.SyslogPath)));
    }

    private static string UnderRoot(string nodeRoot, string hostPath, string option)
    {
        if (!hostPath.StartsWith('/') || hostPath.Split('/').Any(part => part is "." or ".."))
        {
            throw new ArgumentException($"{option} must be an absolute host path without '.' or '..' parts: '{hostPath}'.", option);
        }

        var root = Path.GetFullPath(nodeRoot);
        return root == "/" ? hostPath : Path.Join(root, hostPath);
    }
}
