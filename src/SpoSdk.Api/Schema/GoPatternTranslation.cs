// This file is self-contained and uses only netstandard2.0 APIs: the generator (netstandard2.0) links it to
// check a CRD pattern as the generated validator will compile it (SPO1005), not as it is written.

#nullable enable

namespace SpoSdk.Api.Schema;

/// <summary>The translation behind <c>SchemaValidationContext.FromGoSyntax</c>, shared with the generator.</summary>
internal static class GoPatternTranslation
{
    /// <summary>
    /// Rewrites what reads the same but means otherwise in .NET: Go's <c>$</c> (without the m flag) is the end of
    /// the text, where .NET's also matches before a final newline, and Go's <c>\d</c>, <c>\w</c> and <c>\s</c> (and
    /// their negations) are ASCII-only, where .NET's take any Unicode digit, letter or space.
    /// </summary>
    public static string FromGoSyntax(string pattern)
    {
        var builder = new System.Text.StringBuilder(pattern.Length + 8);
        // With the m flag Go's $ is the end of a line, as .NET's is with RegexOptions.Multiline's (?m).
        var multiline = SetsMultiline(pattern);
        var inClass = false;
        var classStart = -1; // where the members of the open class begin
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '\\' && i + 1 < pattern.Length)
            {
                var next = pattern[++i];
                builder.Append((next, inClass) switch
                {
                    ('d', false) => "[0-9]",
                    ('D', false) => "[^0-9]",
                    ('w', false) => "[0-9A-Za-z_]",
                    ('W', false) => "[^0-9A-Za-z_]",
                    ('s', false) => "[\\t\\n\\f\\r ]",
                    ('S', false) => "[^\\t\\n\\f\\r ]",
                    ('d', true) => "0-9",
                    ('w', true) => "0-9A-Za-z_",
                    ('s', true) => "\\t\\n\\f\\r ",

                    // Inside a class the negations are their complements spelled as ranges.
                    ('D', true) => "\\u0000-/:-\\uFFFF",
                    ('W', true) => "\\u0000-/:-@\\[-\\^`{-\\uFFFF",
                    ('S', true) => "\\u0000-\\u0008\\u000B\\u000E-\\u001F!-\\uFFFF",
                    _ => "\\" + next,
                });

                // Go reads a '-' after a class escape as a member ([\w-.] is word characters, '-' and '.'); after
                // the expansion, which ends in a plain character, it would start a range ('_'-'.' is reversed).
                // \x2D, not \-: .NET never starts a range at \-, where Go's [\w--/] holds the range '-'..'/'.
                if (inClass && next is 'd' or 'D' or 'w' or 'W' or 's' or 'S' && i + 1 < pattern.Length && pattern[i + 1] == '-')
                {
                    builder.Append("\\x2D");
                    i++;
                }

                continue;
            }

            if (inClass)
            {
                // A ']' first in the class (after '[' or '[^') is a member, not the end.
                inClass = c != ']' || i == classStart;
                builder.Append(c);
                continue;
            }

            if (c == '[')
            {
                var negated = i + 1 < pattern.Length && pattern[i + 1] == '^';
                builder.Append(negated ? "[^" : "[");
                i += negated ? 1 : 0;
                inClass = true;
                classStart = i + 1;
                continue;
            }

            builder.Append(c == '$' && !multiline ? "\\z" : c.ToString());
        }

        return builder.ToString();
    }

    // Whether an inline flag group ((?m), (?im:...)) turns the m flag on; a '-' turns the flags after it off.
    private static bool SetsMultiline(string pattern)
    {
        for (var at = pattern.IndexOf("(?", System.StringComparison.Ordinal); at >= 0; at = pattern.IndexOf("(?", at + 2, System.StringComparison.Ordinal))
        {
            for (var i = at + 2; i < pattern.Length && pattern[i] is not (')' or ':'); i++)
            {
                if (pattern[i] == '-')
                {
                    break;
                }

                if (pattern[i] == 'm')
                {
                    return true;
                }
            }
        }

        return false;
    }
}
