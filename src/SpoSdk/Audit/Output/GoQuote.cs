using System.Globalization;
using System.Text;

namespace SpoSdk.Audit.Output;

/// <summary>
/// Quotes a string as Go's <c>strconv.Quote</c> does, which klog uses for string values. Unlike klog we never
/// switch to its multi-line <c>&lt;&lt;...&gt;&gt;</c> form: a decoded value with a line break stays on one line as
/// <c>\n</c>, so an attacker-chosen comm or path cannot forge a second log record.
/// </summary>
internal static class GoQuote
{
    public static void Append(ref CharBuilder builder, ReadOnlySpan<char> value)
    {
        builder.Append('"');
        var i = 0;
        while (i < value.Length)
        {
            var c = value[i];
            if (c < 0x80)
            {
                AppendAscii(ref builder, c);
                i++;
                continue;
            }

            if (Rune.DecodeFromUtf16(value[i..], out var rune, out var consumed) != System.Buffers.OperationStatus.Done)
            {
                rune = Rune.ReplacementChar;
            }

            if (IsPrint(rune))
            {
                builder.Append(value.Slice(i, consumed));
            }
            else if (rune.Value <= 0xFFFF)
            {
                builder.Append("\\u");
                AppendHex(ref builder, rune.Value, 4);
            }
            else
            {
                builder.Append("\\U");
                AppendHex(ref builder, rune.Value, 8);
            }

            i += consumed;
        }

        builder.Append('"');
    }

    private static void AppendAscii(ref CharBuilder builder, char c)
    {
        switch (c)
        {
            case '"':
                builder.Append("\\\"");
                return;
            case '\\':
                builder.Append("\\\\");
                return;
            case '\a':
                builder.Append("\\a");
                return;
            case '\b':
                builder.Append("\\b");
                return;
            case '\f':
                builder.Append("\\f");
                return;
            case '\n':
                builder.Append("\\n");
                return;
            case '\r':
                builder.Append("\\r");
                return;
            case '\t':
                builder.Append("\\t");
                return;
            case '\v':
                builder.Append("\\v");
                return;
        }

        if (c is >= ' ' and < (char)0x7F)
        {
            builder.Append(c);
            return;
        }

        builder.Append("\\x");
        AppendHex(ref builder, c, 2);
    }

    // Go's strconv.IsPrint: letters, marks, numbers, punctuation and symbols (and ASCII space, handled above).
    private static bool IsPrint(Rune rune) => Rune.GetUnicodeCategory(rune) switch
    {
        UnicodeCategory.SpaceSeparator or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
            or UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate
            or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned => false,
        _ => true,
    };

    private static void AppendHex(ref CharBuilder builder, int value, int digits)
    {
        for (var shift = (digits - 1) * 4; shift >= 0; shift -= 4)
        {
            builder.Append("0123456789abcdef"[(value >> shift) & 0xF]);
        }
    }
}
