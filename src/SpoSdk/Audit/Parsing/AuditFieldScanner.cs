using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SpoSdk.Audit.Parsing;

/// <summary>The record fields the parser keeps.</summary>
internal enum FieldKey : byte
{
    Pid,
    Uid,
    Gid,
    Arch,
    Syscall,
    Exe,
    Comm,
    Scontext,
    Tcontext,
    Tclass,
    Apparmor,
    Operation,
    Profile,
    Name,
    Count,
    None = byte.MaxValue,
}

/// <summary>How a field was written.</summary>
internal enum SlotState : byte
{
    Missing = 0,
    Quoted,
    Bare,

    /// <summary>Unterminated quote, text glued to a closing quote, or a quote inside a bare value.</summary>
    Invalid,
}

/// <summary>Where one field's value sits in the line.</summary>
internal struct FieldSlot
{
    public int Start;
    public int Length;
    public SlotState State;
}

/// <summary>One slot per <see cref="FieldKey"/>.</summary>
[InlineArray((int)FieldKey.Count)]
internal struct FieldSlots
{
    private FieldSlot _element0;
}

/// <summary>
/// The tokenizer: one forward pass over the record, never looking back, so linear in the line length.
/// A quoted value ends at its closing quote; whitespace inside quotes never separates tokens, so text
/// inside a value (however crafted) can never become a field. The first occurrence of a key wins, even
/// if malformed, because the kernel writes its trusted fields (pid, uid) before the untrusted ones (comm,
/// exe, name) and an ambiguous record is better rejected than guessed.
/// </summary>
internal static class AuditFieldScanner
{
    /// <summary>Scans <c>key=value</c> fields from <paramref name="start"/>.</summary>
    /// <param name="line">The whole line.</param>
    /// <param name="start">The first byte after the header (or the SELinux permission block).</param>
    /// <param name="wanted">
    /// Bits (<c>1 &lt;&lt; FieldKey</c>) of the keys the caller uses; once all are claimed the scan stops early,
    /// which changes nothing because the first occurrence of a key wins. 0 scans to the record end.
    /// </param>
    /// <param name="slots">Filled with the fields found.</param>
    /// <param name="commEnd">The end of the <c>comm=</c> token, or -1.</param>
    /// <returns>The end of the record (the enrichment separator outside quotes, or the line end); after an early stop, the stop position.</returns>
    public static int Scan(ReadOnlySpan<byte> line, int start, uint wanted, ref FieldSlots slots, out int commEnd)
    {
        commEnd = -1;
        var claimed = 0u;
        var n = line.Length;
        var cursor = new SpecialByteCursor(line);
        var i = start;
        while (i < n)
        {
            var b = line[i];
            if (ByteClass.IsSeparator(b))
            {
                i++;
                continue;
            }

            if (b == ByteClass.EnrichmentSeparator)
            {
                return i;
            }

            var tokenStart = i;
            var equals = b is (byte)'"' or (byte)'=' ? i : NextBoundary(line, ref cursor, i + 1, equalsEnds: true);
            if (equals >= n || line[equals] != (byte)'=' || equals == tokenStart)
            {
                // A bare word ("avc:", "for") or junk: skip it, quotes included.
                i = SkipToken(line, ref cursor, equals, out var unterminated);
                if (unterminated)
                {
                    return n;
                }

                continue;
            }

            var key = Classify(line, tokenStart, equals - tokenStart);
            i = equals + 1;
            FieldSlot slot;
            if (i < n && line[i] == (byte)'"')
            {
                var valueStart = i + 1;
                var close = NextQuote(line, ref cursor, valueStart);
                if (close >= n)
                {
                    // The rest of the line is inside the quotes: nothing after it is a field.
                    Claim(ref slots, key, new FieldSlot { Start = valueStart, Length = n - valueStart, State = SlotState.Invalid });
                    return n;
                }

                slot = new FieldSlot { Start = valueStart, Length = close - valueStart, State = SlotState.Quoted };
                i = close + 1;
                if (i < n && !ByteClass.IsSeparator(line[i]) && line[i] != ByteClass.EnrichmentSeparator)
                {
                    slot.State = SlotState.Invalid;
                    i = SkipToken(line, ref cursor, i, out var unterminated);
                    if (unterminated)
                    {
                        Claim(ref slots, key, slot);
                        return n;
                    }
                }
            }
            else
            {
                var valueStart = i;
                i = NextBoundary(line, ref cursor, i, equalsEnds: false);
                slot = new FieldSlot { Start = valueStart, Length = i - valueStart, State = SlotState.Bare };
                if (i < n && line[i] == (byte)'"')
                {
                    slot.State = SlotState.Invalid;
                    i = SkipToken(line, ref cursor, i, out var unterminated);
                    if (unterminated)
                    {
                        Claim(ref slots, key, slot);
                        return n;
                    }
                }
            }

            if (Claim(ref slots, key, slot))
            {
                if (key == FieldKey.Comm)
                {
                    commEnd = i;
                }

                claimed |= 1u << (int)key;
                if (wanted != 0 && (claimed & wanted) == wanted)
                {
                    return i;
                }
            }
        }

        return n;
    }

    /// <summary>
    /// The next byte at or after <paramref name="from"/> that ends a key (<paramref name="equalsEnds"/>) or a bare
    /// value: a separator, <c>"</c>, the enrichment separator, or <c>=</c> for keys. Other control bytes are plain.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int NextBoundary(ReadOnlySpan<byte> line, ref SpecialByteCursor cursor, int from, bool equalsEnds)
    {
        while (true)
        {
            var j = cursor.Next(from);
            if (j >= line.Length)
            {
                return line.Length;
            }

            var b = line[j];
            if (b == (byte)'"' || ByteClass.IsSeparator(b) || b == ByteClass.EnrichmentSeparator || (equalsEnds && b == (byte)'='))
            {
                return j;
            }

            from = j + 1;
        }
    }

    /// <summary>
    /// The next <c>"</c> at or after <paramref name="from"/>, or the line length. The cursor's mask of the block
    /// is usually loaded already, which beats a fresh search for values as short as audit values are.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int NextQuote(ReadOnlySpan<byte> line, ref SpecialByteCursor cursor, int from)
    {
        while (true)
        {
            var j = cursor.Next(from);
            if (j >= line.Length || line[j] == (byte)'"')
            {
                return j;
            }

            from = j + 1;
        }
    }

    /// <summary>Skips to the next separator; quoted sections inside the token are skipped whole.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int SkipToken(ReadOnlySpan<byte> line, ref SpecialByteCursor cursor, int i, out bool unterminated)
    {
        unterminated = false;
        var n = line.Length;
        while (i < n)
        {
            var b = line[i];
            if (b == (byte)'"')
            {
                var close = line[(i + 1)..].IndexOf((byte)'"');
                if (close < 0)
                {
                    unterminated = true;
                    return n;
                }

                i += close + 2;
                continue;
            }

            if (ByteClass.IsSeparator(b) || b == ByteClass.EnrichmentSeparator)
            {
                return i;
            }

            i = NextBoundary(line, ref cursor, i + 1, equalsEnds: false);
        }

        return n;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Claim(ref FieldSlots slots, FieldKey key, FieldSlot slot)
    {
        if (key == FieldKey.None || slots[(int)key].State != SlotState.Missing)
        {
            return false;
        }

        slots[(int)key] = slot;
        return true;
    }

    // Keys as little-endian integers of their bytes: one load and compare instead of a byte loop.
    private const ulong PidKey = 0x646970;
    private const ulong UidKey = 0x646975;
    private const ulong GidKey = 0x646967;
    private const ulong ExeKey = 0x657865;
    private const ulong CommKey = 0x6D6D6F63;
    private const ulong ArchKey = 0x68637261;
    private const ulong NameKey = 0x656D616E;
    private const ulong TclassKey = 0x7373616C6374;
    private const ulong SyscallKey = 0x6C6C6163737973;
    private const ulong ProfileKey = 0x656C69666F7270;
    private const ulong ScontextKey = 0x747865746E6F6373;
    private const ulong TcontextKey = 0x747865746E6F6374;
    private const ulong ApparmorKey = 0x726F6D7261707061;

    // Found by trying multipliers until the thirteen keys' top four product bits all differ; the test pins every key.
    private const ulong KeyHashMultiplier = 0xa745ba6deaeed19b;

    /// <summary>The packed key in each hash slot; 0 (no key packs to 0: key bytes are never NUL) when unused.</summary>
    private static ReadOnlySpan<ulong> KeyTable =>
    [
        NameKey, CommKey, ArchKey, ExeKey, ApparmorKey, ScontextKey, 0, 0,
        SyscallKey, PidKey, ProfileKey, GidKey, 0, UidKey, TclassKey, TcontextKey,
    ];

    /// <summary>The <see cref="FieldKey"/> of each slot in <see cref="KeyTable"/>.</summary>
    private static ReadOnlySpan<byte> KeyTableFields =>
    [
        (byte)FieldKey.Name, (byte)FieldKey.Comm, (byte)FieldKey.Arch, (byte)FieldKey.Exe, (byte)FieldKey.Apparmor, (byte)FieldKey.Scontext, (byte)FieldKey.None, (byte)FieldKey.None,
        (byte)FieldKey.Syscall, (byte)FieldKey.Pid, (byte)FieldKey.Profile, (byte)FieldKey.Gid, (byte)FieldKey.None, (byte)FieldKey.Uid, (byte)FieldKey.Tclass, (byte)FieldKey.Tcontext,
    ];

    /// <summary>The key of <paramref name="length"/> bytes at <paramref name="start"/> in the line.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static FieldKey Classify(ReadOnlySpan<byte> line, int start, int length)
    {
        if (length is < 3 or > 9)
        {
            return FieldKey.None;
        }

        if (length == 9)
        {
            return line.Slice(start, length).SequenceEqual("operation"u8) ? FieldKey.Operation : FieldKey.None;
        }

        ulong packed;
        if (BitConverter.IsLittleEndian && start + sizeof(ulong) <= line.Length)
        {
            // One unaligned load, the bytes past the key masked off (the line has them; a key is at most 8 here).
            packed = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref MemoryMarshal.GetReference(line), start))
                & (ulong.MaxValue >> ((sizeof(ulong) - length) * 8));
        }
        else
        {
            packed = 0;
            for (var i = start + length - 1; i >= start; i--)
            {
                packed = (packed << 8) | line[i];
            }
        }

        // A perfect hash of the thirteen packed keys into sixteen slots: one multiply, one load and one compare
        // instead of a tree of compares whose branches a mix of keys keeps mispredicting.
        var slot = (int)((packed * KeyHashMultiplier) >> 60);
        return KeyTable[slot] == packed ? (FieldKey)KeyTableFields[slot] : FieldKey.None;
    }
}
