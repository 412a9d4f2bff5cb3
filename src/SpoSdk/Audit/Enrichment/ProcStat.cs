namespace SpoSdk.Audit.Enrichment;

/// <summary>Reads <c>/proc/&lt;pid&gt;/stat</c>.</summary>
public static class ProcStat
{
    // starttime is kernel field 22; counted from the state (field 3) that follows the comm, it is index 19.
    private const int StartTimeIndexAfterComm = 19;

    /// <summary>
    /// The process start time in clock ticks since boot (field 22). The comm in parentheses may itself hold
    /// spaces and parentheses, so fields are counted after the <b>last</b> <c>)</c>, as upstream does.
    /// False for text that has no such field or no number there.
    /// </summary>
    public static bool TryParseStartTime(ReadOnlySpan<byte> stat, out ulong startTimeTicks)
    {
        startTimeTicks = 0;
        var paren = stat.LastIndexOf((byte)')');
        if (paren < 0)
        {
            return false;
        }

        var rest = stat[(paren + 1)..];
        var index = 0;
        while (true)
        {
            var start = 0;
            while (start < rest.Length && IsSpace(rest[start]))
            {
                start++;
            }

            if (start == rest.Length)
            {
                return false;
            }

            var end = start;
            while (end < rest.Length && !IsSpace(rest[end]))
            {
                end++;
            }

            if (index == StartTimeIndexAfterComm)
            {
                return TryParseDecimal(rest[start..end], out startTimeTicks);
            }

            index++;
            rest = rest[end..];
        }
    }

    private static bool IsSpace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r' or (byte)'\v' or (byte)'\f';

    private static bool TryParseDecimal(ReadOnlySpan<byte> digits, out ulong value)
    {
        value = 0;
        if (digits.IsEmpty || digits.Length > 20)
        {
            return false;
        }

        foreach (var b in digits)
        {
            var digit = (uint)(b - '0');
            if (digit > 9 || value > (ulong.MaxValue - digit) / 10)
            {
                value = 0;
                return false;
            }

            value = (value * 10) + digit;
        }

        return true;
    }
}
