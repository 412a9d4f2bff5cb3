using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Text;

namespace SpoSdk.Audit.Parsing;

/// <summary>
/// Parses seccomp, SELinux AVC and AppArmor audit records from single log lines, in auditd form
/// (<c>type=SECCOMP msg=audit(T:S): ...</c>) and kernel syslog/journal form (<c>kernel: [..] audit: type=1326 audit(T:S): ...</c>).
/// </summary>
/// <remarks>
/// <para>Linear time on any input and no regular expressions: the header search checks each <c>type=</c>
/// in constant time and the tokenizer makes one forward pass. Fields may come in any order. A quoted value ends
/// at its closing quote and can never inject a field (upstream #3238). Values the kernel hex-encoded
/// (<c>comm=6D7920617070</c>) are decoded; invalid UTF-8 becomes U+FFFD; NUL separates tokens.</para>
/// <para>Allocation: nothing for a line that is not an event, nothing for an event handed out as an
/// <see cref="AuditEventView"/> (<see cref="ParseLineViews"/>, <see cref="ParseView"/>), exactly one string per
/// event materialised as an <see cref="AuditEvent"/>.</para>
/// <para>Thread-safe; the only state is <see cref="Counters"/>.</para>
/// </remarks>
[SkipLocalsInit]
public sealed class AuditLineParser
{
    private const int StackBytes = 256;

    // Every key a seccomp event uses; AppArmor needs the record end for extra_info and SELinux lines rarely carry all.
    private const uint SeccompKeys = (1u << (int)FieldKey.Pid) | (1u << (int)FieldKey.Uid) | (1u << (int)FieldKey.Gid)
        | (1u << (int)FieldKey.Arch) | (1u << (int)FieldKey.Syscall) | (1u << (int)FieldKey.Exe) | (1u << (int)FieldKey.Comm);

    private readonly int _maxLineBytes;
    private readonly AuditArch _fallbackArch;

    /// <summary>Creates a parser.</summary>
    public AuditLineParser(AuditParserOptions? options = null)
    {
        Options = options ?? new AuditParserOptions();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Options.MaxLineBytes, nameof(options));
        _maxLineBytes = Options.MaxLineBytes;
        _fallbackArch = Options.FallbackArch;
    }

    /// <summary>The options in effect.</summary>
    public AuditParserOptions Options { get; }

    /// <summary>Counts of oversized and rejected lines.</summary>
    public AuditParserCounters Counters { get; } = new();

    /// <summary>
    /// Parses a block of whole UTF-8 lines (each ending in <c>\n</c>; a last line without one counts as whole) and
    /// hands every event to <paramref name="sink"/> in order, materialised (see <see cref="ParseLineViews"/>, which
    /// this wraps). Returns the number of events.
    /// </summary>
    public int ParseLines<TSink>(ReadOnlySpan<byte> lines, ref TSink sink)
        where TSink : IAuditEventSink, allows ref struct
    {
        var materializer = new MaterializingSink<TSink>(sink);
        try
        {
            return ParseLineViews(lines, ref materializer);
        }
        finally
        {
            // A struct sink sees its own updates even when a later call throws.
            sink = materializer.Inner;
        }
    }

    /// <summary>
    /// Parses a block of whole UTF-8 lines (each ending in <c>\n</c>; a last line without one counts as whole) and
    /// hands every event to <paramref name="sink"/> in order as a view borrowed from <paramref name="lines"/>.
    /// Equivalent to <see cref="Parse(ReadOnlySpan{byte}, out AuditEvent)"/> line by line, but it looks only at lines
    /// holding <c>audit(</c>, which every record header holds: one vectorized pass finds them, so ordinary log lines
    /// are never split, let alone parsed. Oversized lines are therefore counted only when they hold <c>audit(</c>.
    /// Returns the number of events.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public int ParseLineViews<TSink>(ReadOnlySpan<byte> lines, ref TSink sink)
        where TSink : IAuditEventViewSink, allows ref struct
    {
        var events = 0;
        var view = default(AuditEventView);
        var found = new AuditMarkerLines(lines);
        while (found.MoveNext())
        {
            if (Parse(found.Line, found.SearchFrom, found.MarkerAt, ref view) == AuditParseResult.Event)
            {
                events++;
                sink.OnEvent(in view);
            }
        }

        return events;
    }

    /// <summary>Parses one UTF-8 line (without its line break) into a view borrowed from it.</summary>
    public AuditParseResult ParseView(ReadOnlySpan<byte> line, out AuditEventView auditEvent)
    {
        auditEvent = default;
        return Parse(line, 0, -1, ref auditEvent);
    }

    /// <param name="line">The line.</param>
    /// <param name="searchFrom">No well-formed header starts before this.</param>
    /// <param name="markerAt">The first <see cref="AuditHeader.AuditMarker"/> in the line, or -1 when not known.</param>
    /// <param name="view">Filled with the event; reused across lines, so every field the event reads is set.</param>
    /// <remarks>
    /// Not inlined: the JIT's inline budget for <see cref="ParseLineViews"/> (itself run as on-stack-replaced code, as it
    /// is called rarely and loops long) then goes to the marker walk's small helpers instead of running out on the header.
    /// </remarks>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private AuditParseResult Parse(ReadOnlySpan<byte> line, int searchFrom, int markerAt, ref AuditEventView view)
    {
        if (line.Length > _maxLineBytes)
        {
            Counters.AddOversized();
            return AuditParseResult.Oversized;
        }

        var found = markerAt >= 0 ? AuditHeader.TryFindBeforeMarker(line, searchFrom, markerAt, out var header)
            : AuditHeader.TryFind(line, searchFrom, out header);
        if (!found)
        {
            return AuditParseResult.NotAudit;
        }

        var result = ParseRecord(line, header, ref view);
        if (result == AuditParseResult.Rejected)
        {
            Counters.AddRejected();
        }

        return result;
    }

    /// <summary>Parses one UTF-8 line (without its line break).</summary>
    public AuditParseResult Parse(ReadOnlySpan<byte> line, out AuditEvent auditEvent)
    {
        var view = default(AuditEventView);
        var result = Parse(line, 0, -1, ref view);
        auditEvent = result == AuditParseResult.Event ? view.ToEvent() : default;
        return result;
    }

    /// <summary>Parses one line of text (without its line break); the cap applies to its UTF-8 length.</summary>
    public AuditParseResult Parse(ReadOnlySpan<char> line, out AuditEvent auditEvent)
    {
        auditEvent = default;

        // Every UTF-16 unit takes at least one UTF-8 byte, so this is a cheap lower bound.
        if (line.Length > _maxLineBytes)
        {
            Counters.AddOversized();
            return AuditParseResult.Oversized;
        }

        if (line.IndexOf("type=", StringComparison.Ordinal) < 0)
        {
            return AuditParseResult.NotAudit;
        }

        var byteCount = Encoding.UTF8.GetByteCount(line);
        if (byteCount > _maxLineBytes)
        {
            Counters.AddOversized();
            return AuditParseResult.Oversized;
        }

        byte[]? rented = null;
        var buffer = byteCount <= 1024 ? stackalloc byte[1024] : (rented = ArrayPool<byte>.Shared.Rent(byteCount));
        try
        {
            var written = Encoding.UTF8.GetBytes(line, buffer);
            return Parse(buffer[..written], out auditEvent);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>Parses one UTF-8 line; true when it held an event.</summary>
    public bool TryParse(ReadOnlySpan<byte> line, out AuditEvent auditEvent) => Parse(line, out auditEvent) == AuditParseResult.Event;

    /// <summary>Parses one line of text; true when it held an event.</summary>
    public bool TryParse(string line, out AuditEvent auditEvent)
    {
        ArgumentNullException.ThrowIfNull(line);
        return Parse(line.AsSpan(), out auditEvent) == AuditParseResult.Event;
    }

    private AuditParseResult ParseRecord(ReadOnlySpan<byte> line, in AuditHeader header, ref AuditEventView view)
    {
        var recordType = header.RecordType;
        AuditEventType type;
        var fieldsStart = header.FieldsStart;
        int permsStart = 0, permsLength = -1;
        if (recordType == AuditHeader.Seccomp)
        {
            type = AuditEventType.Seccomp;
        }
        else if (recordType == AuditHeader.Avc)
        {
            // The kernel's AppArmor messages share AVC's number; SELinux ones start with "avc:".
            if (TryReadSelinuxPerms(line, ref fieldsStart, out permsStart, out permsLength, out var isSelinux))
            {
                type = AuditEventType.Selinux;
            }
            else if (isSelinux)
            {
                return AuditParseResult.Rejected;
            }
            else
            {
                type = AuditEventType.AppArmor;
            }
        }
        else if (recordType is >= AuditHeader.AppArmorBase and <= AuditHeader.AppArmorLast)
        {
            type = AuditEventType.AppArmor;
        }
        else
        {
            return AuditParseResult.NotAudit;
        }

        // The view is reused across lines: the scanner fills only the slots it finds.
        ref var slots = ref view.Slots;
        slots = default;
        var recordEnd = AuditFieldScanner.Scan(line, fieldsStart, type == AuditEventType.Seccomp ? SeccompKeys : 0, ref slots, out var commEnd);
        if (recordType == AuditHeader.Avc && type == AuditEventType.AppArmor && slots[(int)FieldKey.Apparmor].State == SlotState.Missing)
        {
            // An AVC record that is neither an SELinux AVC nor an AppArmor message.
            return AuditParseResult.NotAudit;
        }

        if (!TryParseInt(line, slots[(int)FieldKey.Pid], out var pid))
        {
            return AuditParseResult.Rejected;
        }

        var syscall = 0;
        switch (type)
        {
            case AuditEventType.Seccomp:
                if (!TryParseInt(line, slots[(int)FieldKey.Syscall], out syscall))
                {
                    return AuditParseResult.Rejected;
                }

                break;
            case AuditEventType.Selinux:
                if (!IsNonEmptyValue(slots[(int)FieldKey.Scontext]) || !IsNonEmptyValue(slots[(int)FieldKey.Tcontext])
                    || !IsNonEmptyValue(slots[(int)FieldKey.Tclass]))
                {
                    return AuditParseResult.Rejected;
                }

                break;
            default:
                if (!IsValue(slots[(int)FieldKey.Apparmor]) || !IsValue(slots[(int)FieldKey.Operation]))
                {
                    return AuditParseResult.Rejected;
                }

                break;
        }

        // uid, gid and arch are parsed only when read (see AuditEventView.Uid): none of them can reject the record.
        view.HasSyscall = type == AuditEventType.Seccomp;
        view.SyscallValue = syscall;
        view.PidValue = pid;
        view.TypeValue = type;
        view.RecordTypeValue = (ushort)recordType;
        view.SerialValue = header.Serial;
        view.IdStart = header.IdStart;
        view.IdLength = header.IdLength;
        view.PermsStart = permsStart;
        view.PermsLength = permsLength;
        view.CommEnd = commEnd;
        view.RecordEnd = recordEnd;
        view.FallbackArch = _fallbackArch;
        view.LineBytes = line;
        return AuditParseResult.Event;
    }

    /// <summary>
    /// Reads <c>avc:  denied  { read write } for</c>. Returns false with <paramref name="isSelinux"/> false when
    /// the record does not start with <c>avc:</c>, and with it true when the block is malformed.
    /// </summary>
    private static bool TryReadSelinuxPerms(ReadOnlySpan<byte> line, ref int position, out int permsStart, out int permsLength, out bool isSelinux)
    {
        permsStart = 0;
        permsLength = -1;
        var i = SkipSeparators(line, position);
        isSelinux = line[i..].StartsWith("avc:"u8);
        if (!isSelinux)
        {
            return false;
        }

        // The verdict word (denied/granted), then the brace block.
        i = SkipSeparators(line, i + 4);
        while (i < line.Length && ByteClass.IsKeyByte(line[i]))
        {
            i++;
        }

        i = SkipSeparators(line, i);
        if (i >= line.Length || line[i] != (byte)'{')
        {
            return false;
        }

        // Permission names are identifiers separated by spaces, up to the closing brace; anything else is not a
        // kernel AVC. A block that closes within 32 bytes is checked from one vector's masks, a longer one byte by byte.
        if (Vector256.IsHardwareAccelerated && i + 1 <= line.Length - Vector256<byte>.Count)
        {
            var bytes = Vector256.LoadUnsafe(ref MemoryMarshal.GetReference(line), (nuint)(i + 1));
            var close = Vector256.Equals(bytes, Vector256.Create((byte)'}')).ExtractMostSignificantBits();
            if (close != 0)
            {
                var inside = (close & (0 - close)) - 1;
                var spaces = Vector256.Equals(bytes, Vector256.Create((byte)' ')).ExtractMostSignificantBits();
                var names = (Vector256.Equals(bytes, Vector256.Create((byte)'_'))
                    | Vector256.LessThanOrEqual((bytes | Vector256.Create((byte)0x20)) - Vector256.Create((byte)'a'), Vector256.Create((byte)('z' - 'a')))
                    | Vector256.LessThanOrEqual(bytes - Vector256.Create((byte)'0'), Vector256.Create((byte)9))).ExtractMostSignificantBits() & inside;
                if (((spaces | names) & inside) != inside || names == 0)
                {
                    return false;
                }

                permsStart = i + 1 + BitOperations.TrailingZeroCount(names);
                permsLength = i + 1 + (31 - BitOperations.LeadingZeroCount(names)) - permsStart + 1;
                position = i + 1 + BitOperations.TrailingZeroCount(close) + 1;
                return true;
            }
        }

        var first = -1;
        var last = -1;
        var j = i + 1;
        for (; j < line.Length; j++)
        {
            var b = line[j];
            if (b == (byte)' ')
            {
                continue;
            }

            if (b == (byte)'}')
            {
                break;
            }

            if (!(b == (byte)'_' || (uint)((b | 0x20) - 'a') <= 'z' - 'a' || (uint)(b - '0') <= 9))
            {
                return false;
            }

            first = first < 0 ? j : first;
            last = j;
        }

        if (j >= line.Length || first < 0)
        {
            return false;
        }

        permsStart = first;
        permsLength = last - first + 1;
        position = j + 1;
        return true;
    }

    private static int SkipSeparators(ReadOnlySpan<byte> line, int i)
    {
        while (i < line.Length && ByteClass.IsSeparator(line[i]))
        {
            i++;
        }

        return i;
    }

    private static bool IsValue(in FieldSlot slot) => slot.State is SlotState.Quoted or SlotState.Bare;

    private static bool IsNonEmptyValue(in FieldSlot slot) => IsValue(slot) && slot.Length > 0;

    private static bool TryParseInt(ReadOnlySpan<byte> line, in FieldSlot slot, out int value)
    {
        var parsed = 0u;
        var ok = slot.State == SlotState.Bare && Digits.TryParseUInt32(line, slot.Start, slot.Length, int.MaxValue, out parsed);
        value = (int)parsed;
        return ok;
    }

    internal static bool TryParseUInt(ReadOnlySpan<byte> line, in FieldSlot slot, out uint value)
    {
        value = 0;
        return slot.State == SlotState.Bare && Digits.TryParseUInt32(line, slot.Start, slot.Length, uint.MaxValue, out value);
    }

    internal static bool TryParseHex(ReadOnlySpan<byte> line, in FieldSlot slot, out uint value)
    {
        value = 0;
        return slot.State == SlotState.Bare && Digits.TryParseHex(line.Slice(slot.Start, slot.Length), out value) && value != 0;
    }

    /// <summary>Copies a view's text into the one string an <see cref="AuditEvent"/> holds.</summary>
    internal static AuditEvent Materialize(in AuditEventView view)
    {
        var sources = default(PayloadSources);
        var hexBytes = 0;
        var end = view.IdStart + view.IdLength;

        // Constant fields, so the JIT folds each inlined Source switch to the one case: only the fields the type carries are visited.
        Put(in view, AuditField.AuditId, ref sources, ref hexBytes, ref end);
        Put(in view, AuditField.Executable, ref sources, ref hexBytes, ref end);
        Put(in view, AuditField.Comm, ref sources, ref hexBytes, ref end);
        if (view.TypeValue == AuditEventType.Selinux)
        {
            Put(in view, AuditField.Perms, ref sources, ref hexBytes, ref end);
            Put(in view, AuditField.Scontext, ref sources, ref hexBytes, ref end);
            Put(in view, AuditField.Tcontext, ref sources, ref hexBytes, ref end);
            Put(in view, AuditField.Tclass, ref sources, ref hexBytes, ref end);
            Put(in view, AuditField.Name, ref sources, ref hexBytes, ref end);
        }
        else if (view.TypeValue == AuditEventType.AppArmor)
        {
            Put(in view, AuditField.Apparmor, ref sources, ref hexBytes, ref end);
            Put(in view, AuditField.Operation, ref sources, ref hexBytes, ref end);
            Put(in view, AuditField.Profile, ref sources, ref hexBytes, ref end);
            Put(in view, AuditField.Name, ref sources, ref hexBytes, ref end);
            Put(in view, AuditField.ExtraInfo, ref sources, ref hexBytes, ref end);
        }

        var payload = BuildPayload(view.LineBytes, view.IdStart, end, ref sources, hexBytes, out var ranges);
        return new AuditEvent(view.TypeValue, view.RecordTypeValue, payload, ranges, view.SerialValue, view.PidValue, view.Uid, view.Gid, view.Arch, view.SyscallId, view.SyscallName);
    }

    /// <summary>Records where <paramref name="field"/>'s text comes from, the hex bytes it will need, and how far the text reaches.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Put(in AuditEventView view, AuditField field, ref PayloadSources sources, ref int hexBytes, ref int end)
    {
        var source = view.Source(field);
        sources[(int)field] = source;
        hexBytes += source.Kind == TextSourceKind.Hex ? source.Length / 2 : 0;
        end = source.Kind == TextSourceKind.Absent ? end : Math.Max(end, source.Start + source.Length);
    }

    private static string BuildPayload(ReadOnlySpan<byte> line, int idStart, int recordEnd, ref PayloadSources sources, int hexBytes, out AuditEvent.TextRanges ranges)
    {
        byte[]? rented = null;
        var hex = hexBytes == 0 ? default : hexBytes <= StackBytes ? stackalloc byte[StackBytes] : (rented = ArrayPool<byte>.Shared.Rent(hexBytes));
        try
        {
            // Hex values are decoded first so that every source is plain UTF-8 with a known UTF-16 length. An
            // all-ASCII record (nearly every one) skips the per-field check: each field's length in chars is its length
            // in bytes. Every source lies between the id and the record end, so the syslog prefix and auditd's
            // interpretations after it need no check.
            var ascii = hexBytes == 0 && Ascii.IsValid(line[idStart..recordEnd]);
            var hexUsed = 0;
            ranges = default;
            var total = 0;
            var present = PresentFields(ref sources);
            for (var rest = present; rest != 0; rest &= rest - 1)
            {
                var f = BitOperations.TrailingZeroCount(rest);
                ref var source = ref sources[f];
                if (source.Kind == TextSourceKind.Hex)
                {
                    var count = KernelHex.Decode(line.Slice(source.Start, source.Length), hex[hexUsed..]);
                    source = new TextSource(hexUsed, count, TextSourceKind.Hex);
                    hexUsed += count;
                }

                int chars;
                if (ascii)
                {
                    chars = source.Length;
                }
                else
                {
                    var bytes = source.Kind == TextSourceKind.Hex ? hex.Slice(source.Start, source.Length) : line.Slice(source.Start, source.Length);
                    chars = Ascii.IsValid(bytes) ? bytes.Length : Encoding.UTF8.GetCharCount(bytes);
                }

                ranges[f] = new AuditEvent.TextRange(total, chars);
                total += chars;
            }

            var state = new PayloadState(line, hex, ref sources, present, ascii);
            return string.Create(total, state, static (span, state) =>
            {
                var offset = 0;
                for (var rest = state.Present; rest != 0; rest &= rest - 1)
                {
                    var source = state.Sources[BitOperations.TrailingZeroCount(rest)];
                    int written;
                    if (state.Ascii)
                    {
                        Widen(state.Line, source.Start, source.Length, span, offset);
                        written = source.Length;
                    }
                    else
                    {
                        var bytes = source.Kind == TextSourceKind.Hex ? state.Hex.Slice(source.Start, source.Length) : state.Line.Slice(source.Start, source.Length);
                        if (Ascii.ToUtf16(bytes, span[offset..], out written) != OperationStatus.Done)
                        {
                            written = Encoding.UTF8.GetChars(bytes, span[offset..]);
                        }
                    }

                    if (source.Kind == TextSourceKind.ExtraInfo)
                    {
                        span.Slice(offset, written).Replace('"', '\'');
                    }

                    offset += written;
                }
            });
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>
    /// Widens <paramref name="length"/> known-ASCII bytes of the line at <paramref name="start"/> into the string at
    /// <paramref name="offset"/>, a vector at a time (32 bytes where the CPU has 256-bit vectors, else 16). A value at
    /// least one vector long is widened exactly: its last block overlaps the one before rather than running past it.
    /// Values are mostly short, so a shorter one is widened as a whole vector when the line and the string have room:
    /// the extra chars land where the next field is written afterwards. Only a short last field has no such room.
    /// </summary>
    private static void Widen(ReadOnlySpan<byte> line, int start, int length, Span<char> payload, int offset)
    {
        var bytes = line.Slice(start, length);
        var chars = payload.Slice(offset, length);
        if (!Vector128.IsHardwareAccelerated)
        {
            WidenScalar(bytes, chars);
            return;
        }

        // A JIT-time constant, so only one of the two block widenings below is compiled.
        var width = Vector256.IsHardwareAccelerated ? Vector256<byte>.Count : Vector128<byte>.Count;
        ref var source = ref MemoryMarshal.GetReference(bytes);
        ref var target = ref Unsafe.As<char, ushort>(ref MemoryMarshal.GetReference(chars));
        if (length >= width || (start + width <= line.Length && offset + width <= payload.Length))
        {
            var i = 0;
            do
            {
                // The last block overlaps the previous one rather than reading past the field.
                i = i + width > length && length >= width ? length - width : i;
                WidenBlock(ref source, ref target, i, width);
                i += width;
            }
            while (i < length);
        }
        else if (width > Vector128<byte>.Count && (length >= Vector128<byte>.Count
            || (start + Vector128<byte>.Count <= line.Length && offset + Vector128<byte>.Count <= payload.Length)))
        {
            // Shorter than a wide vector with no room after it: one or two overlapping narrow blocks.
            WidenBlock(ref source, ref target, 0, Vector128<byte>.Count);
            if (length > Vector128<byte>.Count)
            {
                WidenBlock(ref source, ref target, length - Vector128<byte>.Count, Vector128<byte>.Count);
            }
        }
        else
        {
            WidenScalar(bytes, chars);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void WidenBlock(ref byte source, ref ushort target, int at, int width)
    {
        if (width == Vector256<byte>.Count)
        {
            var (lower, upper) = Vector256.Widen(Vector256.LoadUnsafe(ref source, (nuint)at));
            lower.StoreUnsafe(ref target, (nuint)at);
            upper.StoreUnsafe(ref target, (nuint)(at + (width / 2)));
        }
        else
        {
            var (lower, upper) = Vector128.Widen(Vector128.LoadUnsafe(ref source, (nuint)at));
            lower.StoreUnsafe(ref target, (nuint)at);
            upper.StoreUnsafe(ref target, (nuint)(at + (width / 2)));
        }
    }

    private static void WidenScalar(ReadOnlySpan<byte> bytes, Span<char> chars)
    {
        for (var k = 0; k < bytes.Length; k++)
        {
            chars[k] = (char)bytes[k];
        }
    }

    /// <summary>Bit <c>f</c> set for every field <c>f</c> with a source.</summary>
    private static uint PresentFields(ref PayloadSources sources)
    {
        var present = 0u;
        for (var f = 0; f < AuditEvent.TextFieldCount; f++)
        {
            present |= sources[f].Kind != TextSourceKind.Absent ? 1u << f : 0;
        }

        return present;
    }

    [InlineArray(AuditEvent.TextFieldCount)]
    private struct PayloadSources
    {
        private TextSource _element0;
    }

    /// <summary>
    /// Everything the string's content is copied from, handed to <see cref="string.Create{TState}"/>; the sources
    /// by reference, as the state is copied on the way.
    /// </summary>
    private readonly ref struct PayloadState(ReadOnlySpan<byte> line, ReadOnlySpan<byte> hex, ref PayloadSources sources, uint present, bool ascii)
    {
        public readonly ReadOnlySpan<byte> Line = line;
        public readonly ReadOnlySpan<byte> Hex = hex;
        public readonly ref readonly PayloadSources Sources = ref sources;

        /// <summary>Bit <c>f</c> set when field <c>f</c> has a source: the loops visit only those.</summary>
        public readonly uint Present = present;
        public readonly bool Ascii = ascii;
    }
}
