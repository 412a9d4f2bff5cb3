using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace SpoSdk.Audit.Parsing;

/// <summary>
/// Finds the next byte that ends a key, a bare value or a quoted value. It classifies a block of 64, 32 or 16
/// bytes (the widest vector the CPU accelerates) into one bit mask per kind of byte and walks the set bits, so the
/// tokenizer takes one step per token boundary instead of one branch per byte. Positions only move forward; total
/// work is linear.
/// </summary>
/// <remarks>
/// Plain fields, no span and no out-of-line method taking it by reference: the JIT can then keep the cursor in
/// registers inside the tokenizer. The tokenizer passes the same line to every call.
/// </remarks>
internal struct SpecialByteCursor
{
    private int _blockStart;

    // One bit per byte of the block: separators, the enrichment separator and '"' (the end of a bare value).
    private ulong _stops;

    // '=' (with the stops, the end of a key).
    private ulong _equals;

    // '"' (the end of a quoted value).
    private ulong _quotes;

    /// <summary>A cursor that has no block yet.</summary>
    public SpecialByteCursor()
    {
        _blockStart = int.MinValue / 2;
    }

    private enum Kind
    {
        Stop,
        KeyEnd,
        Quote,
    }

    // A JIT-time constant: the block width.
    private static int Width => Vector512.IsHardwareAccelerated ? 64 : Vector256.IsHardwareAccelerated ? 32 : 16;

    /// <summary>The first separator, enrichment separator or <c>"</c> at or after <paramref name="from"/>, or the line length.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int NextStop(ReadOnlySpan<byte> line, int from) => Next(line, from, Kind.Stop);

    /// <summary>Like <see cref="NextStop"/>, but <c>=</c> also ends a key.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int NextKeyEnd(ReadOnlySpan<byte> line, int from) => Next(line, from, Kind.KeyEnd);

    /// <summary>The first <c>"</c> at or after <paramref name="from"/>, or the line length.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int NextQuote(ReadOnlySpan<byte> line, int from) => Next(line, from, Kind.Quote);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Next(ReadOnlySpan<byte> line, int from, Kind kind)
    {
        while (true)
        {
            var offset = from - _blockStart;
            if ((uint)offset < (uint)Width)
            {
                // kind is a constant at every call site, so this folds to one mask.
                var mask = kind == Kind.Stop ? _stops : kind == Kind.KeyEnd ? _stops | _equals : _quotes;
                var remaining = mask >> offset;
                if (remaining != 0)
                {
                    return from + BitOperations.TrailingZeroCount(remaining);
                }

                from = _blockStart + Width;
            }

            if (from >= line.Length)
            {
                return line.Length;
            }

            Load(line, from);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Load(ReadOnlySpan<byte> line, int from)
    {
        if (line.Length < Width)
        {
            // Rare: a line shorter than a vector is classified from a padded copy, out of line (into locals of its
            // own, so that only they, not the hot path's, live in memory).
            _blockStart = 0;
            ClassifyPadded(line, out var shortStops, out var shortEquals, out var shortQuotes);
            _stops = shortStops;
            _equals = shortEquals;
            _quotes = shortQuotes;
            return;
        }

        // The last block overlaps the previous one instead of reading past the line.
        _blockStart = Math.Min(from, line.Length - Width);
        ClassifyBlock(ref Unsafe.Add(ref MemoryMarshal.GetReference(line), _blockStart), out var stops, out var equals, out var quotes);
        _stops = stops;
        _equals = equals;
        _quotes = quotes;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ClassifyPadded(ReadOnlySpan<byte> line, out ulong stops, out ulong equals, out ulong quotes)
    {
        // 'a' is no special byte, so the padding sets no bit.
        Span<byte> block = stackalloc byte[64];
        block.Fill((byte)'a');
        line.CopyTo(block);
        ClassifyBlock(ref MemoryMarshal.GetReference(block), out stops, out equals, out quotes);
    }

    /// <summary>Classifies the <see cref="Width"/> bytes at <paramref name="origin"/>, which the caller guarantees are readable.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ClassifyBlock(ref byte origin, out ulong stops, out ulong equals, out ulong quotes)
    {
        quotes = InRange(ref origin, (byte)'"', 0);
        equals = InRange(ref origin, (byte)'=', 0);
        stops = quotes | InRange(ref origin, (byte)' ', 0) | InRange(ref origin, 0, 0)
            | InRange(ref origin, ByteClass.EnrichmentSeparator, 0) | InRange(ref origin, (byte)'\t', (byte)'\r' - (byte)'\t');
    }

    /// <summary>One bit per byte of the block from <paramref name="low"/> to <paramref name="low"/> + <paramref name="span"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong InRange(ref byte origin, byte low, byte span) =>
        Width == 64 ? Vector512.LessThanOrEqual(Vector512.LoadUnsafe(ref origin) - Vector512.Create(low), Vector512.Create(span)).ExtractMostSignificantBits()
        : Width == 32 ? Vector256.LessThanOrEqual(Vector256.LoadUnsafe(ref origin) - Vector256.Create(low), Vector256.Create(span)).ExtractMostSignificantBits()
        : Vector128.LessThanOrEqual(Vector128.LoadUnsafe(ref origin) - Vector128.Create(low), Vector128.Create(span)).ExtractMostSignificantBits();
}
