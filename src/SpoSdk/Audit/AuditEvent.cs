using System.Runtime.CompilerServices;

namespace SpoSdk.Audit;

/// <summary>
/// One parsed seccomp, SELinux or AppArmor audit record. Immutable; all text fields share one backing
/// string, so an event costs exactly one heap object and reading a field never allocates.
/// <c>default(AuditEvent)</c> is "no event" (<see cref="Type"/> is <see cref="AuditEventType.Unknown"/>).
/// </summary>
/// <remarks>
/// Fields hold what the record says: <see cref="Executable"/> is <c>exe=</c> and <see cref="Comm"/> is
/// <c>comm=</c> for every type (upstream's AppArmor "executable" is the comm; the output formatters apply that
/// rule). Numeric fields the record lacked or wrote malformed are null.
/// </remarks>
public readonly struct AuditEvent : IEquatable<AuditEvent>
{
    internal const int TextFieldCount = (int)AuditField.ExtraInfo + 1;

    private readonly string? _payload;
    private readonly TextRanges _ranges;
    private readonly string? _syscallName;
    private readonly ulong _serial;
    private readonly int _pid;
    private readonly uint _uid;
    private readonly uint _gid;
    private readonly int _syscallId;
    private readonly AuditArch _arch;
    private readonly ushort _recordType;
    private readonly AuditEventType _type;
    private readonly NumericPresence _presence;

    internal AuditEvent(
        AuditEventType type,
        int recordType,
        string payload,
        in TextRanges ranges,
        ulong serial,
        int pid,
        uint? uid,
        uint? gid,
        AuditArch arch,
        int? syscallId,
        string? syscallName)
    {
        _type = type;
        _recordType = (ushort)recordType;
        _payload = payload;
        _ranges = ranges;
        _serial = serial;
        _pid = pid;
        _uid = uid.GetValueOrDefault();
        _gid = gid.GetValueOrDefault();
        _arch = arch;
        _syscallId = syscallId.GetValueOrDefault();
        _syscallName = syscallName;
        _presence = (uid.HasValue ? NumericPresence.Uid : 0)
            | (gid.HasValue ? NumericPresence.Gid : 0)
            | (syscallId.HasValue ? NumericPresence.SyscallId : 0);
    }

    [Flags]
    private enum NumericPresence : byte
    {
        Uid = 1,
        Gid = 2,
        SyscallId = 4,
    }

    /// <summary>seccomp, selinux or apparmor; <see cref="AuditEventType.Unknown"/> for <c>default</c>.</summary>
    public AuditEventType Type => _type;

    /// <summary>The numeric audit record type: 1326 (SECCOMP), 1400 (AVC) or 1500–1507 (APPARMOR_*).</summary>
    public int RecordType => _recordType;

    /// <summary>The record id as written inside <c>audit(...)</c>, e.g. <c>1744780616.598:836036</c>.</summary>
    public AuditText AuditId => Get(AuditField.AuditId);

    /// <summary>The record's time as written, e.g. <c>1744780616.598</c> (seconds and milliseconds since the epoch).</summary>
    public AuditText Timestamp
    {
        get
        {
            var id = AuditId;
            var colon = id.Span.IndexOf(':');
            return colon < 0 ? id : new AuditText(_payload!, _ranges[(int)AuditField.AuditId].Start, colon);
        }
    }

    /// <summary>The record serial from <c>audit(T:S)</c>.</summary>
    public ulong Serial => _serial;

    /// <summary>The process id (<c>pid=</c>).</summary>
    public int Pid => _pid;

    /// <summary>The real user id (<c>uid=</c>), when logged (seccomp records carry it).</summary>
    public uint? Uid => (_presence & NumericPresence.Uid) != 0 ? _uid : null;

    /// <summary>The real group id (<c>gid=</c>), when logged.</summary>
    public uint? Gid => (_presence & NumericPresence.Gid) != 0 ? _gid : null;

    /// <summary>The record's <c>arch=</c>; <c>default</c> when absent.</summary>
    public AuditArch Arch => _arch;

    /// <summary>The syscall number (<c>syscall=</c>), seccomp only.</summary>
    public int? SyscallId => (_presence & NumericPresence.SyscallId) != 0 ? _syscallId : null;

    /// <summary>
    /// The syscall name for <see cref="SyscallId"/> on the record's own <see cref="Arch"/> (the parser's fallback
    /// architecture when the record has no <c>arch=</c>); null when unknown there.
    /// </summary>
    public string? SyscallName => _syscallName;

    /// <summary><c>exe=</c>, hex-decoded when needed.</summary>
    public AuditText Executable => Get(AuditField.Executable);

    /// <summary><c>comm=</c>, hex-decoded when needed.</summary>
    public AuditText Comm => Get(AuditField.Comm);

    /// <summary>SELinux permissions, space-separated as logged (<c>read write open</c>); see <see cref="EnumeratePerms"/>.</summary>
    public AuditText Perms => Get(AuditField.Perms);

    /// <summary>SELinux source context.</summary>
    public AuditText Scontext => Get(AuditField.Scontext);

    /// <summary>SELinux target context.</summary>
    public AuditText Tcontext => Get(AuditField.Tcontext);

    /// <summary>SELinux target class.</summary>
    public AuditText Tclass => Get(AuditField.Tclass);

    /// <summary>AppArmor verdict (<c>DENIED</c>, <c>ALLOWED</c>, <c>AUDIT</c>, <c>STATUS</c>, ...).</summary>
    public AuditText Apparmor => Get(AuditField.Apparmor);

    /// <summary>AppArmor operation.</summary>
    public AuditText Operation => Get(AuditField.Operation);

    /// <summary>AppArmor profile.</summary>
    public AuditText Profile => Get(AuditField.Profile);

    /// <summary><c>name=</c> (absent in AppArmor capability and network denials).</summary>
    public AuditText Name => Get(AuditField.Name);

    /// <summary>AppArmor only: the rest of the record after <c>comm=</c> with <c>"</c> replaced by <c>'</c>; absent when empty.</summary>
    public AuditText ExtraInfo => Get(AuditField.ExtraInfo);

    /// <summary>The characters in the backing string: the event's whole heap footprint besides the string header.</summary>
    internal int PayloadLength => _payload?.Length ?? 0;

    /// <summary>Any text field by id.</summary>
    public AuditText Get(AuditField field)
    {
        var index = (int)field;
        if (_payload is null || (uint)index >= TextFieldCount)
        {
            return default;
        }

        var range = _ranges[index];
        return range.LengthPlusOne == 0 ? default : new AuditText(_payload, range.Start, range.LengthPlusOne - 1);
    }

    /// <summary>Enumerates the SELinux permissions without allocating.</summary>
    public PermEnumerator EnumeratePerms() => new(Perms);

    /// <summary>The SELinux permissions as strings.</summary>
    public string[] GetPerms()
    {
        var result = new List<string>();
        foreach (var perm in EnumeratePerms())
        {
            result.Add(perm.ToString());
        }

        return [.. result];
    }

    /// <inheritdoc/>
    public bool Equals(AuditEvent other)
    {
        if (_type != other._type || _recordType != other._recordType || _serial != other._serial || _pid != other._pid
            || Uid != other.Uid || Gid != other.Gid || _arch != other._arch || SyscallId != other.SyscallId
            || !string.Equals(_syscallName, other._syscallName, StringComparison.Ordinal))
        {
            return false;
        }

        for (var i = 0; i < TextFieldCount; i++)
        {
            if (!Get((AuditField)i).Equals(other.Get((AuditField)i)))
            {
                return false;
            }
        }

        return true;
    }

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is AuditEvent other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(_type, _serial, _pid, AuditId, SyscallId);

    /// <summary>The event as one JSON object (the <c>spoc audit --json</c> form); allocates, meant for diagnostics.</summary>
    public override string ToString() => _type == AuditEventType.Unknown ? "{}" : Output.AuditEventJson.Serialize(this);

    /// <summary>Equality by content.</summary>
    public static bool operator ==(AuditEvent left, AuditEvent right) => left.Equals(right);

    /// <summary>Inequality by content.</summary>
    public static bool operator !=(AuditEvent left, AuditEvent right) => !left.Equals(right);

    /// <summary>Where a text field sits in the backing string; the default value means absent.</summary>
    internal struct TextRange
    {
        public int Start;
        public int LengthPlusOne;

        public TextRange(int start, int length)
        {
            Start = start;
            LengthPlusOne = length + 1;
        }
    }

    /// <summary>One range per <see cref="AuditField"/>; <c>default</c> is "all absent".</summary>
    [InlineArray(TextFieldCount)]
    internal struct TextRanges
    {
        private TextRange _element0;
    }

    /// <summary>Splits <see cref="Perms"/> on spaces without allocating.</summary>
    public ref struct PermEnumerator
    {
        private ReadOnlySpan<char> _rest;

        internal PermEnumerator(AuditText perms)
        {
            _rest = perms.Span;
            Current = default;
        }

        /// <summary>The current permission.</summary>
        public ReadOnlySpan<char> Current { get; private set; }

        /// <summary>Returns this enumerator.</summary>
        public readonly PermEnumerator GetEnumerator() => this;

        /// <summary>Moves to the next permission.</summary>
        public bool MoveNext()
        {
            _rest = _rest.TrimStart(' ');
            if (_rest.IsEmpty)
            {
                return false;
            }

            var end = _rest.IndexOf(' ');
            if (end < 0)
            {
                end = _rest.Length;
            }

            Current = _rest[..end];
            _rest = _rest[end..];
            return true;
        }
    }
}
