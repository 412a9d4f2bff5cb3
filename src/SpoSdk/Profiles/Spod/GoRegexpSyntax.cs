using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using SpoSdk.Api.Schema;

namespace SpoSdk.Profiles.Spod;

/// <summary>
/// Whether Go's <c>regexp</c> package (RE2 syntax, Perl flags) compiles a pattern, for SPOD fields upstream
/// compiles with it. RE2 has what .NET has not (<c>(?P&lt;name&gt;…)</c>, <c>\Q…\E</c>, <c>\x{…}</c>,
/// <c>\pL</c>, the <c>U</c> flag) and refuses what only .NET has (lookaround, atomic groups, backreferences,
/// conditionals, balancing groups, duplicate group names, repeat counts over 1000). A scan refuses the
/// latter and rewrites the former into a .NET pattern of the same structure, which .NET then compiles
/// (through <see cref="SchemaValidationContext.FromGoSyntax"/>, as a CRD pattern would be) to catch the
/// errors both share (unbalanced parentheses, nested quantifiers, reversed ranges). Unicode class names
/// are not checked against Go's tables.
/// </summary>
internal static class GoRegexpSyntax
{
    private const int MaxRepeat = 1000;

    /// <summary>Why Go would not compile <paramref name="pattern"/>, or null when it would.</summary>
    public static string? Problem(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        var shape = new StringBuilder(pattern.Length + 8);
        var names = new HashSet<string>(StringComparer.Ordinal);
        var inClass = false;
        var classStart = -1; // where the members of the open class begin
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '\\' && i + 1 < pattern.Length)
            {
                if (Escape(pattern, ref i, inClass, shape) is { } problem)
                {
                    return problem;
                }

                continue;
            }

            if (inClass)
            {
                // A ']' first in the class (after '[' or '[^') is a member, not the end.
                inClass = c != ']' || i == classStart;
                shape.Append(c);
                continue;
            }

            switch (c)
            {
                case '[':
                    var negated = i + 1 < pattern.Length && pattern[i + 1] == '^';
                    shape.Append(negated ? "[^" : "[");
                    i += negated ? 1 : 0;
                    inClass = true;
                    classStart = i + 1;
                    break;
                case '(' when i + 1 < pattern.Length && pattern[i + 1] == '?':
                    if (Group(pattern, ref i, names, shape) is { } problem)
                    {
                        return problem;
                    }

                    break;
                case '{' when RepeatCount(pattern, i) is { } count && count > MaxRepeat:
                    return "invalid repeat count: " + count.ToString(CultureInfo.InvariantCulture) + " (at most " + MaxRepeat.ToString(CultureInfo.InvariantCulture) + ")";
                default:
                    shape.Append(c);
                    break;
            }
        }

        try
        {
            _ = new Regex(SchemaValidationContext.FromGoSyntax(shape.ToString()), RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
            return null;
        }
        catch (ArgumentException ex)
        {
            return ex.Message;
        }
    }

    // An escape at pattern[i] ('\\', with a character after it); i is left on its last character.
    private static string? Escape(string pattern, ref int i, bool inClass, StringBuilder shape)
    {
        var next = pattern[i + 1];
        var start = i;
        i++;
        switch (next)
        {
            case 'Q' when !inClass:
                // Literal text up to \E or the end.
                var end = pattern.IndexOf("\\E", i + 1, StringComparison.Ordinal);
                shape.Append(Regex.Escape(end < 0 ? pattern[(i + 1)..] : pattern[(i + 1)..end]));
                i = end < 0 ? pattern.Length - 1 : end + 1;
                return null;
            case 'p' or 'P':
                // \pL or \p{Name}: the name is Go's (categories and scripts), which .NET does not share.
                if (i + 1 < pattern.Length && pattern[i + 1] == '{')
                {
                    var close = pattern.IndexOf('}', i + 2);
                    if (close < 0 || close == i + 2)
                    {
                        return "invalid character class range: `" + pattern[start..] + "`";
                    }

                    i = close;
                }
                else if (i + 1 < pattern.Length && char.IsAsciiLetter(pattern[i + 1]))
                {
                    i++;
                }
                else
                {
                    return "invalid character class range: `" + pattern[start..Math.Min(pattern.Length, i + 2)] + "`";
                }

                shape.Append('\\').Append(next).Append("{L}");
                return null;
            case 'x':
                return HexEscape(pattern, ref i, start, shape);
            case >= '0' and <= '7' when next == '0' || (i + 1 < pattern.Length && pattern[i + 1] is >= '0' and <= '7'):
                // Octal (up to three digits); a single non-zero digit would be a backreference.
                var value = 0;
                var last = Math.Min(pattern.Length - 1, start + 3);
                for (i = start + 1; i <= last && pattern[i] is >= '0' and <= '7'; i++)
                {
                    value = (value * 8) + (pattern[i] - '0');
                }

                i--;
                shape.Append("\\u").Append(value.ToString("X4", CultureInfo.InvariantCulture));
                return null;
            case 'a' or 'f' or 'n' or 'r' or 't' or 'v' or 'd' or 'D' or 's' or 'S' or 'w' or 'W':
            case 'b' or 'B' or 'A' or 'z' when !inClass:
            case < '\u0080' when !char.IsAsciiLetterOrDigit(next):
                shape.Append('\\').Append(next);
                return null;
            default:
                return "invalid escape sequence: `\\" + next + "`";
        }
    }

    // \xHH or \x{H…} at pattern[start]; i is on the 'x'.
    private static string? HexEscape(string pattern, ref int i, int start, StringBuilder shape)
    {
        string digits;
        if (i + 1 < pattern.Length && pattern[i + 1] == '{')
        {
            var close = pattern.IndexOf('}', i + 2);
            digits = close < 0 ? string.Empty : pattern[(i + 2)..close];
            i = close;
        }
        else
        {
            digits = i + 2 < pattern.Length ? pattern.Substring(i + 1, 2) : string.Empty;
            i += 2;
        }

        if (i < 0 || digits.Length == 0 || !digits.All(char.IsAsciiHexDigit) || !int.TryParse(digits, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var value) || value > 0x10FFFF)
        {
            return "invalid escape sequence: `" + pattern[start..Math.Min(pattern.Length, Math.Max(i, start + 1) + 1)] + "`";
        }

        // Beyond the BMP one character still stands for it (.NET classes are of UTF-16 units).
        shape.Append("\\u").Append(Math.Min(value, 0xFFFF).ToString("X4", CultureInfo.InvariantCulture));
        return null;
    }

    // A group opened by "(?" at pattern[i]: a named capture or flags; i is left on the last character consumed.
    private static string? Group(string pattern, ref int i, HashSet<string> names, StringBuilder shape)
    {
        var start = i;
        var at = i + 2;
        var named = pattern.AsSpan(at).StartsWith("P<", StringComparison.Ordinal) ? at + 2
            : at < pattern.Length && pattern[at] == '<' && at + 1 < pattern.Length && pattern[at + 1] is not ('=' or '!') ? at + 1
            : -1;
        if (named >= 0)
        {
            var close = pattern.IndexOf('>', named);
            var name = close < 0 ? string.Empty : pattern[named..close];
            if (name.Length == 0 || !name.All(ch => char.IsAsciiLetterOrDigit(ch) || ch == '_'))
            {
                return "invalid named capture: `" + pattern[start..(close < 0 ? pattern.Length : close + 1)] + "`";
            }

            if (!names.Add(name))
            {
                return "duplicate capture group name: `" + name + "`";
            }

            shape.Append("(?<").Append(name).Append('>');
            i = close;
            return null;
        }

        // Flags: [imsU]* then optionally '-' and at least one of them, ended by ')' (set) or ':' (a group).
        var j = at;
        while (j < pattern.Length && pattern[j] is 'i' or 'm' or 's' or 'U')
        {
            j++;
        }

        var clearsNothing = false;
        if (j < pattern.Length && pattern[j] == '-')
        {
            var cleared = ++j;
            while (j < pattern.Length && pattern[j] is 'i' or 'm' or 's' or 'U')
            {
                j++;
            }

            clearsNothing = j == cleared;
        }

        if (clearsNothing || j >= pattern.Length || pattern[j] is not (')' or ':'))
        {
            // Go quotes what it read up to the character it stopped at.
            return "invalid or unsupported Perl syntax: `" + pattern[start..Math.Min(pattern.Length, j + 1)] + "`";
        }

        // The flags change no structure: a flag group is a plain group, a setting nothing (.NET has no U).
        shape.Append(pattern[j] == ':' ? "(?:" : string.Empty);
        i = j;
        return null;
    }

    // The larger count of a repetition {n}, {n,} or {n,m} at pattern[i], or null when it is not one (Go takes a '{' then literally).
    private static int? RepeatCount(string pattern, int i)
    {
        var close = pattern.IndexOf('}', i + 1);
        if (close < 0)
        {
            return null;
        }

        var parts = pattern[(i + 1)..close].Split(',');
        if (parts.Length > 2 || parts[0].Length == 0 || !parts.All(p => p.All(char.IsAsciiDigit)))
        {
            return null;
        }

        return parts.Where(p => p.Length > 0).Max(p => p.Length > 9 ? int.MaxValue : int.Parse(p, CultureInfo.InvariantCulture));
    }
}
