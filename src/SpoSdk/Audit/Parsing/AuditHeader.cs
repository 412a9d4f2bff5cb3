using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

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
    /// single spaces), so its <c>type=</c> is found by stepping back over the type token instead of searching, and
    /// nothing the marker search already matched is read again. No earlier header can exist: one starting before that
    /// space-preceded <c>type=</c> would end at a space at or before it, so its marker would come before the first one.
    /// Any other shape takes the search.
    /// </summary>
    public static bool TryFindBeforeMarker(ReadOnlySpan<byte> line, int from, int markerAt, out AuditHeader header)
    {
        if (TryFindTypeBeforeMarker(line, markerAt, out var typeStart, out var tokenEnd)
            && TryReadId(line, ClassifyCommonType(line, typeStart, tokenEnd), markerAt + AuditMarker.Length, out header))
        {
            return true;
        }

        return TryFind(line, from, out header);
    }

    /// <summary>
    /// Finds the type token of <c>type=T msg=audit(</c> or <c>type=T audit(</c> ending right before the marker at
    /// <paramref name="markerAt"/>: 1 to <see cref="MaxTypeTokenLength"/> bytes, no space, <c>type=</c> at the line
    /// start or after a space. The same header <see cref="TryRead"/> would accept there.
    /// </summary>
    private static bool TryFindTypeBeforeMarker(ReadOnlySpan<byte> line, int markerAt, out int typeStart, out int tokenEnd)
    {
        typeStart = tokenEnd = 0;
        if ((uint)markerAt > (uint)line.Length || !line[markerAt..].StartsWith(AuditMarker))
        {
            return false;
        }

        tokenEnd = markerAt >= 5 && line.Slice(markerAt - 5, 5).SequenceEqual(" msg="u8) ? markerAt - 5
            : markerAt >= 1 && line[markerAt - 1] == (byte)' ' ? markerAt - 1
            : -1;
        if (tokenEnd <= 0)
        {
            return false;
        }

        var limit = Math.Max(0, tokenEnd - MaxTypeTokenLength - 5);
        int at;
        if (Vector256.IsHardwareAccelerated && line.Length >= Vector256<byte>.Count)
        {
            // The last space in the 32 bytes before tokenEnd (or from the line start), found at once; with none
            // there, the byte loop below decides.
            var from = Math.Max(0, tokenEnd - Vector256<byte>.Count);
            var spaces = Vector256.Equals(Vector256.LoadUnsafe(ref MemoryMarshal.GetReference(line), (nuint)from), Vector256.Create((byte)' ')).ExtractMostSignificantBits()
                & (uint)((1UL << (tokenEnd - from)) - 1);
            at = spaces != 0 ? from + Vector256<byte>.Count - BitOperations.LeadingZeroCount(spaces) - 1
                : from == 0 ? -1
                : ScanBackToSpace(line, limit, tokenEnd);
        }
        else
        {
            at = ScanBackToSpace(line, limit, tokenEnd);
        }

        // at is the space before "type=", or one before the scan's limit.
        at++;
        typeStart = at + 5;
        return (at == 0 || line[at - 1] == (byte)' ') && typeStart < tokenEnd && line.Slice(at, 5).SequenceEqual("type="u8);
    }

    /// <summary>The last space in [<paramref name="limit"/>, <paramref name="end"/>), or <paramref name="limit"/> - 1.</summary>
    private static int ScanBackToSpace(ReadOnlySpan<byte> line, int limit, int end)
    {
        var at = end - 1;
        while (at >= limit && line[at] != (byte)' ')
        {
            at--;
        }

        return at;
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

        return TryReadId(line, recordType, i, out header);
    }

    /// <summary>Reads <c>T:S):</c> from <paramref name="idStart"/>, the first byte inside <c>audit(</c>, for a record of a type this parser handles.</summary>
    private static bool TryReadId(ReadOnlySpan<byte> line, int recordType, int idStart, out AuditHeader header)
    {
        if (recordType is not (Seccomp or Avc or (>= AppArmorBase and <= AppArmorLast)))
        {
            // A record of another type: the line is taken, so nothing inside it can pose as a second header.
            header = new AuditHeader(0, idStart, 0, 0, 0, idStart);
            return true;
        }

        if (TryReadShortId(line, recordType, idStart, out header))
        {
            return true;
        }

        header = default;
        var i = idStart;
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
        if (!TryReadSerial(line, ref i, out var serial) || !line[i..].StartsWith("):"u8))
        {
            return false;
        }

        header = new AuditHeader(recordType, idStart, i - idStart, timestampLength, serial, i + 2);
        return true;
    }

    /// <summary>
    /// The common case of <see cref="TryReadId"/> without a loop per digit: an id that ends within 32 bytes and a
    /// serial of at most eight digits, read from one vector's digit mask. False when the id has any other shape,
    /// which the caller then reads byte by byte; it accepts exactly what that reading would.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TryReadShortId(ReadOnlySpan<byte> line, int recordType, int idStart, out AuditHeader header)
    {
        header = default;
        if (!Vector256.IsHardwareAccelerated || idStart > line.Length - Vector256<byte>.Count)
        {
            return false;
        }

        ref var id = ref Unsafe.Add(ref MemoryMarshal.GetReference(line), idStart);
        var bytes = Vector256.LoadUnsafe(ref id);
        var nonDigits = ~Vector256.LessThanOrEqual(bytes - Vector256.Create((byte)'0'), Vector256.Create((byte)9)).ExtractMostSignificantBits();

        // The seconds, then an optional fraction; each run is 1 to 20 digits, like SkipDigits.
        var i = BitOperations.TrailingZeroCount(nonDigits);
        if ((uint)(i - 1) >= MaxNumberLength)
        {
            return false;
        }

        if (Unsafe.Add(ref id, i) == (byte)'.')
        {
            var fraction = BitOperations.TrailingZeroCount(nonDigits >> (i + 1));
            if ((uint)(fraction - 1) >= MaxNumberLength)
            {
                return false;
            }

            i += 1 + fraction;
        }

        // ':' then 1 to 8 serial digits then "):", all inside the vector.
        if (i > Vector256<byte>.Count - 4 || Unsafe.Add(ref id, i) != (byte)':')
        {
            return false;
        }

        var timestampLength = i;
        i++;
        var serialLength = BitOperations.TrailingZeroCount(nonDigits >> i);
        if ((uint)(serialLength - 1) >= 8 || i + serialLength > Vector256<byte>.Count - 2
            || Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref id, i + serialLength)) != (BitConverter.IsLittleEndian ? 0x3A29 : 0x293A)
            || !Digits.TryParseUInt32(line, idStart + i, serialLength, uint.MaxValue, out var serial))
        {
            return false;
        }

        i += serialLength;
        header = new AuditHeader(recordType, idStart, i, timestampLength, serial, idStart + i + 2);
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

    /// <summary>
    /// Reads 1 to <see cref="MaxNumberLength"/> digits that fit a <see cref="ulong"/>, skipping and parsing in one pass.
    /// A longer run fails at the <c>):</c> check after it, as its next byte is a digit.
    /// </summary>
    private static bool TryReadSerial(ReadOnlySpan<byte> line, ref int i, out ulong serial)
    {
        const ulong LastSafe = ulong.MaxValue / 10;
        var start = i;

        // Nineteen digits stay below ulong.MaxValue, so only a twentieth needs the overflow check, outside the loop.
        var limit = Math.Min(line.Length, start + MaxNumberLength - 1);
        ulong value = 0;
        while (i < limit && (uint)(line[i] - '0') <= 9)
        {
            value = (value * 10) + (uint)(line[i] - '0');
            i++;
        }

        if (i == start + MaxNumberLength - 1 && i < line.Length && (uint)(line[i] - '0') <= 9)
        {
            var d = (uint)(line[i] - '0');
            if (value > LastSafe || (value == LastSafe && d > ulong.MaxValue % 10))
            {
                serial = 0;
                return false;
            }

            value = (value * 10) + d;
            i++;
        }

        serial = value;
        return i > start;
    }

    /// <summary>
    /// As <see cref="ClassifyType"/> for the token [<paramref name="start"/>, <paramref name="end"/>) of a header
    /// read back from its marker, whose line goes on for at least eight bytes after the token start: the tokens of
    /// the records this parser reads (<c>SECCOMP</c>, <c>AVC</c>, a four-digit number) from one word, without a call.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ClassifyCommonType(ReadOnlySpan<byte> line, int start, int end)
    {
        var length = end - start;
        if (BitConverter.IsLittleEndian && length is 3 or 4 or 7 && start <= line.Length - sizeof(ulong))
        {
            var word = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref MemoryMarshal.GetReference(line), start)) & (ulong.MaxValue >> (64 - (8 * length)));
            // The length too: the mask leaves a shorter token's trailing NULs as zeros.
            if (length == 7)
            {
                // "SECCOMP"; no other seven-byte token names a record this parser reads (SYSCALL is the common one,
                // and seven digits are no record number).
                return word == 0x504D4F43434553 ? Seccomp : 0;
            }

            if (length == 3 && word == 0x435641)
            {
                // "AVC"
                return Avc;
            }

            // Four digits: each byte's high nibble is 3 and stays so after adding 6.
            var digits = (uint)word;
            if (length == 4 && ((digits & 0xF0F0F0F0u) | (((digits + 0x06060606u) & 0xF0F0F0F0u) >> 4)) == 0x33333333u)
            {
                digits &= 0x0F0F0F0Fu;
                return (int)(((digits & 0xFF) * 1000) + (((digits >> 8) & 0xFF) * 100) + (((digits >> 16) & 0xFF) * 10) + (digits >> 24));
            }
        }

        // Only SECCOMP, AVC, APPARMOR* and UNKNOWN[n] start with a letter and name a record this parser reads: the
        // other types audit.log is full of (PROCTITLE, PATH, CWD, EXECVE, CRED_*, ...) are told without a call.
        var first = line[start];
        return (uint)(first - '0') > 9 && first is not ((byte)'S' or (byte)'A' or (byte)'U') ? 0 : ClassifyType(line[start..end]);
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
