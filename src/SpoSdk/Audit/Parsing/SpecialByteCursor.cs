using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace SpoSdk.Audit.Parsing;

/// <summary>
/// Finds the next byte that can end a token: a control byte or space (<c>&lt;= 0x20</c>), <c>"</c> or <c>=</c>.
/// It classifies a block of 64, 32 or 16 bytes (the widest vector the CPU accelerates) into a bit mask and walks
/// the set bits, so the tokenizer takes one step per token boundary instead of one branch per byte. Positions
/// only move forward; total work is linear.
/// </summary>
/// <remarks>Four fields (the span counts two) so that the JIT keeps the cursor in registers inside the tokenizer.</remarks>
internal ref struct SpecialByteCursor
{
    private readonly ReadOnlySpan<byte> _line;
    private int _blockStart;
    private ulong _mask;

    public SpecialByteCursor(ReadOnlySpan<byte> line)
    {
        _line = line;
        _blockStart = int.MinValue / 2;
        _mask = 0;
    }

    // A JIT-time constant: the block width.
    private static int Width => Vector512.IsHardwareAccelerated ? 64 : Vector256.IsHardwareAccelerated ? 32 : 16;

    /// <summary>Whether the tokenizer stops at <paramref name="b"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsSpecial(byte b) => b <= (byte)' ' || b == (byte)'"' || b == (byte)'=';

    /// <summary>The index of the first special byte at or after <paramref name="from"/>, or the line length.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Next(int from)
    {
        var offset = from - _blockStart;
        if ((uint)offset < (uint)Width)
        {
            var remaining = _mask >> offset;
            if (remaining != 0)
            {
                return from + BitOperations.TrailingZeroCount(remaining);
            }

            from = _blockStart + Width;
        }

        return Load(from);
    }

    private int Load(int from)
    {
        var line = _line;
        var width = Width;
        while (from < line.Length)
        {
            if (!Vector128.IsHardwareAccelerated || line.Length < width)
            {
                for (var i = from; i < line.Length; i++)
                {
                    if (IsSpecial(line[i]))
                    {
                        return i;
                    }
                }

                return line.Length;
            }

            // The last block overlaps the previous one instead of reading past the line.
            var start = Math.Min(from, line.Length - width);
            ref var origin = ref MemoryMarshal.GetReference(line);
            _blockStart = start;
            _mask = width == 64 ? Classify(Vector512.LoadUnsafe(ref origin, (nuint)start))
                : width == 32 ? Classify(Vector256.LoadUnsafe(ref origin, (nuint)start))
                : Classify(Vector128.LoadUnsafe(ref origin, (nuint)start));
            var remaining = _mask >> (from - start);
            if (remaining != 0)
            {
                return from + BitOperations.TrailingZeroCount(remaining);
            }

            from = start + width;
        }

        return line.Length;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Classify(Vector512<byte> bytes) =>
        (Vector512.LessThanOrEqual(bytes, Vector512.Create((byte)' '))
            | Vector512.Equals(bytes, Vector512.Create((byte)'"'))
            | Vector512.Equals(bytes, Vector512.Create((byte)'='))).ExtractMostSignificantBits();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Classify(Vector256<byte> bytes) =>
        (Vector256.LessThanOrEqual(bytes, Vector256.Create((byte)' '))
            | Vector256.Equals(bytes, Vector256.Create((byte)'"'))
            | Vector256.Equals(bytes, Vector256.Create((byte)'='))).ExtractMostSignificantBits();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Classify(Vector128<byte> bytes) =>
        (Vector128.LessThanOrEqual(bytes, Vector128.Create((byte)' '))
            | Vector128.Equals(bytes, Vector128.Create((byte)'"'))
            | Vector128.Equals(bytes, Vector128.Create((byte)'='))).ExtractMostSignificantBits();
}
