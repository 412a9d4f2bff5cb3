using System.Globalization;

namespace SpoSdk.Audit;

/// <summary>
/// Builds an <see cref="AuditEvent"/> from values, for sources that do not parse a log line (the eBPF
/// AppArmor source, tests). Mutable and reusable; <see cref="Build"/> snapshots the current values.
/// </summary>
public sealed class AuditEventBuilder
{
    /// <summary>The event type; required.</summary>
    public AuditEventType Type { get; set; }

    /// <summary>The numeric record type; 0 picks the usual one for <see cref="Type"/> (1326, 1400, 1400).</summary>
    public int RecordType { get; set; }

    /// <summary>The record time as written (<c>1744780616.598</c>).</summary>
    public string? Timestamp { get; set; }

    /// <summary>The record serial; when null the audit id is the timestamp alone (as the eBPF source writes it).</summary>
    public ulong? Serial { get; set; }

    /// <summary>The process id.</summary>
    public int Pid { get; set; }

    /// <summary>The user id, if known.</summary>
    public uint? Uid { get; set; }

    /// <summary>The group id, if known.</summary>
    public uint? Gid { get; set; }

    /// <summary>The architecture the record named; <c>default</c> for none.</summary>
    public AuditArch Arch { get; set; }

    /// <summary>The syscall number (seccomp).</summary>
    public int? SyscallId { get; set; }

    /// <summary>The syscall name; when null it is looked up for <see cref="Arch"/> (or the host's when absent).</summary>
    public string? SyscallName { get; set; }

    /// <summary><c>exe=</c>.</summary>
    public string? Executable { get; set; }

    /// <summary><c>comm=</c>.</summary>
    public string? Comm { get; set; }

    /// <summary>SELinux permissions, space-separated.</summary>
    public string? Perms { get; set; }

    /// <summary>SELinux source context.</summary>
    public string? Scontext { get; set; }

    /// <summary>SELinux target context.</summary>
    public string? Tcontext { get; set; }

    /// <summary>SELinux target class.</summary>
    public string? Tclass { get; set; }

    /// <summary>AppArmor verdict.</summary>
    public string? Apparmor { get; set; }

    /// <summary>AppArmor operation.</summary>
    public string? Operation { get; set; }

    /// <summary>AppArmor profile.</summary>
    public string? Profile { get; set; }

    /// <summary><c>name=</c>.</summary>
    public string? Name { get; set; }

    /// <summary>AppArmor extra information.</summary>
    public string? ExtraInfo { get; set; }

    /// <summary>Creates the event.</summary>
    /// <exception cref="InvalidOperationException"><see cref="Type"/> is <see cref="AuditEventType.Unknown"/>.</exception>
    public AuditEvent Build()
    {
        if (Type == AuditEventType.Unknown)
        {
            throw new InvalidOperationException("An audit event needs a type.");
        }

        var auditId = Timestamp is null
            ? null
            : Serial is { } serial ? Timestamp + ":" + serial.ToString(CultureInfo.InvariantCulture) : Timestamp;
        Span<string?> values =
        [
            auditId, Executable, Comm, Perms, Scontext, Tcontext, Tclass, Apparmor, Operation, Profile, Name,
            string.IsNullOrEmpty(ExtraInfo) ? null : ExtraInfo,
        ];

        var length = 0;
        foreach (var value in values)
        {
            length += value?.Length ?? 0;
        }

        var ranges = default(AuditEvent.TextRanges);
        var payload = string.Create(length, values.ToArray(), static (span, parts) =>
        {
            var offset = 0;
            foreach (var part in parts)
            {
                part.AsSpan().CopyTo(span[offset..]);
                offset += part?.Length ?? 0;
            }
        });
        var start = 0;
        for (var i = 0; i < values.Length; i++)
        {
            if (values[i] is { } value)
            {
                ranges[i] = new AuditEvent.TextRange(start, value.Length);
                start += value.Length;
            }
        }

        var recordType = RecordType != 0 ? RecordType : Type == AuditEventType.Seccomp ? 1326 : 1400;
        var name = SyscallName;
        if (name is null && SyscallId is { } id)
        {
            name = (Arch.IsPresent ? Arch : AuditArch.Host).GetSyscallName(id);
        }

        return new AuditEvent(Type, recordType, payload, ranges, Serial ?? 0, Pid, Uid, Gid, Arch, SyscallId, name);
    }
}
