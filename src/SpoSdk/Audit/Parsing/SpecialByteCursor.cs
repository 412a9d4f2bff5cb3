using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace SpoSdk.Audit.Parsing;

/// <summary>
/// Finds the next byte that can end a token: a control byte or space (<c>&lt;= 0x20</c>), <c>"</c> or <c>=</c>.
/// It classifies 32 (or 16) bytes at a time into a bit mask and walks the set bits, so the tokenizer takes one step
/// per token boundary instead of one branch per byte. Positions only move forward; total work is linear.
/// </summary>
internal ref struct SpecialByteCursor
{
    private readonly ReadOnlySpan<byte> _line;
    private readonly int _width;
    private int _blockStart;
    private uint _mask;

    public SpecialByteCursor(ReadOnlySpan<byte> line)
    {
        _line = line;
        _width = Vector256.IsHardwareAccelerated ? 32 : 16;
        _blockStart = int.MinValue / 2;
        _mask = 0;
    }

    /// <summary>Whether the tokenizer stops at <paramref name="b"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsSpecial(byte b) => b <= (byte)' ' || b == (byte)'"' || b == (byte)'=';

    /// <summary>The index of the first special byte at or after <paramref name="from"/>, or the line length.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Next(int from)
    {
        var offset = from - _blockStart;
        if ((uint)offset < (uint)_width)
        {
            var remaining = _mask >> offset;
            if (remaining != 0)
            {
                return from + BitOperations.TrailingZeroCount(remaining);
            }

            from = _blockStart + _width;
        }

        return Load(from);
    }

    private int Load(int from)
    {
        var line = _line;
        var width = _width;
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
            _mask = width == 32 ? Classify(Vector256.LoadUnsafe(ref origin, (nuint)start)) : Classify(Vector128.LoadUnsafe(ref origin, (nuint)start));
            var remaining = _mask >> (from - start);
            if (remaining != 0)
            {
                return from + BitOperations.TrailingZeroCount(remaining);
            }

            from = start + width;
        }

        return line.Length;
    }

    private static uint Classify(Vector256<byte> bytes) =>
        (Vector256.LessThanOrEqual(bytes, Vector256.Create((byte)' '))
            | Vector256.Equals(bytes, Vector256.Create((byte)'"'))
            | Vector256.Equals(bytes, Vector256.Create((byte)'='))).ExtractMostSignificantBits();

    private static uint Classify(Vector128<byte> bytes) =>
        (Vector128.LessThanOrEqual(bytes, Vector128.Create((byte)' '))
            | Vector128.Equals(bytes, Vector128.Create((byte)'"'))
            | Vector128.Equals(bytes, Vector128.Create((byte)'='))).ExtractMostSignificantBits();
}
