using System.Text;

namespace SpoSdk.Api.Schema;

/// <summary>
/// Formats JSON paths the way SpoSdk reports them: dots for identifier keys, brackets otherwise
/// (<c>$.spec.syscalls[0].action</c>, <c>$.spec.allow['@self']</c>).
/// </summary>
public static class JsonPath
{
    /// <summary>The root path.</summary>
    public const string Root = "$";

    /// <summary>Appends a property name to <paramref name="builder"/>.</summary>
    public static void AppendProperty(StringBuilder builder, string name)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(name);
        if (IsIdentifier(name))
        {
            builder.Append('.').Append(name);
            return;
        }

        builder.Append("['");
        foreach (var c in name)
        {
            switch (c)
            {
                case '\'': builder.Append("\\'"); break;
                case '\\': builder.Append("\\\\"); break;
                case '\n': builder.Append("\\n"); break;
                case '\r': builder.Append("\\r"); break;
                case '\t': builder.Append("\\t"); break;
                default:
                    if (char.IsControl(c))
                    {
                        builder.Append("\\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        builder.Append(c);
                    }

                    break;
            }
        }

        builder.Append("']");
    }

    /// <summary>Appends a list index to <paramref name="builder"/>.</summary>
    public static void AppendIndex(StringBuilder builder, int index)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Append('[').Append(index).Append(']');
    }

    /// <summary>Returns <paramref name="parent"/> extended by a property name.</summary>
    public static string Property(string parent, string name)
    {
        var builder = new StringBuilder(parent);
        AppendProperty(builder, name);
        return builder.ToString();
    }

    /// <summary>Returns <paramref name="parent"/> extended by a list index.</summary>
    public static string Index(string parent, int index) => parent + "[" + index.ToString(System.Globalization.CultureInfo.InvariantCulture) + "]";

    /// <summary>
    /// Splits a path this class wrote back into its segments: strings for properties, ints for
    /// list indexes. Returns false for anything else.
    /// </summary>
    public static bool TryParse(string path, out IReadOnlyList<object> segments)
    {
        ArgumentNullException.ThrowIfNull(path);
        var result = new List<object>();
        segments = result;
        if (!path.StartsWith(Root, StringComparison.Ordinal))
        {
            return false;
        }

        var i = 1;
        while (i < path.Length)
        {
            if (path[i] == '.')
            {
                var start = ++i;
                while (i < path.Length && (char.IsAsciiLetterOrDigit(path[i]) || path[i] == '_'))
                {
                    i++;
                }

                if (i == start)
                {
                    return false;
                }

                result.Add(path[start..i]);
            }
            else if (path.AsSpan(i).StartsWith("['"))
            {
                var name = new StringBuilder();
                for (i += 2; ; i++)
                {
                    if (i >= path.Length)
                    {
                        return false;
                    }

                    if (path[i] == '\\' && i + 1 < path.Length)
                    {
                        i++;
                        if (path[i] == 'u' && i + 4 < path.Length && ushort.TryParse(path.AsSpan(i + 1, 4), System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture, out var code))
                        {
                            // Control characters are written as \uXXXX.
                            name.Append((char)code);
                            i += 4;
                        }
                        else
                        {
                            name.Append(path[i] switch { 'n' => '\n', 'r' => '\r', 't' => '\t', var c => c });
                        }
                    }
                    else if (path[i] == '\'' && i + 1 < path.Length && path[i + 1] == ']')
                    {
                        i += 2;
                        break;
                    }
                    else
                    {
                        name.Append(path[i]);
                    }
                }

                result.Add(name.ToString());
            }
            else if (path[i] == '[')
            {
                var close = path.IndexOf(']', i);
                if (close < 0 || !int.TryParse(path.AsSpan(i + 1, close - i - 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var index))
                {
                    return false;
                }

                result.Add(index);
                i = close + 1;
            }
            else
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Whether a key can be written after a dot: a letter or underscore, then letters, digits or underscores.</summary>
    public static bool IsIdentifier(string name)
    {
        if (name.Length == 0 || !(char.IsAsciiLetter(name[0]) || name[0] == '_'))
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '_'))
            {
                return false;
            }
        }

        return true;
    }
}
