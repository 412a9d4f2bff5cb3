using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace SpoSdk.Audit.Parsing;

/// <summary>Number parsing for audit values: plain ASCII digits, no sign, no spaces, overflow is failure.</summary>
internal static class Digits
{
    /// <summary>
    /// As <see cref="TryParseUInt32(ReadOnlySpan{byte}, uint, out uint)"/> for the <paramref name="length"/> digits at
    /// <paramref name="start"/> in <paramref name="line"/>. Up to eight digits with eight bytes to read take one load
    /// and a few multiplies instead of a loop whose exit, at a varying length, the CPU would mispredict.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryParseUInt32(ReadOnlySpan<byte> line, int start, int length, uint max, out uint value)
    {
        if ((uint)(length - 1) >= 8 || start > line.Length - 8)
        {
            return TryParseUInt32(line.Slice(start, length), max, out value);
        }

        // The first digit is the lowest byte: shift the digits to the top and turn the freed low bytes into
        // leading zeros, so the bytes after the value never count.
        var word = BinaryPrimitives.ReadUInt64LittleEndian(line.Slice(start, 8));
        var unused = 8 * (8 - length);
        word = (word << unused) | (0x3030303030303030ul & ~(ulong.MaxValue << unused));

        // Each byte is a digit when its high nibble is 3 and it stays so after adding 6.
        const ulong HighNibbles = 0xF0F0F0F0F0F0F0F0ul;
        if (((word & HighNibbles) | (((word + 0x0606060606060606ul) & HighNibbles) >> 4)) != 0x3333333333333333ul)
        {
            value = 0;
            return false;
        }

        // Pairs, then quads, then the eight digits: each step multiplies neighbours into one lane.
        word = ((word & 0x0F0F0F0F0F0F0F0Ful) * ((10 << 8) + 1)) >> 8;
        word = ((word & 0x00FF00FF00FF00FFul) * ((100 << 16) + 1)) >> 16;
        var result = (uint)(((word & 0x0000FFFF0000FFFFul) * ((10000ul << 32) + 1)) >> 32);
        var fits = result <= max;
        value = fits ? result : 0;
        return fits;
    }

    /// <summary>
    /// As <see cref="TryParse"/> for a value no larger than <paramref name="max"/> (at most <see cref="uint.MaxValue"/>),
    /// inlined: ids such as pid, uid and syscall are short, so up to ten digits take one loop that cannot overflow a
    /// <see cref="ulong"/>; a longer run (leading zeros) takes the general parse.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryParseUInt32(ReadOnlySpan<byte> digits, uint max, out uint value)
    {
        if ((uint)(digits.Length - 1) >= 10)
        {
            var ok = TryParse(digits, max, out var parsed);
            value = (uint)parsed;
            return ok;
        }

        ulong result = 0;
        foreach (var b in digits)
        {
            var d = (uint)(b - '0');
            if (d > 9)
            {
                value = 0;
                return false;
            }

            result = (result * 10) + d;
        }

        var fits = result <= max;
        value = fits ? (uint)result : 0;
        return fits;
    }

    /// <summary>Parses decimal digits into a value no larger than <paramref name="max"/>.</summary>
    public static bool TryParse(ReadOnlySpan<byte> digits, ulong max, out ulong value)
    {
        value = 0;
        if (digits.IsEmpty || digits.Length > 20)
        {
            return false;
        }

        ulong result = 0;
        if (digits.Length <= 9)
        {
            // Nine digits cannot overflow, so the per-digit overflow test is left to one compare at the end.
            foreach (var b in digits)
            {
                var d = (uint)(b - '0');
                if (d > 9)
                {
                    return false;
                }

                result = (result * 10) + d;
            }

            if (result > max)
            {
                return false;
            }

            value = result;
            return true;
        }

        foreach (var b in digits)
        {
            var d = (uint)(b - '0');
            if (d > 9 || result > (max - d) / 10)
            {
                return false;
            }

            result = (result * 10) + d;
        }

        value = result;
        return true;
    }

    /// <summary>Parses 1 to 8 hex digits (either case).</summary>
    public static bool TryParseHex(ReadOnlySpan<byte> digits, out uint value)
    {
        value = 0;
        if (digits.IsEmpty || digits.Length > 8)
        {
            return false;
        }

        uint result = 0;
        foreach (var b in digits)
        {
            uint d;
            if ((uint)(b - '0') <= 9)
            {
                d = (uint)(b - '0');
            }
            else if ((uint)((b | 0x20) - 'a') <= 5)
            {
                d = (uint)((b | 0x20) - 'a' + 10);
            }
            else
            {
                return false;
            }

            result = (result << 4) | d;
        }

        value = result;
        return true;
    }
}
