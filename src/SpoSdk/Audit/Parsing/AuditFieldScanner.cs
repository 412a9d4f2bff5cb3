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
        var n = line.Length;

        // Every read below is at an index the loop has checked against n or the cursor returned (always below n).
        scoped ref var origin = ref MemoryMarshal.GetReference(line);
        if (n < SpecialByteCursor.Width)
        {
            // Rare: the cursor reads a whole block, so a short line is scanned from a padded copy ('a' is plain).
            // Positions are the same in the copy.
            Span<byte> padded = stackalloc byte[SpecialByteCursor.MaxWidth];
            padded.Fill((byte)'a');
            line.CopyTo(padded);
            origin = ref MemoryMarshal.GetReference(padded);
        }

        // The wanted keys not claimed yet; with nothing wanted, a bit no key has, so that it never empties.
        var missing = wanted != 0 ? wanted : 1u << 31;
        var cursor = new SpecialByteCursor();
        var i = start;
        while (i < n)
        {
            var byteClass = ByteClass.Of(Unsafe.Add(ref origin, i));
            if (byteClass != TokenByte.Plain)
            {
                if (byteClass == TokenByte.Separator)
                {
                    i++;
                    continue;
                }

                if (byteClass == TokenByte.Enrichment)
                {
                    return i;
                }

                // A token starting with '"' or '=' is junk: skip it, quotes included.
                i = SkipToken(ref origin, n, i);
                if (i < 0)
                {
                    return n;
                }

                continue;
            }

            var tokenStart = i;
            var equals = cursor.NextKeyEnd(ref origin, n, i + 1);
            if (equals >= n || Unsafe.Add(ref origin, equals) != (byte)'=')
            {
                // A bare word ("avc:", "for") or junk: skip it, quotes included; an unterminated quote ends the scan.
                i = SkipToken(ref origin, n, equals);
                if (i < 0)
                {
                    return n;
                }

                continue;
            }

            var key = Classify(ref origin, n, tokenStart, equals - tokenStart);
            i = equals + 1;
            FieldSlot slot;
            if (i < n && Unsafe.Add(ref origin, i) == (byte)'"')
            {
                var valueStart = i + 1;
                var close = cursor.NextQuote(ref origin, n, valueStart);
                if (close >= n)
                {
                    // The rest of the line is inside the quotes: nothing after it is a field.
                    Claim(ref slots, key, new FieldSlot { Start = valueStart, Length = n - valueStart, State = SlotState.Invalid });
                    return n;
                }

                slot = new FieldSlot { Start = valueStart, Length = close - valueStart, State = SlotState.Quoted };
                i = close + 1;
                if (i < n && ByteClass.Of(Unsafe.Add(ref origin, i)) is not (TokenByte.Separator or TokenByte.Enrichment))
                {
                    slot.State = SlotState.Invalid;
                    i = SkipToken(ref origin, n, i);
                    if (i < 0)
                    {
                        Claim(ref slots, key, slot);
                        return n;
                    }
                }
            }
            else
            {
                var valueStart = i;
                i = cursor.NextStop(ref origin, n, i);
                slot = new FieldSlot { Start = valueStart, Length = i - valueStart, State = SlotState.Bare };
                if (i < n && Unsafe.Add(ref origin, i) == (byte)'"')
                {
                    slot.State = SlotState.Invalid;
                    i = SkipToken(ref origin, n, i);
                    if (i < 0)
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

                missing &= ~(1u << (int)key);
                if (missing == 0)
                {
                    return i;
                }
            }
        }

        return n;
    }

    /// <summary>
    /// Skips to the next separator or enrichment separator; quoted sections inside the token are skipped whole.
    /// A plain loop with no call: only bare words and malformed values come here, and a call in the tokenizer's
    /// loop would make the JIT keep the cursor in memory.
    /// </summary>
    /// <returns>The end of the token, or -1 when a quote in it is never closed.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int SkipToken(ref byte origin, int n, int i)
    {
        var inQuotes = false;
        for (; i < n; i++)
        {
            var b = Unsafe.Add(ref origin, i);
            if (b == (byte)'"')
            {
                inQuotes = !inQuotes;
            }
            else if (!inQuotes && ByteClass.Of(b) is TokenByte.Separator or TokenByte.Enrichment)
            {
                return i;
            }
        }

        return inQuotes ? -1 : n;
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

    /// <summary>The key of <paramref name="keyLength"/> bytes at <paramref name="start"/> in the <paramref name="length"/> bytes at <paramref name="origin"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static FieldKey Classify(ref byte origin, int length, int start, int keyLength)
    {
        ulong packed;
        if ((uint)(keyLength - 1) < sizeof(ulong) && BitConverter.IsLittleEndian && start + sizeof(ulong) <= length)
        {
            // One unaligned load inside the line, the bytes past the key masked off. Keys shorter than three bytes
            // need no test of their own: they pack below every key in the table.
            packed = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref origin, start))
                & (ulong.MaxValue >> ((sizeof(ulong) - keyLength) * 8));
        }
        else if (keyLength > sizeof(ulong))
        {
            return keyLength == 9 && MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref origin, start), keyLength).SequenceEqual("operation"u8)
                ? FieldKey.Operation
                : FieldKey.None;
        }
        else
        {
            // Near the line end: byte by byte.
            packed = 0;
            for (var i = start + keyLength - 1; i >= start; i--)
            {
                packed = (packed << 8) | Unsafe.Add(ref origin, i);
            }
        }

        // A perfect hash of the thirteen packed keys into sixteen slots: one multiply, one load and one compare
        // instead of a tree of compares whose branches a mix of keys keeps mispredicting.
        var slot = (int)((packed * KeyHashMultiplier) >> 60);
        return KeyTable[slot] == packed ? (FieldKey)KeyTableFields[slot] : FieldKey.None;
    }
}
