using System.Text;
using System.Text.RegularExpressions;

namespace SpoSdk.Recording.Merging;

/// <summary>
/// AppArmor path globs as the merger reads them: <c>**</c> any characters, <c>*</c> and <c>?</c> within
/// one path segment, <c>{a,b}</c> alternatives and <c>[...]</c> character classes. <c>@{var}</c> is kept as
/// literal text (the recorder writes <c>@{pid}</c> itself), so two profiles agree on it by equality.
/// </summary>
internal static class AppArmorGlob
{
    // Recorded paths are at most 4,096 bytes; a pattern past that cannot come from the recorder and
    // is only ever compared literally.
    private const int MaxPatternLength = 4096;

    /// <summary>Whether <paramref name="pattern"/> contains a glob token (else it only matches itself).</summary>
    public static bool IsGlob(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        for (var i = 0; i < pattern.Length; i++)
        {
            switch (pattern[i])
            {
                case '*' or '?':
                    return true;
                case '{' when (i == 0 || pattern[i - 1] != '@') && pattern.IndexOf('}', i + 1) > i + 1:
                    return true;
                case '[' when pattern.IndexOf(']', i + 1) > i + 1:
                    return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The anchored regular expression for a glob, or null when it is not a glob or too long. It runs with
    /// the non-backtracking engine: a hostile pattern like <c>/**/**/**/x</c> costs linear time per path.
    /// </summary>
    public static Regex? ToRegex(string pattern)
    {
        if (pattern.Length > MaxPatternLength || !IsGlob(pattern))
        {
            return null;
        }

        var builder = new StringBuilder("^", pattern.Length * 2);
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '*')
            {
                if (i + 1 < pattern.Length && pattern[i + 1] == '*')
                {
                    builder.Append(@"[^\0]*");
                    i++;
                }
                else
                {
                    builder.Append(@"[^/\0]*");
                }
            }
            else if (c == '?')
            {
                builder.Append("[^/]");
            }
            else if (c == '@' && i + 1 < pattern.Length && pattern[i + 1] == '{' && pattern.IndexOf('}', i + 2) is var varEnd and > 0)
            {
                builder.Append(Regex.Escape(pattern[i..(varEnd + 1)]));
                i = varEnd;
            }
            else if (c == '{' && pattern.IndexOf('}', i + 1) is var end and > 0 && end > i + 1)
            {
                var alternatives = pattern[(i + 1)..end].Split(',');
                builder.Append("(?:").AppendJoin('|', alternatives.Select(Regex.Escape)).Append(')');
                i = end;
            }
            else if (c == '[' && pattern.IndexOf(']', i + 1) is var close and > 0 && close > i + 1)
            {
                AppendClass(builder, pattern.AsSpan(i + 1, close - i - 1));
                i = close;
            }
            else
            {
                builder.Append(Regex.Escape(c.ToString()));
            }
        }

        builder.Append('$');
        try
        {
            return new Regex(builder.ToString(), RegexOptions.CultureInvariant | RegexOptions.NonBacktracking);
        }
        catch (ArgumentException)
        {
            // A class AppArmor would reject as well (e.g. the range [z-a]): the pattern only equals itself.
            return null;
        }
    }

    private static void AppendClass(StringBuilder builder, ReadOnlySpan<char> body)
    {
        builder.Append('[');
        var start = 0;
        if (body[0] == '^')
        {
            builder.Append('^');
            start = 1;
        }

        foreach (var c in body[start..])
        {
            // Only ranges keep their meaning; everything else in the class is a literal character.
            if (c == '-')
            {
                builder.Append('-');
            }
            else
            {
                builder.Append(c is '\\' or ']' or '[' or '^' ? "\\" + c : c.ToString());
            }
        }

        builder.Append(']');
    }
}

/// <summary>
/// A set of AppArmor path patterns that answers "is this path already allowed?" with glob awareness.
/// Literal patterns are found by hashing; only real globs cost a regular-expression match.
/// </summary>
internal sealed class AppArmorPathSet
{
    private readonly HashSet<string> _patterns = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Regex> _globs = new(StringComparer.Ordinal);

    public AppArmorPathSet(IEnumerable<string>? patterns)
    {
        foreach (var pattern in patterns ?? [])
        {
            Add(pattern);
        }
    }

    /// <summary>
    /// Whether some pattern equals or covers <paramref name="path"/>. A glob is covered only by an equal pattern: that
    /// its text matches another glob (<c>/etc/**</c> read as a literal matches <c>/etc/*</c>) says nothing of the paths it covers.
    /// </summary>
    public bool Matches(string path) => _patterns.Contains(path) || (!AppArmorGlob.IsGlob(path) && _globs.Values.Any(r => r.IsMatch(path)));

    /// <summary>Removes the pattern that is exactly <paramref name="path"/>; globs covering it stay.</summary>
    public void RemoveExact(string path)
    {
        _patterns.Remove(path);
        _globs.Remove(path);
    }

    /// <summary>
    /// Adds a pattern. A glob drops the literal entries it covers: they say nothing more, and keeping them
    /// would make the result depend on the order the inputs came in.
    /// </summary>
    public void Add(string pattern)
    {
        if (string.IsNullOrEmpty(pattern) || !_patterns.Add(pattern))
        {
            return;
        }

        if (AppArmorGlob.ToRegex(pattern) is { } regex)
        {
            _patterns.RemoveWhere(p => p != pattern && !_globs.ContainsKey(p) && regex.IsMatch(p));
            _globs[pattern] = regex;
        }
    }

    /// <summary>The patterns in ordinal order, or null when there are none (an omitted list).</summary>
    public List<string>? ToSortedList() => _patterns.Count == 0 ? null : _patterns.Order(StringComparer.Ordinal).ToList();
}
