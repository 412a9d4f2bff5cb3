namespace SpoSdk.Audit.Parsing;

/// <summary>
/// Finds and reads the record header, the one part every supported line shares: auditd's
/// <c>type=SECCOMP msg=audit(1613596317.899:6461):</c> or the kernel log's <c>type=1326 audit(1625740283.502:574):</c>.
/// </summary>
internal readonly ref struct AuditHeader
{
    /// <summary>AUDIT_SECCOMP.</summary>
    public const int Seccomp = 1326;

    /// <summary>AUDIT_AVC, shared by SELinux and the kernel's AppArmor messages.</summary>
    public const int Avc = 1400;

    /// <summary>AUDIT_APPARMOR_AUDIT - 1: the bare <c>APPARMOR</c> prefix upstream matches.</summary>
    public const int AppArmorBase = 1500;

    /// <summary>AUDIT_APPARMOR_KILL, the last AppArmor type.</summary>
    public const int AppArmorLast = 1507;

    /// <summary>What every header holds right before its id: <c>msg=audit(</c> or <c>audit(</c>.</summary>
    public static ReadOnlySpan<byte> AuditMarker => "audit("u8;

    /// <summary>
    /// The farthest a header's <c>type=</c> can start before its <see cref="AuditMarker"/>:
    /// <c>type=</c>, the type token, a space and <c>msg=</c>.
    /// </summary>
    public const int MaxTypeToAuditMarker = 5 + MaxTypeTokenLength + 1 + 4;

    // Bounds that keep every candidate check O(1): a type token or a number longer than these is not a header.
    private const int MaxTypeTokenLength = 32;
    private const int MaxNumberLength = 20;

    public AuditHeader(int recordType, int idStart, int idLength, int timestampLength, ulong serial, int fieldsStart)
    {
        RecordType = recordType;
        IdStart = idStart;
        IdLength = idLength;
        TimestampLength = timestampLength;
        Serial = serial;
        FieldsStart = fieldsStart;
    }

    /// <summary>The numeric type; 0 for a record of a type this parser does not handle.</summary>
    public int RecordType { get; }

    /// <summary>Where <c>T:S</c> inside <c>audit(T:S)</c> starts.</summary>
    public int IdStart { get; }

    /// <summary>The length of <c>T:S</c>.</summary>
    public int IdLength { get; }

    /// <summary>The length of <c>T</c>.</summary>
    public int TimestampLength { get; }

    /// <summary>S.</summary>
    public ulong Serial { get; }

    /// <summary>The first byte after <c>):</c>.</summary>
    public int FieldsStart { get; }

    /// <summary>
    /// Finds the first well-formed header in the line. Every <c>type=</c> occurrence is checked in constant
    /// time, so the search is linear in the line length whatever the line holds.
    /// </summary>
    public static bool TryFind(ReadOnlySpan<byte> line, out AuditHeader header) => TryFind(line, 0, out header);

    /// <summary>As <see cref="TryFind(ReadOnlySpan{byte}, out AuditHeader)"/>, knowing no well-formed header starts before <paramref name="from"/>.</summary>
    public static bool TryFind(ReadOnlySpan<byte> line, int from, out AuditHeader header)
    {
        while (from < line.Length)
        {
            var found = line[from..].IndexOf("type="u8);
            if (found < 0)
            {
                break;
            }

            var at = from + found;
            if (TryRead(line, at, out header))
            {
                return true;
            }

            from = at + 5;
        }

        header = default;
        return false;
    }

    /// <summary>
    /// As <see cref="TryFind(ReadOnlySpan{byte}, int, out AuditHeader)"/> when <paramref name="markerAt"/> is the first
    /// <see cref="AuditMarker"/> in the line. The usual header ends right at it (<c>type=T msg=audit(</c> with
    /// single spaces), so its <c>type=</c> is found by stepping back over the type token instead of searching. No
    /// earlier header can exist: one starting before that space-preceded <c>type=</c> would end at a space at or before
    /// it, so its marker would come before the first one. Any other shape takes the search.
    /// </summary>
    public static bool TryFindBeforeMarker(ReadOnlySpan<byte> line, int from, int markerAt, out AuditHeader header)
    {
        var tokenEnd = markerAt >= 5 && line[(markerAt - 5)..markerAt].SequenceEqual(" msg="u8) ? markerAt - 5
            : markerAt >= 1 && line[markerAt - 1] == (byte)' ' ? markerAt - 1
            : -1;
        if (tokenEnd > 0)
        {
            var limit = Math.Max(0, tokenEnd - MaxTypeTokenLength - 5);
            var at = tokenEnd - 1;
            while (at >= limit && line[at] != (byte)' ')
            {
                at--;
            }

            // at is the space before "type=", or one before the line start.
            at++;
            if ((at == 0 || line[at - 1] == (byte)' ') && line[at..].StartsWith("type="u8) && TryRead(line, at, out header))
            {
                return true;
            }
        }

        return TryFind(line, from, out header);
    }

    private static bool TryRead(ReadOnlySpan<byte> line, int at, out AuditHeader header)
    {
        header = default;

        // "filetype=" is not "type=".
        if (at > 0 && !ByteClass.IsSeparator(line[at - 1]))
        {
            return false;
        }

        var i = at + 5;
        var typeStart = i;
        var typeLimit = Math.Min(line.Length, typeStart + MaxTypeTokenLength);
        while (i < typeLimit && line[i] != (byte)' ')
        {
            i++;
        }

        if (i >= line.Length || line[i] != (byte)' ' || i == typeStart)
        {
            return false;
        }

        var recordType = ClassifyType(line[typeStart..i]);
        i++;
        var rest = line[i..];
        if (rest.StartsWith("msg=audit("u8))
        {
            i += 10;
        }
        else if (rest.StartsWith("audit("u8))
        {
            i += 6;
        }
        else
        {
            return false;
        }

        if (recordType is not (Seccomp or Avc or (>= AppArmorBase and <= AppArmorLast)))
        {
            // A record of another type: the line is taken, so nothing inside it can pose as a second header.
            header = new AuditHeader(0, i, 0, 0, 0, i);
            return true;
        }

        var idStart = i;
        if (!SkipDigits(line, ref i))
        {
            return false;
        }

        if (i < line.Length && line[i] == (byte)'.')
        {
            i++;
            if (!SkipDigits(line, ref i))
            {
                return false;
            }
        }

        var timestampLength = i - idStart;
        if (i >= line.Length || line[i] != (byte)':')
        {
            return false;
        }

        i++;
        var serialStart = i;
        if (!SkipDigits(line, ref i) || !Digits.TryParse(line[serialStart..i], ulong.MaxValue, out var serial))
        {
            return false;
        }

        if (!line[i..].StartsWith("):"u8))
        {
            return false;
        }

        header = new AuditHeader(recordType, idStart, i - idStart, timestampLength, serial, i + 2);
        return true;
    }

    private static bool SkipDigits(ReadOnlySpan<byte> line, ref int i)
    {
        var start = i;
        var limit = Math.Min(line.Length, start + MaxNumberLength);
        while (i < limit && (uint)(line[i] - '0') <= 9)
        {
            i++;
        }

        return i > start;
    }

    private static int ClassifyType(ReadOnlySpan<byte> token)
    {
        if ((uint)(token[0] - '0') <= 9)
        {
            return ParseSmallNumber(token);
        }

        if (token.SequenceEqual("SECCOMP"u8))
        {
            return Seccomp;
        }

        if (token.SequenceEqual("AVC"u8))
        {
            return Avc;
        }

        if (token.StartsWith("APPARMOR"u8))
        {
            var suffix = token[8..];
            return suffix switch
            {
                _ when suffix.SequenceEqual("_AUDIT"u8) => 1501,
                _ when suffix.SequenceEqual("_ALLOWED"u8) => 1502,
                _ when suffix.SequenceEqual("_DENIED"u8) => 1503,
                _ when suffix.SequenceEqual("_HINT"u8) => 1504,
                _ when suffix.SequenceEqual("_STATUS"u8) => 1505,
                _ when suffix.SequenceEqual("_ERROR"u8) => 1506,
                _ when suffix.SequenceEqual("_KILL"u8) => 1507,
                _ => AppArmorBase,
            };
        }

        // auditd spells types it has no name for as UNKNOWN[1326].
        if (token.StartsWith("UNKNOWN["u8) && token[^1] == (byte)']')
        {
            return ParseSmallNumber(token[8..^1]);
        }

        return 0;
    }

    private static int ParseSmallNumber(ReadOnlySpan<byte> digits)
    {
        if (digits.IsEmpty || digits.Length > 5)
        {
            return 0;
        }

        var value = 0;
        foreach (var b in digits)
        {
            var d = (uint)(b - '0');
            if (d > 9)
            {
                return 0;
            }

            value = (value * 10) + (int)d;
        }

        return value;
    }
}
