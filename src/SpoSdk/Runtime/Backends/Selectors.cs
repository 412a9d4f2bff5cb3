using System.Text.Json;
using System.Text.Json.Nodes;

namespace SpoSdk.Runtime.Backends;

/// <summary>
/// Kubernetes label and field selectors, parsed once and matched against an object's JSON.
/// Labels: <c>a=b</c>, <c>a==b</c>, <c>a!=b</c>, <c>a</c>, <c>!a</c>, <c>a in (x,y)</c>, <c>a notin (x)</c>.
/// Fields: <c>path=value</c>, <c>path==value</c>, <c>path!=value</c> with dotted paths such as
/// <c>metadata.name</c> or <c>spec.nodeName</c>.
/// </summary>
public sealed class Selector
{
    private readonly IReadOnlyList<Func<JsonObject, bool>> _requirements;

    private Selector(IReadOnlyList<Func<JsonObject, bool>> requirements)
    {
        _requirements = requirements;
    }

    /// <summary>The selector that matches everything.</summary>
    public static Selector Everything { get; } = new([]);

    /// <summary>Whether <paramref name="obj"/> meets every requirement.</summary>
    public bool Matches(JsonObject obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        foreach (var requirement in _requirements)
        {
            if (!requirement(obj))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// What a watch filtered by this selector reports of a change, as the API server's watch cache does:
    /// an object entering the selection is <see cref="WatchEventType.Added"/>, one leaving it
    /// <see cref="WatchEventType.Deleted"/>; null when the change is invisible to the watcher.
    /// </summary>
    /// <param name="type">The change as stored (added, modified or deleted).</param>
    /// <param name="now">The object after the change (its last state for a deletion).</param>
    /// <param name="before">The object before the change; null for a creation.</param>
    public WatchEventType? Visible(WatchEventType type, JsonObject now, JsonObject? before)
    {
        ArgumentNullException.ThrowIfNull(now);
        var matchesNow = Matches(now);
        var matchedBefore = before is not null && Matches(before);
        return type switch
        {
            WatchEventType.Added => matchesNow ? WatchEventType.Added : null,
            WatchEventType.Modified when matchesNow && matchedBefore => WatchEventType.Modified,
            WatchEventType.Modified when matchesNow => WatchEventType.Added,
            WatchEventType.Modified when matchedBefore => WatchEventType.Deleted,
            WatchEventType.Deleted when matchesNow || matchedBefore => WatchEventType.Deleted,
            _ => null,
        };
    }

    /// <summary>Combines the label and field selectors of a list call. Throws <see cref="FormatException"/> for bad syntax.</summary>
    public static Selector From(ListOptions? options)
    {
        if (options is null)
        {
            return Everything;
        }

        var requirements = new List<Func<JsonObject, bool>>();
        if (!string.IsNullOrWhiteSpace(options.LabelSelector))
        {
            requirements.AddRange(ParseLabels(options.LabelSelector));
        }

        if (!string.IsNullOrWhiteSpace(options.FieldSelector))
        {
            requirements.AddRange(ParseFields(options.FieldSelector));
        }

        return requirements.Count == 0 ? Everything : new Selector(requirements);
    }

    private static IEnumerable<Func<JsonObject, bool>> ParseLabels(string text)
    {
        foreach (var part in SplitTopLevel(text))
        {
            var term = part.Trim();
            if (term.Length == 0)
            {
                throw new FormatException("empty label selector term in '" + text + "'");
            }

            if (TrySetTerm(term, " notin ", out var key, out var values))
            {
                yield return obj => Label(obj, key) is not { } value || !values.Contains(value);
            }
            else if (TrySetTerm(term, " in ", out key, out values))
            {
                yield return obj => Label(obj, key) is { } value && values.Contains(value);
            }
            else if (SplitOperator(term, out key, out var op, out var expected))
            {
                var equal = op != "!=";
                yield return obj => (Label(obj, key) == expected) == equal;
            }
            else if (term.StartsWith('!'))
            {
                var name = CheckKey(term[1..].Trim());
                yield return obj => Label(obj, name) is null;
            }
            else
            {
                var name = CheckKey(term);
                yield return obj => Label(obj, name) is not null;
            }
        }
    }

    private static IEnumerable<Func<JsonObject, bool>> ParseFields(string text)
    {
        foreach (var part in text.Split(','))
        {
            if (!SplitOperator(part.Trim(), out var path, out var op, out var expected))
            {
                throw new FormatException("field selector '" + part + "' must be path=value or path!=value");
            }

            var segments = path.Split('.');
            var equal = op != "!=";
            yield return obj => (Field(obj, segments) == expected) == equal;
        }
    }

    private static bool TrySetTerm(string term, string keyword, out string key, out HashSet<string> values)
    {
        key = string.Empty;
        values = [];
        var at = term.IndexOf(keyword, StringComparison.Ordinal);
        if (at < 0)
        {
            return false;
        }

        var set = term[(at + keyword.Length)..].Trim();
        if (!set.StartsWith('(') || !set.EndsWith(')'))
        {
            throw new FormatException("'" + term + "' needs a parenthesised value list");
        }

        key = CheckKey(term[..at].Trim());
        values = set[1..^1].Split(',').Select(v => v.Trim()).Where(v => v.Length > 0).ToHashSet(StringComparer.Ordinal);
        return true;
    }

    private static bool SplitOperator(string term, out string key, out string op, out string value)
    {
        foreach (var candidate in new[] { "!=", "==", "=" })
        {
            var at = term.IndexOf(candidate, StringComparison.Ordinal);
            if (at > 0)
            {
                key = CheckKey(term[..at].Trim());
                op = candidate;
                value = term[(at + candidate.Length)..].Trim();
                return true;
            }
        }

        key = op = value = string.Empty;
        return false;
    }

    private static string CheckKey(string key) =>
        key.Length == 0 || key.Any(c => char.IsWhiteSpace(c) || c is '(' or ')' or ',' or '=' or '!')
            ? throw new FormatException("'" + key + "' is not a valid selector key")
            : key;

    // Commas inside "in (a,b)" do not separate terms.
    private static List<string> SplitTopLevel(string text)
    {
        var parts = new List<string>();
        var depth = 0;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            switch (text[i])
            {
                case '(': depth++; break;
                case ')': depth--; break;
                case ',' when depth == 0:
                    parts.Add(text[start..i]);
                    start = i + 1;
                    break;
            }
        }

        parts.Add(text[start..]);
        return parts;
    }

    private static string? Label(JsonObject obj, string key) =>
        obj["metadata"]?["labels"]?[key] is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : null;

    private static string? Field(JsonObject obj, string[] segments)
    {
        JsonNode? node = obj;
        foreach (var segment in segments)
        {
            node = (node as JsonObject)?[segment];
        }

        return node switch
        {
            JsonValue value when value.GetValueKind() == JsonValueKind.String => value.GetValue<string>(),
            JsonValue value => value.ToJsonString(),
            _ => string.Empty,
        };
    }
}
