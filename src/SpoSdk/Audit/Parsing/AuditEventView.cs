using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;
using SpoSdk.Api.Syscalls;

namespace SpoSdk.Audit.Parsing;

/// <summary>
/// An event borrowed from the line it was parsed from: the parser has located every field and validated those that
/// can reject it (header, pid, syscall, the type's required fields) but copied nothing, so handing one to a sink costs
/// no allocation. Text, uid, gid and arch are read on demand: <see cref="GetUtf8"/> gives a field's bytes as logged,
/// <see cref="GetString"/> decodes it as <see cref="AuditEvent"/> would, and <see cref="ToEvent"/> materialises the
/// event (one string) for a consumer that keeps it. Valid only during the sink call that receives it: the line is the parser's buffer.
/// </summary>
public ref struct AuditEventView
{
    // Filled in place by the parser (the slots are 168 bytes; copying them per event would cost more than using them).
    internal ReadOnlySpan<byte> LineBytes;
    internal FieldSlots Slots;
    internal AuditArch FallbackArch;
    internal ulong SerialValue;
    internal int IdStart;
    internal int IdLength;
    internal int PermsStart;
    internal int PermsLength;
    internal int CommEnd;
    internal int RecordEnd;
    internal int PidValue;
    internal int SyscallValue;
    internal ushort RecordTypeValue;
    internal AuditEventType TypeValue;
    internal bool HasSyscall;

    /// <summary>seccomp, selinux or apparmor.</summary>
    public readonly AuditEventType Type => TypeValue;

    /// <summary>The numeric audit record type: 1326, 1400 or 1500–1507.</summary>
    public readonly int RecordType => RecordTypeValue;

    /// <summary>The record serial from <c>audit(T:S)</c>.</summary>
    public readonly ulong Serial => SerialValue;

    /// <summary>The process id (<c>pid=</c>).</summary>
    public readonly int Pid => PidValue;

    /// <summary>The real user id (<c>uid=</c>), when logged.</summary>
    /// <remarks>Read from its slot on demand, like the text: an absent or malformed uid only means null, so there is nothing to validate up front.</remarks>
    public readonly uint? Uid => AuditLineParser.TryParseUInt(LineBytes, Slots[(int)FieldKey.Uid], out var uid) ? uid : null;

    /// <summary>The real group id (<c>gid=</c>), when logged.</summary>
    /// <remarks>Read on demand, as <see cref="Uid"/>.</remarks>
    public readonly uint? Gid => AuditLineParser.TryParseUInt(LineBytes, Slots[(int)FieldKey.Gid], out var gid) ? gid : null;

    /// <summary>The record's <c>arch=</c>; <c>default</c> when absent, zero or malformed.</summary>
    /// <remarks>Read on demand, as <see cref="Uid"/>.</remarks>
    public readonly AuditArch Arch =>
        AuditLineParser.TryParseHex(LineBytes, Slots[(int)FieldKey.Arch], out var arch) ? new AuditArch(arch) : default;

    /// <summary>The syscall number (<c>syscall=</c>), seccomp only.</summary>
    public readonly int? SyscallId => HasSyscall ? SyscallValue : null;

    /// <summary>As <see cref="AuditEvent.SyscallName"/>: looked up on demand in the record's (or the fallback) architecture.</summary>
    public readonly string? SyscallName
    {
        get
        {
            if (!HasSyscall)
            {
                return null;
            }

            var arch = Arch;
            return SyscallTable.GetName(arch.IsPresent ? arch.Value : FallbackArch.Value, SyscallValue);
        }
    }

    /// <summary>The whole line the event was parsed from (without its line break).</summary>
    public readonly ReadOnlySpan<byte> Line => LineBytes;

    /// <summary>Whether the record carried <paramref name="field"/> (as <see cref="AuditText.IsPresent"/> on the event).</summary>
    public readonly bool IsPresent(AuditField field) => Source(field).Kind != TextSourceKind.Absent;

    /// <summary>
    /// Whether the kernel hex-encoded <paramref name="field"/> (<c>comm=6D7920617070</c>): <see cref="GetUtf8"/> then
    /// returns the hex digits and <see cref="GetString"/> the decoded text.
    /// </summary>
    public readonly bool IsHexEncoded(AuditField field) => Source(field).Kind == TextSourceKind.Hex;

    /// <summary>
    /// The bytes of <paramref name="field"/> exactly as logged, a slice of <see cref="Line"/> (empty when absent):
    /// hex-encoded values are not decoded and <see cref="AuditField.ExtraInfo"/> keeps its <c>"</c>.
    /// </summary>
    public readonly ReadOnlySpan<byte> GetUtf8(AuditField field)
    {
        var source = Source(field);
        return source.Kind == TextSourceKind.Absent ? default : LineBytes.Slice(source.Start, source.Length);
    }

    /// <summary>The text of <paramref name="field"/> as the materialised event holds it, or null when absent; allocates.</summary>
    public readonly string? GetString(AuditField field)
    {
        var source = Source(field);
        if (source.Kind == TextSourceKind.Absent)
        {
            return null;
        }

        var bytes = LineBytes.Slice(source.Start, source.Length);
        if (source.Kind != TextSourceKind.Hex)
        {
            var text = Encoding.UTF8.GetString(bytes);
            return source.Kind == TextSourceKind.ExtraInfo ? text.Replace('"', '\'') : text;
        }

        byte[]? rented = null;
        var decoded = bytes.Length / 2 <= 256 ? stackalloc byte[256] : (rented = ArrayPool<byte>.Shared.Rent(bytes.Length / 2));
        try
        {
            return Encoding.UTF8.GetString(decoded[..KernelHex.Decode(bytes, decoded)]);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>The event as an <see cref="AuditEvent"/> that outlives the line: one string holds all its text.</summary>
    public readonly AuditEvent ToEvent() => AuditLineParser.Materialize(in this);

    /// <summary>Where <paramref name="field"/>'s bytes are in the line and how to read them; the one mapping of record fields to event fields.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal readonly TextSource Source(AuditField field)
    {
        switch (field)
        {
            case AuditField.AuditId:
                return new TextSource(IdStart, IdLength, TextSourceKind.Line);
            case AuditField.Executable:
                return FromSlot(FieldKey.Exe, hexAllowed: true);
            case AuditField.Comm:
                return FromSlot(FieldKey.Comm, hexAllowed: true);
            case AuditField.Perms:
                return TypeValue == AuditEventType.Selinux ? new TextSource(PermsStart, PermsLength, TextSourceKind.Line) : default;
            case AuditField.Scontext:
                return TypeValue == AuditEventType.Selinux ? FromSlot(FieldKey.Scontext, hexAllowed: false) : default;
            case AuditField.Tcontext:
                return TypeValue == AuditEventType.Selinux ? FromSlot(FieldKey.Tcontext, hexAllowed: false) : default;
            case AuditField.Tclass:
                return TypeValue == AuditEventType.Selinux ? FromSlot(FieldKey.Tclass, hexAllowed: false) : default;
            case AuditField.Apparmor:
                return TypeValue == AuditEventType.AppArmor ? FromSlot(FieldKey.Apparmor, hexAllowed: false) : default;
            case AuditField.Operation:
                return TypeValue == AuditEventType.AppArmor ? FromSlot(FieldKey.Operation, hexAllowed: false) : default;
            case AuditField.Profile:
                return TypeValue == AuditEventType.AppArmor ? FromSlot(FieldKey.Profile, hexAllowed: true) : default;
            case AuditField.Name:
                return TypeValue != AuditEventType.Seccomp ? FromSlot(FieldKey.Name, hexAllowed: true) : default;
            case AuditField.ExtraInfo:
                return TypeValue == AuditEventType.AppArmor ? ExtraInfoSource() : default;
            default:
                return default;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private readonly TextSource FromSlot(FieldKey key, bool hexAllowed)
    {
        ref readonly var slot = ref Slots[(int)key];
        if (slot.State is not (SlotState.Quoted or SlotState.Bare))
        {
            return default;
        }

        var kind = hexAllowed && slot.State == SlotState.Bare && KernelHex.IsEncoded(LineBytes.Slice(slot.Start, slot.Length))
            ? TextSourceKind.Hex
            : TextSourceKind.Line;
        return new TextSource(slot.Start, slot.Length, kind);
    }

    // Upstream's extra_info: what follows comm= up to the record end, after Go's \s (which "\s*(.*)" skips).
    private readonly TextSource ExtraInfoSource()
    {
        if (CommEnd < 0 || CommEnd >= RecordEnd)
        {
            return default;
        }

        var start = CommEnd;
        while (start < RecordEnd && LineBytes[start] is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\f' or (byte)'\r')
        {
            start++;
        }

        return start < RecordEnd ? new TextSource(start, RecordEnd - start, TextSourceKind.ExtraInfo) : default;
    }
}

/// <summary>How a text field's bytes become its text.</summary>
internal enum TextSourceKind : byte
{
    Absent = 0,

    /// <summary>UTF-8 in the line, as is.</summary>
    Line,

    /// <summary>Kernel hex in the line (or, once decoded, UTF-8 in a decode buffer).</summary>
    Hex,

    /// <summary>From the line, with <c>"</c> turned into <c>'</c> as upstream's extra_info.</summary>
    ExtraInfo,
}

/// <summary>Where one text field's bytes are.</summary>
internal readonly struct TextSource(int start, int length, TextSourceKind kind)
{
    public int Start { get; } = start;

    public int Length { get; } = length;

    public TextSourceKind Kind { get; } = kind;
}
