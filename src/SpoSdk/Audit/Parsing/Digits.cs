using System.Runtime.CompilerServices;

namespace SpoSdk.Audit.Parsing;

/// <summary>Number parsing for audit values: plain ASCII digits, no sign, no spaces, overflow is failure.</summary>
internal static class Digits
{
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
