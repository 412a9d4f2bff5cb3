namespace SpoSdk.Audit.Parsing;

/// <summary>
/// The kernel's encoding of untrusted strings (<c>audit_log_untrustedstring</c>): a value with a space, quote,
/// control or non-ASCII byte is logged unquoted as uppercase hex (<c>comm=6D7920617070</c>).
/// </summary>
internal static class KernelHex
{
    /// <summary>Whether a bare value is kernel hex: non-empty, even length, only <c>0-9A-F</c>.</summary>
    public static bool IsEncoded(ReadOnlySpan<byte> value)
    {
        if (value.IsEmpty || (value.Length & 1) != 0)
        {
            return false;
        }

        foreach (var b in value)
        {
            if (Nibble(b) < 0)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Decodes a value <see cref="IsEncoded"/> accepted; returns the byte count.</summary>
    public static int Decode(ReadOnlySpan<byte> hex, Span<byte> destination)
    {
        var count = hex.Length / 2;
        for (var i = 0; i < count; i++)
        {
            destination[i] = (byte)((Nibble(hex[2 * i]) << 4) | Nibble(hex[(2 * i) + 1]));
        }

        return count;
    }

    private static int Nibble(byte b)
    {
        if ((uint)(b - '0') <= 9)
        {
            return b - '0';
        }

        return (uint)(b - 'A') <= 5 ? b - 'A' + 10 : -1;
    }
}
