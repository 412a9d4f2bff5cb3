using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SpoSdk.Audit.Parsing;

/// <summary>
/// The vector half of the tokenizer: classifies a block of 64, 32 or 16 bytes (the widest vector the CPU accelerates)
/// into one bit mask per kind of byte that matters, and tells which bytes lie inside quotes from the parity of the
/// quotes before them.
/// </summary>
/// <remarks>
/// Loads never read outside the readable bytes: a block that would run past them is loaded ending at the last
/// readable byte and its masks shifted back, so the bits past the end are zero.
/// </remarks>
internal static class TokenBlocks
{
    /// <summary>The widest block, for callers that pad a short line (see <see cref="Width"/>).</summary>
    public const int MaxWidth = 64;

    /// <summary>
    /// The block width, a JIT-time constant. At least this many bytes must be readable at the origin, however short
    /// the line: a caller pads a shorter one.
    /// </summary>
    public static int Width => Vector512.IsHardwareAccelerated ? 64 : Vector256.IsHardwareAccelerated ? 32 : 16;

    /// <summary>One bit per byte of the block: the low <see cref="Width"/> bits.</summary>
    public static ulong BlockBits => ulong.MaxValue >> (64 - Width);

    /// <summary>
    /// Classifies the block at <paramref name="at"/>: <paramref name="quotes"/> (<c>"</c>), <paramref name="separators"/>
    /// (see <see cref="ByteClass.IsSeparator"/>), <paramref name="enrichment"/> (<see cref="ByteClass.EnrichmentSeparator"/>)
    /// and <paramref name="keyStarts"/>, the bytes that can start a key the parser keeps (see <see cref="FirstLetter"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Classify(ref byte origin, int readable, int at, out ulong quotes, out ulong separators, out ulong enrichment, out ulong keyStarts)
    {
        var from = Math.Min(at, readable - Width);
        var shift = at - from;
        ref var block = ref Unsafe.Add(ref origin, from);
        ulong firstLetters, secondLetters;
        if (Width == MaxWidth)
        {
            var v = Vector512.LoadUnsafe(ref block);
            quotes = Vector512.Equals(v, Vector512.Create((byte)'"')).ExtractMostSignificantBits();
            separators = (Vector512.Equals(v, Vector512.Create((byte)' ')) | Vector512.Equals(v, Vector512<byte>.Zero)
                | Vector512.LessThanOrEqual(v - Vector512.Create((byte)'\t'), Vector512.Create((byte)('\r' - '\t')))).ExtractMostSignificantBits();
            enrichment = Vector512.Equals(v, Vector512.Create(ByteClass.EnrichmentSeparator)).ExtractMostSignificantBits();
            if (Avx512BW.IsSupported)
            {
                var letters = Avx512BW.Shuffle(Vector512.LoadUnsafe(ref MemoryMarshal.GetReference(LowNibbleLetters)), v & Vector512.Create((byte)0x0F))
                    & Avx512BW.Shuffle(Vector512.LoadUnsafe(ref MemoryMarshal.GetReference(HighNibbleLetters)), Avx512BW.ShiftRightLogical(v.AsUInt16(), 4).AsByte() & Vector512.Create((byte)0x0F));
                firstLetters = ~Vector512.Equals(letters & Vector512.Create(FirstLetter), Vector512<byte>.Zero).ExtractMostSignificantBits();
                secondLetters = ~Vector512.Equals(letters & Vector512.Create(SecondLetter), Vector512<byte>.Zero).ExtractMostSignificantBits();
            }
            else
            {
                (firstLetters, secondLetters) = (ulong.MaxValue, ulong.MaxValue);
            }
        }
        else if (Width == 32)
        {
            var v = Vector256.LoadUnsafe(ref block);
            quotes = Vector256.Equals(v, Vector256.Create((byte)'"')).ExtractMostSignificantBits();
            separators = (Vector256.Equals(v, Vector256.Create((byte)' ')) | Vector256.Equals(v, Vector256<byte>.Zero)
                | Vector256.LessThanOrEqual(v - Vector256.Create((byte)'\t'), Vector256.Create((byte)('\r' - '\t')))).ExtractMostSignificantBits();
            enrichment = Vector256.Equals(v, Vector256.Create(ByteClass.EnrichmentSeparator)).ExtractMostSignificantBits();
            if (Avx2.IsSupported)
            {
                var letters = Avx2.Shuffle(Vector256.LoadUnsafe(ref MemoryMarshal.GetReference(LowNibbleLetters)), v & Vector256.Create((byte)0x0F))
                    & Avx2.Shuffle(Vector256.LoadUnsafe(ref MemoryMarshal.GetReference(HighNibbleLetters)), Avx2.ShiftRightLogical(v.AsUInt16(), 4).AsByte() & Vector256.Create((byte)0x0F));
                firstLetters = ~(ulong)Vector256.Equals(letters & Vector256.Create(FirstLetter), Vector256<byte>.Zero).ExtractMostSignificantBits();
                secondLetters = ~(ulong)Vector256.Equals(letters & Vector256.Create(SecondLetter), Vector256<byte>.Zero).ExtractMostSignificantBits();
            }
            else
            {
                (firstLetters, secondLetters) = (ulong.MaxValue, ulong.MaxValue);
            }
        }
        else
        {
            var v = Vector128.LoadUnsafe(ref block);
            quotes = Vector128.Equals(v, Vector128.Create((byte)'"')).ExtractMostSignificantBits();
            separators = (Vector128.Equals(v, Vector128.Create((byte)' ')) | Vector128.Equals(v, Vector128<byte>.Zero)
                | Vector128.LessThanOrEqual(v - Vector128.Create((byte)'\t'), Vector128.Create((byte)('\r' - '\t')))).ExtractMostSignificantBits();
            enrichment = Vector128.Equals(v, Vector128.Create(ByteClass.EnrichmentSeparator)).ExtractMostSignificantBits();
            if (Ssse3.IsSupported)
            {
                var letters = Ssse3.Shuffle(Vector128.LoadUnsafe(ref MemoryMarshal.GetReference(LowNibbleLetters)), v & Vector128.Create((byte)0x0F))
                    & Ssse3.Shuffle(Vector128.LoadUnsafe(ref MemoryMarshal.GetReference(HighNibbleLetters)), Sse2.ShiftRightLogical(v.AsUInt16(), 4).AsByte() & Vector128.Create((byte)0x0F));
                firstLetters = ~(ulong)Vector128.Equals(letters & Vector128.Create(FirstLetter), Vector128<byte>.Zero).ExtractMostSignificantBits();
                secondLetters = ~(ulong)Vector128.Equals(letters & Vector128.Create(SecondLetter), Vector128<byte>.Zero).ExtractMostSignificantBits();
            }
            else
            {
                (firstLetters, secondLetters) = (ulong.MaxValue, ulong.MaxValue);
            }
        }

        // A byte whose successor is in the next block can start a key as far as this block can tell.
        keyStarts = (firstLetters & ((secondLetters >> 1) | (1UL << (Width - 1)))) >> shift;
        quotes >>= shift;
        separators >>= shift;
        enrichment >>= shift;
    }

    // Every key the parser keeps starts with one of "acegnopstu" and goes on with one of "acioprxy" (pid, uid, gid,
    // arch, syscall, exe, comm, scontext, tcontext, tclass, apparmor, operation, profile, name): most other fields
    // (auid, ses, subj, dev, ino, permissive, requested_mask, denied_mask, fsuid, ouid, ...) fail this test, so the
    // tokenizer never reads their keys. A byte's membership is looked up by its two nibbles: the low nibble's entry holds
    // a bit per set and high nibble (6 or 7, the lower-case letters), the high nibble's entry the bits of its half.
    private const byte FirstLetter = 0b0011;
    private const byte SecondLetter = 0b1100;

    /// <summary>
    /// Bit 0: a first letter 0x6_, bit 1: a first letter 0x7_, bit 2: a second letter 0x6_, bit 3: a second letter 0x7_
    /// (low nibbles 0 p, 1 a, 2 r, 3 c s, 4 t, 5 e u, 7 g, 8 x, 9 i y, e n, f o). Once per 128-bit lane: the shuffle
    /// looks up within each lane.
    /// </summary>
    private static ReadOnlySpan<byte> LowNibbleLetters =>
    [
        0b1010, 0b0101, 0b1000, 0b0111, 0b0010, 0b0011, 0, 0b0001, 0b1000, 0b1100, 0, 0, 0, 0, 0b0001, 0b0101,
        0b1010, 0b0101, 0b1000, 0b0111, 0b0010, 0b0011, 0, 0b0001, 0b1000, 0b1100, 0, 0, 0, 0, 0b0001, 0b0101,
        0b1010, 0b0101, 0b1000, 0b0111, 0b0010, 0b0011, 0, 0b0001, 0b1000, 0b1100, 0, 0, 0, 0, 0b0001, 0b0101,
        0b1010, 0b0101, 0b1000, 0b0111, 0b0010, 0b0011, 0, 0b0001, 0b1000, 0b1100, 0, 0, 0, 0, 0b0001, 0b0101,
    ];

    /// <summary>The bits of the letters 0x60-0x6F and 0x70-0x7F; no other byte starts a key. Once per 128-bit lane.</summary>
    private static ReadOnlySpan<byte> HighNibbleLetters =>
    [
        0, 0, 0, 0, 0, 0, 0b0101, 0b1010, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0b0101, 0b1010, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0b0101, 0b1010, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0b0101, 0b1010, 0, 0, 0, 0, 0, 0, 0, 0,
    ];

    /// <summary>
    /// Bit <c>j</c> set when the quotes at bits 0 to <c>j</c> are odd in number: inside quotes for a byte that is not
    /// a quote, an opening quote for one that is.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong QuoteParity(ulong quotes)
    {
        if (Pclmulqdq.IsSupported)
        {
            // A carry-less multiply by all ones is a prefix XOR in one instruction.
            return Pclmulqdq.CarrylessMultiply(Vector128.CreateScalarUnsafe(quotes), Vector128.Create(ulong.MaxValue), 0).ToScalar();
        }

        quotes ^= quotes << 1;
        quotes ^= quotes << 2;
        quotes ^= quotes << 4;
        quotes ^= quotes << 8;
        quotes ^= quotes << 16;
        return quotes ^ (quotes << 32);
    }

    /// <summary>The first byte at or after <paramref name="from"/> (below <paramref name="length"/>) that ends a bare value (a separator, the enrichment separator or <c>"</c>), or the length.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int NextStop(ref byte origin, int readable, int length, int from)
    {
        for (; from < length; from += Width)
        {
            Classify(ref origin, readable, from, out var quotes, out var separators, out var enrichment, out _);
            var stops = quotes | separators | enrichment;
            if (stops != 0)
            {
                return Math.Min(length, from + BitOperations.TrailingZeroCount(stops));
            }
        }

        return length;
    }

    /// <summary>The first <c>"</c> at or after <paramref name="from"/> (below <paramref name="length"/>), or the length.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int NextQuote(ref byte origin, int readable, int length, int from)
    {
        for (; from < length; from += Width)
        {
            Classify(ref origin, readable, from, out var quotes, out _, out _, out _);
            if (quotes != 0)
            {
                return Math.Min(length, from + BitOperations.TrailingZeroCount(quotes));
            }
        }

        return length;
    }
}
