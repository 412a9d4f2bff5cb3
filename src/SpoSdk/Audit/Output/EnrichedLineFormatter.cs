namespace SpoSdk.Audit.Output;

/// <summary>
/// Formats events as upstream's log enricher logs them (klog text, keys in exactly this order, strings
/// quoted, numbers bare):
/// <list type="bullet">
/// <item>seccomp: <c>timestamp type node namespace pod container executable pid syscallID syscallName</c></item>
/// <item>selinux: <c>timestamp type profile node namespace pod container perm scontext tcontext tclass</c></item>
/// <item>apparmor: <c>timestamp type node namespace pod container executable pid apparmor operation profile name [extra_info]</c></item>
/// </list>
/// Without an <see cref="AuditEnrichment"/> the keys it would supply (node, namespace, pod, container and the
/// SELinux profile) are left out; the order of the rest is unchanged. <c>timestamp</c> is the whole audit id
/// (<c>1744780616.598:836036</c>) and the AppArmor <c>executable</c> is the comm, both as upstream.
/// </summary>
public sealed class EnrichedLineFormatter
{
    /// <summary>The klog logger name upstream uses.</summary>
    public const string DefaultLoggerName = "log-enricher";

    private const int StackChars = 512;

    private readonly string _loggerName;

    /// <summary>Creates a formatter.</summary>
    public EnrichedLineFormatter(string loggerName = DefaultLoggerName)
    {
        ArgumentNullException.ThrowIfNull(loggerName);
        _loggerName = loggerName;
    }

    /// <summary>Writes one line (ending in <c>\n</c>); allocates nothing beyond what the writer does.</summary>
    public void Write(TextWriter writer, in AuditEvent auditEvent, AuditEnrichment? enrichment = null, KlogHeader? header = null)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var builder = new CharBuilder(stackalloc char[StackChars]);
        try
        {
            Append(ref builder, auditEvent, enrichment, header);
            builder.Append('\n');
            writer.Write(builder.Written);
        }
        finally
        {
            builder.Dispose();
        }
    }

    /// <summary>The line as a string, without a line break.</summary>
    public string Format(in AuditEvent auditEvent, AuditEnrichment? enrichment = null, KlogHeader? header = null)
    {
        var builder = new CharBuilder(stackalloc char[StackChars]);
        try
        {
            Append(ref builder, auditEvent, enrichment, header);
            return new string(builder.Written);
        }
        finally
        {
            builder.Dispose();
        }
    }

    private void Append(ref CharBuilder b, in AuditEvent e, AuditEnrichment? enrichment, KlogHeader? header)
    {
        if (e.Type == AuditEventType.Unknown)
        {
            throw new ArgumentException("default(AuditEvent) is not an event.", nameof(e));
        }

        header?.AppendTo(ref b);
        b.Append("\"audit\" logger=");
        GoQuote.Append(ref b, _loggerName);
        AppendString(ref b, "timestamp", e.AuditId.Span);
        AppendString(ref b, "type", e.Type.ToWireName());
        if (e.Type == AuditEventType.Selinux && enrichment is not null)
        {
            AppendString(ref b, "profile", enrichment.RecordProfile);
        }

        if (enrichment is not null)
        {
            AppendString(ref b, "node", enrichment.NodeName);
            AppendString(ref b, "namespace", enrichment.Namespace);
            AppendString(ref b, "pod", enrichment.PodName);
            AppendString(ref b, "container", enrichment.ContainerName);
        }

        switch (e.Type)
        {
            case AuditEventType.Seccomp:
                AppendString(ref b, "executable", e.Executable.Span);
                AppendNumber(ref b, "pid", e.Pid);
                AppendNumber(ref b, "syscallID", e.SyscallId.GetValueOrDefault());
                AppendString(ref b, "syscallName", e.SyscallName);
                break;
            case AuditEventType.Selinux:
                AppendString(ref b, "perm", e.Perms.Span);
                AppendString(ref b, "scontext", e.Scontext.Span);
                AppendString(ref b, "tcontext", e.Tcontext.Span);
                AppendString(ref b, "tclass", e.Tclass.Span);
                break;
            default:
                AppendString(ref b, "executable", e.Comm.Span);
                AppendNumber(ref b, "pid", e.Pid);
                AppendString(ref b, "apparmor", e.Apparmor.Span);
                AppendString(ref b, "operation", e.Operation.Span);
                AppendString(ref b, "profile", e.Profile.Span);
                AppendString(ref b, "name", e.Name.Span);
                if (!e.ExtraInfo.IsEmpty)
                {
                    AppendString(ref b, "extra_info", e.ExtraInfo.Span);
                }

                break;
        }
    }

    private static void AppendString(ref CharBuilder b, string key, ReadOnlySpan<char> value)
    {
        b.Append(' ');
        b.Append(key);
        b.Append('=');
        GoQuote.Append(ref b, value);
    }

    private static void AppendNumber(ref CharBuilder b, string key, long value)
    {
        b.Append(' ');
        b.Append(key);
        b.Append('=');
        b.Append(value);
    }
}
