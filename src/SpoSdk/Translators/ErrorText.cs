using System.Globalization;
using System.Text;

namespace SpoSdk.Translators;

/// <summary>Quotes user values for error messages so that a message always stays on one line.</summary>
internal static class ErrorText
{
    // Values can be megabytes long; the path already says where they are.
    private const int MaxQuoted = 200;

    /// <summary>The value in double quotes with quotes, backslashes and control characters escaped, Go <c>%q</c> style.</summary>
    public static string Quote(string value)
    {
        var builder = new StringBuilder(Math.Min(value.Length, MaxQuoted) + 2).Append('"');
        var end = Math.Min(value.Length, MaxQuoted);
        for (var i = 0; i < end; i++)
        {
            var c = value[i];
            switch (c)
            {
                case '"': builder.Append("\\\""); break;
                case '\\': builder.Append("\\\\"); break;
                case '\n': builder.Append("\\n"); break;
                case '\r': builder.Append("\\r"); break;
                case '\t': builder.Append("\\t"); break;
                default:
                    if (char.IsControl(c) || char.IsSurrogate(c) || c is '\u2028' or '\u2029')
                    {
                        builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        builder.Append(c);
                    }

                    break;
            }
        }

        builder.Append('"');
        if (value.Length > MaxQuoted)
        {
            builder.Append("... (").Append(value.Length).Append(" characters)");
        }

        return builder.ToString();
    }

    /// <summary>A character for a message: itself when printable, otherwise its code point.</summary>
    public static string Describe(char c) => char.IsControl(c) || char.IsSurrogate(c) || char.IsWhiteSpace(c)
        ? "U+" + ((int)c).ToString("X4", CultureInfo.InvariantCulture)
        : "'" + c + "' (U+" + ((int)c).ToString("X4", CultureInfo.InvariantCulture) + ")";
}
