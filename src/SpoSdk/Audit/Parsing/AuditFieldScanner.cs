using System.Numerics;
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
/// The tokenizer: linear in the line length, never looking back. A quoted value ends at its closing quote; whitespace
/// inside quotes never separates tokens, so text inside a value (however crafted) can never become a field. The first
/// occurrence of a key wins, even if malformed, because the kernel writes its trusted fields (pid, uid) before the
/// untrusted ones (comm, exe, name) and an ambiguous record is better rejected than guessed.
/// </summary>
/// <remarks>
/// Quotes pair up in order from the record start (a quoted value, and a quoted section inside a malformed token, both
/// end at the next quote), so whether a byte is inside quotes is the parity of the quotes before it, and a token starts
/// at a byte outside quotes right after a separator outside quotes. The scan therefore works a block at a time: it finds
/// every token start of the block from its masks, keeps those whose first two bytes can begin a key the parser keeps,
/// tells the key by its first three bytes and one masked compare, and reads a value only for a key it keeps. Tokens it
/// does not keep (most of a record) cost no value search at all.
/// </remarks>
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

        // Every load below is of bytes below readable (TokenBlocks reads whole blocks, never past it).
        scoped ref var origin = ref MemoryMarshal.GetReference(line);
        var readable = n;
        if (n < TokenBlocks.Width)
        {
            // Rare: a short line is scanned from a padded copy ('a' is plain), two blocks long so that a block loaded
            // at any position of the line is readable. Positions are the same in the copy.
            Span<byte> padded = stackalloc byte[2 * TokenBlocks.MaxWidth];
            padded.Fill((byte)'a');
            line.CopyTo(padded);
            origin = ref MemoryMarshal.GetReference(padded);
            readable = padded.Length;
        }

        // The wanted keys not claimed yet; with nothing wanted, a bit no key has, so that it never empties.
        var missing = wanted != 0 ? wanted : 1u << 31;
        var claimed = 0u;

        // Carried from block to block: all ones while inside quotes; bit 0 when the block's first byte can start a token.
        var inQuotes = 0UL;
        var afterSeparator = 1UL;
        var width = TokenBlocks.Width;
        for (var block = start; block < n; block += width)
        {
            TokenBlocks.Classify(ref origin, readable, block, out var quotes, out var separators, out var enrichment, out var keyStarts);
            var inBlock = n - block >= width ? TokenBlocks.BlockBits : (1UL << (n - block)) - 1;
            var parity = TokenBlocks.QuoteParity(quotes) ^ inQuotes;
            var outside = ~(parity | quotes) & inBlock;
            var separatorsOutside = separators & outside;
            var tokenStarts = ((separatorsOutside << 1) | afterSeparator) & outside & keyStarts;
            var recordEnd = enrichment & outside;
            if (recordEnd != 0)
            {
                // Tokens after the record end are auditd's interpretations, not fields.
                tokenStarts &= (recordEnd & (0 - recordEnd)) - 1;
            }

            // The block's bytes that end a bare value, for the values that end inside the block (most do).
            var stops = (quotes | separators | enrichment) & inBlock;
            while (tokenStarts != 0)
            {
                var at = block + BitOperations.TrailingZeroCount(tokenStarts);
                tokenStarts &= tokenStarts - 1;
                var key = ReadKey(ref origin, readable, n, at, out var valueStart);
                if (key == FieldKey.None || (claimed & (1u << (int)key)) != 0)
                {
                    continue;
                }

                FieldSlot slot;
                int tokenEnd;
                if (valueStart < n && Unsafe.Add(ref origin, valueStart) == (byte)'"')
                {
                    var close = NextIn(quotes, block, valueStart + 1);
                    close = close >= 0 ? close : TokenBlocks.NextQuote(ref origin, readable, n, Math.Max(valueStart + 1, block + width));
                    if (close >= n)
                    {
                        // The rest of the line is inside the quotes: nothing after it is a field.
                        slots[(int)key] = new FieldSlot { Start = valueStart + 1, Length = n - valueStart - 1, State = SlotState.Invalid };
                        return n;
                    }

                    slot = new FieldSlot { Start = valueStart + 1, Length = close - valueStart - 1, State = SlotState.Quoted };
                    tokenEnd = close + 1;
                    if (tokenEnd < n && ByteClass.Of(Unsafe.Add(ref origin, tokenEnd)) is not (TokenByte.Separator or TokenByte.Enrichment))
                    {
                        slot.State = SlotState.Invalid;
                    }
                }
                else
                {
                    tokenEnd = NextIn(stops, block, valueStart);
                    tokenEnd = tokenEnd >= 0 ? tokenEnd : TokenBlocks.NextStop(ref origin, readable, n, Math.Max(valueStart, block + width));
                    slot = new FieldSlot { Start = valueStart, Length = tokenEnd - valueStart, State = SlotState.Bare };
                    if (tokenEnd < n && Unsafe.Add(ref origin, tokenEnd) == (byte)'"')
                    {
                        slot.State = SlotState.Invalid;
                    }
                }

                slots[(int)key] = slot;
                if (slot.State == SlotState.Invalid)
                {
                    // Text glued to the value: the token runs on to the next separator outside quotes.
                    tokenEnd = SkipToken(ref origin, n, tokenEnd);
                    if (tokenEnd < 0)
                    {
                        return n;
                    }
                }

                claimed |= 1u << (int)key;
                if (key == FieldKey.Comm)
                {
                    commEnd = tokenEnd;
                }

                missing &= ~(1u << (int)key);
                if (missing == 0)
                {
                    return tokenEnd;
                }
            }

            if (recordEnd != 0)
            {
                return block + BitOperations.TrailingZeroCount(recordEnd);
            }

            inQuotes = 0 - ((parity >> (width - 1)) & 1);
            afterSeparator = (separatorsOutside >> (width - 1)) & 1;
        }

        return n;
    }

    /// <summary>The first position at or after <paramref name="from"/> whose bit is set in the block's <paramref name="mask"/>, or -1 when there is none in the block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int NextIn(ulong mask, int block, int from)
    {
        var offset = from - block;
        var rest = offset < TokenBlocks.Width ? mask >> offset : 0;
        return rest != 0 ? from + BitOperations.TrailingZeroCount(rest) : -1;
    }

    /// <summary>
    /// Skips to the next separator or enrichment separator; quoted sections inside the token are skipped whole.
    /// Only a kept key whose value has text glued to it comes here, which the kernel never writes: a plain loop.
    /// </summary>
    /// <returns>The end of the token, or -1 when a quote in it is never closed.</returns>
    [MethodImpl(MethodImplOptions.NoInlining)]
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

    // Found by trying multipliers until the fourteen keys' first three bytes hash to distinct slots of sixteen; a test pins every key.
    private const ulong KeyHashMultiplier = 0x28505f323c681111;

    /// <summary>Per hash slot, the key's first eight bytes with its '=' (as a little-endian integer); 0 when unused.</summary>
    private static ReadOnlySpan<ulong> KeyHeads =>
    [
        0, 0x726F6D7261707061, 0x3D657865, 0x6F6974617265706F, 0x3D656D616E, 0x3D646967, 0, 0x747865746E6F6373,
        0x3D7373616C6374, 0x3D646975, 0x747865746E6F6374, 0x3D656C69666F7270, 0x3D646970, 0x3D6C6C6163737973, 0x3D68637261, 0x3D6D6D6F63,
    ];

    /// <summary>Which of the eight bytes at a token <see cref="KeyHeads"/> covers.</summary>
    private static ReadOnlySpan<ulong> KeyHeadMasks =>
    [
        ulong.MaxValue, ulong.MaxValue, 0xFFFFFFFF, ulong.MaxValue, 0xFFFFFFFFFF, 0xFFFFFFFF, ulong.MaxValue, ulong.MaxValue,
        0xFFFFFFFFFFFFFF, 0xFFFFFFFF, ulong.MaxValue, ulong.MaxValue, 0xFFFFFFFF, ulong.MaxValue, 0xFFFFFFFFFF, 0xFFFFFFFFFF,
    ];

    /// <summary>The key's bytes after the first eight, with its '=': low byte first, the mask in the high half.</summary>
    private static ReadOnlySpan<uint> KeyTails =>
    [
        0, 0xFF_003D, 0, 0xFFFF_3D6E, 0, 0, 0, 0xFF_003D, 0, 0, 0xFF_003D, 0, 0, 0, 0, 0,
    ];

    private static ReadOnlySpan<byte> KeyFields =>
    [
        (byte)FieldKey.None, (byte)FieldKey.Apparmor, (byte)FieldKey.Exe, (byte)FieldKey.Operation, (byte)FieldKey.Name, (byte)FieldKey.Gid, (byte)FieldKey.None, (byte)FieldKey.Scontext,
        (byte)FieldKey.Tclass, (byte)FieldKey.Uid, (byte)FieldKey.Tcontext, (byte)FieldKey.Profile, (byte)FieldKey.Pid, (byte)FieldKey.Syscall, (byte)FieldKey.Arch, (byte)FieldKey.Comm,
    ];

    private static ReadOnlySpan<byte> KeyLengths => [0, 8, 3, 9, 4, 3, 0, 8, 6, 3, 8, 7, 3, 7, 4, 4];

    /// <summary>
    /// The key of the token at <paramref name="at"/> (of a line <paramref name="length"/> bytes long, <paramref name="readable"/>
    /// of them readable), and where its value starts; <see cref="FieldKey.None"/> for a token that is not one of the
    /// keys followed by <c>=</c>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static FieldKey ReadKey(ref byte origin, int readable, int length, int at, out int valueStart)
    {
        ulong head;
        uint tail;
        if (BitConverter.IsLittleEndian && at + sizeof(ulong) + sizeof(ushort) <= readable)
        {
            head = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref origin, at));
            tail = Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref origin, at + sizeof(ulong)));
        }
        else
        {
            // Near the line end: byte by byte, zeros past it (a zero is never part of a key or its '=').
            head = 0;
            tail = 0;
            for (var i = Math.Min(length, at + sizeof(ulong) + sizeof(ushort)) - 1; i >= at; i--)
            {
                if (i >= at + sizeof(ulong))
                {
                    tail = (tail << 8) | Unsafe.Add(ref origin, i);
                }
                else
                {
                    head = (head << 8) | Unsafe.Add(ref origin, i);
                }
            }
        }

        // The first three bytes tell the keys apart: they pick the only key the token can be, which is then compared
        // whole with its '=' (one masked compare, and one more for the three keys longer than seven bytes).
        var slot = (int)(((head & 0xFFFFFF) * KeyHashMultiplier) >> 60);
        var tails = KeyTails[slot];
        var matches = (head & KeyHeadMasks[slot]) == KeyHeads[slot] && (tail & (tails >> 16)) == (tails & 0xFFFF);
        valueStart = at + KeyLengths[slot] + 1;
        return matches ? (FieldKey)KeyFields[slot] : FieldKey.None;
    }
}
