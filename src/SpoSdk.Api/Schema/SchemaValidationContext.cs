using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace SpoSdk.Api.Schema;

/// <summary>
/// Collects schema violations while generated validators walk an object. Tracks the current JSON
/// position as a stack of segments, so paths are only formatted when something is wrong.
/// </summary>
public sealed class SchemaValidationContext
{
    private readonly List<Segment> _segments = new();
    private readonly List<SchemaViolation> _violations = new();

    /// <summary>Creates a context.</summary>
    /// <param name="strict">Whether fields the schema does not define are violations.</param>
    public SchemaValidationContext(bool strict = true)
    {
        Strict = strict;
    }

    /// <summary>Whether fields the schema does not define are violations.</summary>
    public bool Strict { get; }

    /// <summary>The violations found so far, in the order they were found.</summary>
    public IReadOnlyList<SchemaViolation> Violations => _violations;

    /// <summary>Whether no violation was found.</summary>
    public bool IsValid => _violations.Count == 0;

    /// <summary>The current position as a JSON path.</summary>
    public string CurrentPath => FormatPath(null, null);

    /// <summary>Moves into a property.</summary>
    public void Enter(string property) => _segments.Add(new Segment(property, -1));

    /// <summary>Moves into a list item.</summary>
    public void EnterIndex(int index) => _segments.Add(new Segment(null, index));

    /// <summary>Moves back out of the last property or item entered.</summary>
    public void Exit() => _segments.RemoveAt(_segments.Count - 1);

    /// <summary>Records a violation at <paramref name="field"/> below the current position (or at it, when null).</summary>
    public void Report(string? field, SchemaViolationType type, string message) =>
        _violations.Add(new SchemaViolation(FormatPath(field, null), type, message));

    /// <summary>Records a violation at an item of a list below the current position.</summary>
    public void ReportAtIndex(string? field, int index, SchemaViolationType type, string message) =>
        _violations.Add(new SchemaViolation(FormatPath(field, index), type, message));

    /// <summary>Reports a missing required field.</summary>
    public void Required(string field) => Report(field, SchemaViolationType.Required, "Required value");

    /// <summary>Reports every field the schema does not define, when strict.</summary>
    public void UnknownFields(IDictionary<string, JsonElement>? unknownFields)
    {
        if (!Strict || unknownFields is null || unknownFields.Count == 0)
        {
            return;
        }

        foreach (var key in unknownFields.Keys.Order(StringComparer.Ordinal))
        {
            Report(key, SchemaViolationType.UnknownField, "unknown field \"" + key + "\"");
        }
    }

    /// <summary>Checks that an enum value is one the schema lists.</summary>
    public void Enum<T>(string? field, T value)
        where T : struct, ISpoStringEnum<T>
    {
        if (value.Value is not null && !value.IsKnown)
        {
            Report(field, SchemaViolationType.NotSupported, NotSupportedMessage(value.Value, T.KnownValues));
        }
    }

    /// <summary>Checks an enum-valued list item.</summary>
    public void EnumAtIndex<T>(string? field, int index, T value)
        where T : struct, ISpoStringEnum<T>
    {
        if (value.Value is null)
        {
            ReportAtIndex(field, index, SchemaViolationType.Required, "Required value");
        }
        else if (!value.IsKnown)
        {
            ReportAtIndex(field, index, SchemaViolationType.NotSupported, NotSupportedMessage(value.Value, T.KnownValues));
        }
    }

    /// <summary>Checks a string against a pattern.</summary>
    public void Pattern(string? field, string value, Regex regex, string pattern)
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(regex);
        if (!regex.IsMatch(value))
        {
            Report(field, SchemaViolationType.Invalid, "Invalid value: " + Quote(value) + ": should match '" + pattern + "'");
        }
    }

    /// <summary>Checks a string's length in characters (Unicode code points, as Kubernetes counts them).</summary>
    public void Length(string? field, string value, long? minLength, long? maxLength)
    {
        ArgumentNullException.ThrowIfNull(value);
        var length = CountRunes(value);
        if (minLength is { } min && length < min)
        {
            Report(field, SchemaViolationType.Invalid, "Invalid value: " + Quote(value) + ": should be at least " + min + " chars long");
        }

        if (maxLength is { } max && length > max)
        {
            Report(field, SchemaViolationType.TooMany, "Too long: may not be longer than " + max + " characters");
        }
    }

    /// <summary>Checks an integer against its bounds.</summary>
    public void Range(string? field, long value, long? minimum, bool exclusiveMinimum, long? maximum, bool exclusiveMaximum)
    {
        if (minimum is { } min && (exclusiveMinimum ? value <= min : value < min))
        {
            Report(field, SchemaViolationType.Invalid, "Invalid value: " + value.ToString(CultureInfo.InvariantCulture) + ": should be greater than " + (exclusiveMinimum ? string.Empty : "or equal to ") + min.ToString(CultureInfo.InvariantCulture));
        }

        if (maximum is { } max && (exclusiveMaximum ? value >= max : value > max))
        {
            Report(field, SchemaViolationType.Invalid, "Invalid value: " + value.ToString(CultureInfo.InvariantCulture) + ": should be less than " + (exclusiveMaximum ? string.Empty : "or equal to ") + max.ToString(CultureInfo.InvariantCulture));
        }
    }

    /// <summary>Checks a number against its bounds.</summary>
    public void Range(string? field, double value, double? minimum, bool exclusiveMinimum, double? maximum, bool exclusiveMaximum)
    {
        if (minimum is { } min && (exclusiveMinimum ? value <= min : value < min))
        {
            Report(field, SchemaViolationType.Invalid, "Invalid value: " + value.ToString("R", CultureInfo.InvariantCulture) + ": should be greater than " + (exclusiveMinimum ? string.Empty : "or equal to ") + min.ToString("R", CultureInfo.InvariantCulture));
        }

        if (maximum is { } max && (exclusiveMaximum ? value >= max : value > max))
        {
            Report(field, SchemaViolationType.Invalid, "Invalid value: " + value.ToString("R", CultureInfo.InvariantCulture) + ": should be less than " + (exclusiveMaximum ? string.Empty : "or equal to ") + max.ToString("R", CultureInfo.InvariantCulture));
        }
    }

    /// <summary>Checks the number of items in a list or map.</summary>
    public void Items(string? field, int count, long? minItems, long? maxItems)
    {
        if (minItems is { } min && count < min)
        {
            Report(field, SchemaViolationType.TooFew, "Too few: " + count + ": must have at least " + min + " items");
        }

        if (maxItems is { } max && count > max)
        {
            Report(field, SchemaViolationType.TooMany, "Too many: " + count + ": must have at most " + max + " items");
        }
    }

    /// <summary>Checks that a <c>x-kubernetes-list-type: set</c> list holds no value twice.</summary>
    public void UniqueItems<T>(string? field, IList<T> items, IEqualityComparer<T>? comparer = null)
    {
        ArgumentNullException.ThrowIfNull(items);
        var seen = new HashSet<T>(comparer ?? EqualityComparer<T>.Default);
        for (var i = 0; i < items.Count; i++)
        {
            if (!seen.Add(items[i]))
            {
                ReportAtIndex(field, i, SchemaViolationType.Duplicate, "Duplicate value: " + Describe(items[i]));
            }
        }
    }

    /// <summary>Checks that a <c>x-kubernetes-list-type: map</c> list holds no key twice.</summary>
    public void UniqueKeys<T>(string? field, IList<T> items, Func<T, string> key)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(key);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < items.Count; i++)
        {
            if (items[i] is null)
            {
                continue;
            }

            var k = key(items[i]);
            if (!seen.Add(k))
            {
                ReportAtIndex(field, i, SchemaViolationType.Duplicate, "Duplicate value: " + k);
            }
        }
    }

    /// <summary>
    /// Checks that a <c>x-kubernetes-list-type: map</c> list with several keys holds no combination of key values
    /// twice. The values compare one by one, never as joined text, so <c>{a/b, c}</c> and <c>{a, b/c}</c> differ.
    /// </summary>
    /// <param name="field">The list field, or null for the current position.</param>
    /// <param name="items">The list; null items are skipped.</param>
    /// <param name="keyNames">The key fields, in the order <paramref name="keys"/> returns their values.</param>
    /// <param name="keys">An item's key values; a missing one (null) counts as empty, as in the one-key overload.</param>
    public void UniqueKeys<T>(string? field, IList<T> items, IReadOnlyList<string> keyNames, Func<T, string?[]> keys)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(keyNames);
        ArgumentNullException.ThrowIfNull(keys);
        var seen = new HashSet<string[]>(KeyTupleComparer.Instance);
        for (var i = 0; i < items.Count; i++)
        {
            if (items[i] is null)
            {
                continue;
            }

            var k = Array.ConvertAll(keys(items[i]), part => part ?? string.Empty);
            if (!seen.Add(k))
            {
                ReportAtIndex(field, i, SchemaViolationType.Duplicate, "Duplicate value: " + DescribeKeys(keyNames, k));
            }
        }
    }

    /// <summary>
    /// Builds a CRD pattern regex with the API server's meaning (Go's RE2, see <see cref="FromGoSyntax"/>):
    /// linear-time where the engine allows it, since values may be hostile.
    /// </summary>
    public static Regex CreatePattern(string pattern)
    {
        var translated = FromGoSyntax(pattern);
        try
        {
            return new Regex(translated, RegexOptions.NonBacktracking | RegexOptions.CultureInvariant);
        }
        catch (NotSupportedException)
        {
            return new Regex(translated, RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100));
        }
    }

    /// <summary>
    /// Rewrites what reads the same but means otherwise in .NET: Go's <c>$</c> (without the m flag) is the end of
    /// the text, where .NET's also matches before a final newline (so <c>"name\n"</c> would pass), and Go's
    /// <c>\d</c>, <c>\w</c> and <c>\s</c> (and their negations) are ASCII-only, where .NET's take any Unicode digit,
    /// letter or space (inside a class the negations become their complements as ranges). With the m flag <c>$</c>
    /// keeps its line meaning, which both engines share.
    /// </summary>
    public static string FromGoSyntax(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        return GoPatternTranslation.FromGoSyntax(pattern);
    }

    private static string NotSupportedMessage(string value, IReadOnlyList<string> known)
    {
        var builder = new StringBuilder("Unsupported value: ").Append(Quote(value)).Append(": supported values: ");
        for (var i = 0; i < known.Count; i++)
        {
            if (i > 0)
            {
                builder.Append(", ");
            }

            builder.Append(Quote(known[i]));
        }

        return builder.ToString();
    }

    private static string Describe<T>(T value) => value switch
    {
        null => "null",
        string s => Quote(s),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => Quote(value.ToString() ?? string.Empty),
    };

    private static string Quote(string value) => JsonSerializer.Serialize(value);

    // The key fields and values as a JSON object, {"name":"a","path":"c"}, as the API server names the item.
    private static string DescribeKeys(IReadOnlyList<string> names, string[] values)
    {
        var builder = new StringBuilder("{");
        for (var i = 0; i < values.Length; i++)
        {
            builder.Append(i == 0 ? string.Empty : ",")
                .Append(Quote(i < names.Count ? names[i] : i.ToString(CultureInfo.InvariantCulture)))
                .Append(':')
                .Append(Quote(values[i]));
        }

        return builder.Append('}').ToString();
    }

    private static int CountRunes(string value)
    {
        var count = 0;
        foreach (var unused in value.EnumerateRunes())
        {
            count++;
        }

        return count;
    }

    private string FormatPath(string? field, int? index)
    {
        var builder = new StringBuilder(JsonPath.Root);
        foreach (var segment in _segments)
        {
            if (segment.Name is null)
            {
                JsonPath.AppendIndex(builder, segment.Index);
            }
            else
            {
                JsonPath.AppendProperty(builder, segment.Name);
            }
        }

        if (field is not null)
        {
            JsonPath.AppendProperty(builder, field);
        }

        if (index is { } i)
        {
            JsonPath.AppendIndex(builder, i);
        }

        return builder.ToString();
    }

    private readonly record struct Segment(string? Name, int Index);

    // Compares key tuples part by part, ordinally.
    private sealed class KeyTupleComparer : IEqualityComparer<string[]>
    {
        public static readonly KeyTupleComparer Instance = new();

        public bool Equals(string[]? x, string[]? y) =>
            ReferenceEquals(x, y) || (x is not null && y is not null && x.AsSpan().SequenceEqual(y));

        public int GetHashCode(string[] obj)
        {
            var hash = new HashCode();
            foreach (var part in obj)
            {
                hash.Add(part, StringComparer.Ordinal);
            }

            return hash.ToHashCode();
        }
    }
}
