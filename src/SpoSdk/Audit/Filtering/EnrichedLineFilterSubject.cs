namespace SpoSdk.Audit.Filtering;

/// <summary>
/// An event as upstream's log enricher filters it: the keys of its enriched text line (see
/// <see cref="Output.EnrichedLineFormatter"/>), strings as strings and <c>pid</c>/<c>syscallID</c> as integers.
/// Keys the enrichment would supply are missing without one. No allocation.
/// </summary>
public readonly ref struct EnrichedLineFilterSubject : IAuditFilterSubject
{
    private readonly ref readonly AuditEvent _event;
    private readonly AuditEnrichment? _enrichment;

    /// <summary>Wraps an event and what is known of its origin.</summary>
    public EnrichedLineFilterSubject(ref readonly AuditEvent auditEvent, AuditEnrichment? enrichment)
    {
        _event = ref auditEvent;
        _enrichment = enrichment;
    }

    /// <inheritdoc/>
    public AuditFilterValue GetValue(ReadOnlySpan<char> key)
    {
        ref readonly var e = ref _event;
        switch (key)
        {
            case "timestamp":
                return AuditFilterValue.FromText(e.AuditId);
            case "type":
                return AuditFilterValue.FromString(e.Type.ToWireName());
            case "node":
                return Enriched(_enrichment?.NodeName);
            case "namespace":
                return Enriched(_enrichment?.Namespace);
            case "pod":
                return Enriched(_enrichment?.PodName);
            case "container":
                return Enriched(_enrichment?.ContainerName);
        }

        return e.Type switch
        {
            AuditEventType.Seccomp => key switch
            {
                "executable" => AuditFilterValue.FromText(e.Executable),
                "pid" => AuditFilterValue.FromInteger(e.Pid),
                "syscallID" => AuditFilterValue.FromInteger(e.SyscallId.GetValueOrDefault()),
                "syscallName" => AuditFilterValue.FromString(e.SyscallName ?? string.Empty),
                _ => AuditFilterValue.Missing,
            },
            AuditEventType.Selinux => key switch
            {
                "profile" => Enriched(_enrichment?.RecordProfile),
                "perm" => AuditFilterValue.FromText(e.Perms),
                "scontext" => AuditFilterValue.FromText(e.Scontext),
                "tcontext" => AuditFilterValue.FromText(e.Tcontext),
                "tclass" => AuditFilterValue.FromText(e.Tclass),
                _ => AuditFilterValue.Missing,
            },
            AuditEventType.AppArmor => key switch
            {
                "executable" => AuditFilterValue.FromText(e.Comm),
                "pid" => AuditFilterValue.FromInteger(e.Pid),
                "apparmor" => AuditFilterValue.FromText(e.Apparmor),
                "operation" => AuditFilterValue.FromText(e.Operation),
                "profile" => AuditFilterValue.FromText(e.Profile),
                "name" => AuditFilterValue.FromText(e.Name),
                "extra_info" when !e.ExtraInfo.IsEmpty => AuditFilterValue.FromText(e.ExtraInfo),
                _ => AuditFilterValue.Missing,
            },
            _ => AuditFilterValue.Missing,
        };
    }

    private AuditFilterValue Enriched(string? value) =>
        _enrichment is null ? AuditFilterValue.Missing : AuditFilterValue.FromString(value ?? string.Empty);
}
