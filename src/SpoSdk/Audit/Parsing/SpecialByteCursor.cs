using System.Numerics;
using System.Runtime.CompilerServices;
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

    /// <summary>The widest block, for callers that pad a short line.</summary>
    public const int MaxWidth = 64;

    /// <summary>A cursor that has no block yet.</summary>
    public SpecialByteCursor()
    {
        _blockStart = int.MinValue / 2;
    }

    /// <summary>
    /// The block width, a JIT-time constant. The cursor reads whole blocks: at least this many bytes must be
    /// readable at the origin, however short the line (see <see cref="MaxWidth"/>); bytes past the line must not be
    /// special.
    /// </summary>
    public static int Width => Vector512.IsHardwareAccelerated ? 64 : Vector256.IsHardwareAccelerated ? 32 : 16;

    /// <summary>
    /// The first separator, enrichment separator or <c>"</c> at or after <paramref name="from"/> in the
    /// <paramref name="length"/> bytes at <paramref name="origin"/>, or the length.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int NextStop(ref byte origin, int length, int from) => Next(ref origin, length, from, keyEnd: false);

    /// <summary>Like <see cref="NextStop"/>, but <c>=</c> also ends a key.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int NextKeyEnd(ref byte origin, int length, int from) => Next(ref origin, length, from, keyEnd: true);

    /// <summary>The first <c>"</c> at or after <paramref name="from"/>, or the length.</summary>
    /// <remarks>
    /// Walks the stops, not a mask of its own: a value rarely holds a space, and a third mask would cost the
    /// tokenizer a register.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int NextQuote(ref byte origin, int length, int from)
    {
        while (true)
        {
            var stop = NextStop(ref origin, length, from);
            if (stop >= length || Unsafe.Add(ref origin, stop) == (byte)'"')
            {
                return stop;
            }

            from = stop + 1;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Next(ref byte origin, int length, int from, bool keyEnd)
    {
        while (true)
        {
            var offset = from - _blockStart;
            if ((uint)offset < (uint)Width)
            {
                // keyEnd is a constant at every call site, so this folds to one mask.
                var remaining = (keyEnd ? _stops | _equals : _stops) >> offset;
                if (remaining != 0)
                {
                    return from + BitOperations.TrailingZeroCount(remaining);
                }

                from = _blockStart + Width;
            }

            if (from >= length)
            {
                return length;
            }

            Load(ref origin, length, from);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Load(ref byte origin, int length, int from)
    {
        // The last block overlaps the previous one instead of reading past the line; a line shorter than a block
        // is one block at 0, which the caller has padded (see Width).
        _blockStart = Math.Max(0, Math.Min(from, length - Width));
        ClassifyBlock(ref Unsafe.Add(ref origin, _blockStart), out var stops, out var equals);
        _stops = stops;
        _equals = equals;
    }

    /// <summary>Classifies the <see cref="Width"/> bytes at <paramref name="origin"/>, which the caller guarantees are readable.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ClassifyBlock(ref byte origin, out ulong stops, out ulong equals)
    {
        equals = Matches(ref origin, (byte)'=');
        stops = Matches(ref origin, (byte)'"') | Matches(ref origin, (byte)' ') | Matches(ref origin, 0)
            | Matches(ref origin, ByteClass.EnrichmentSeparator) | InRange(ref origin, (byte)'\t', (byte)'\r' - (byte)'\t');
    }

    /// <summary>One bit per byte of the block that is <paramref name="value"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Matches(ref byte origin, byte value) =>
        Width == MaxWidth ? Vector512.Equals(Vector512.LoadUnsafe(ref origin), Vector512.Create(value)).ExtractMostSignificantBits()
        : Width == 32 ? Vector256.Equals(Vector256.LoadUnsafe(ref origin), Vector256.Create(value)).ExtractMostSignificantBits()
        : Vector128.Equals(Vector128.LoadUnsafe(ref origin), Vector128.Create(value)).ExtractMostSignificantBits();

    /// <summary>One bit per byte of the block from <paramref name="low"/> to <paramref name="low"/> + <paramref name="span"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong InRange(ref byte origin, byte low, byte span) =>
        Width == MaxWidth ? Vector512.LessThanOrEqual(Vector512.LoadUnsafe(ref origin) - Vector512.Create(low), Vector512.Create(span)).ExtractMostSignificantBits()
        : Width == 32 ? Vector256.LessThanOrEqual(Vector256.LoadUnsafe(ref origin) - Vector256.Create(low), Vector256.Create(span)).ExtractMostSignificantBits()
        : Vector128.LessThanOrEqual(Vector128.LoadUnsafe(ref origin) - Vector128.Create(low), Vector128.Create(span)).ExtractMostSignificantBits();
}
