using System.Globalization;

namespace SpoSdk.Audit.Filtering;

/// <summary>
/// One enricher filter (SPOD <c>enricher.logEnricherFilters</c> / <c>jsonEnricherFilters</c>): when any of
/// <see cref="MatchKeys"/> exists and, if <see cref="MatchValues"/> is given, its value equals one of them, the
/// filter decides the event's <see cref="Level"/>.
/// </summary>
public sealed class AuditFilter
{
    private readonly long?[] _integerValues;

    /// <summary>Creates a filter.</summary>
    public AuditFilter(int priority, AuditFilterLevel level, IReadOnlyList<string>? matchKeys = null, IReadOnlyList<string>? matchValues = null)
    {
        Priority = priority;
        Level = level;
        MatchKeys = matchKeys is null ? [] : [.. matchKeys];
        MatchValues = matchValues is null ? null : [.. matchValues];
        _integerValues = MatchValues is null ? [] : [.. MatchValues.Select(ParseGoInt)];
    }

    /// <summary>Lower runs first.</summary>
    public int Priority { get; }

    /// <summary>What a match decides.</summary>
    public AuditFilterLevel Level { get; }

    /// <summary>Keys, any of which may match; <c>a/b</c> descends into nested objects.</summary>
    public IReadOnlyList<string> MatchKeys { get; }

    /// <summary>Values to compare with (strings; integers also compare numerically); null or empty means "key exists".</summary>
    public IReadOnlyList<string>? MatchValues { get; }

    /// <summary>Whether this filter matches <paramref name="subject"/>.</summary>
    public bool Matches<TSubject>(in TSubject subject)
        where TSubject : IAuditFilterSubject, allows ref struct
    {
        foreach (var key in MatchKeys)
        {
            var value = subject.GetValue(key);
            if (value.Kind != AuditFilterValueKind.Missing && MatchesValue(value))
            {
                return true;
            }
        }

        return false;
    }

    private bool MatchesValue(AuditFilterValue value)
    {
        if (MatchValues is null || MatchValues.Count == 0)
        {
            return true;
        }

        for (var i = 0; i < MatchValues.Count; i++)
        {
            if (value.Kind == AuditFilterValueKind.String && value.Text.Span.SequenceEqual(MatchValues[i]))
            {
                return true;
            }

            // Numbers compare numerically ("050" matches 50), as upstream's Atoi-based comparison.
            if (value.Kind == AuditFilterValueKind.Integer && _integerValues[i] == value.Integer)
            {
                return true;
            }
        }

        return false;
    }

    // Go's strconv.Atoi: an optional sign and decimal digits, no spaces.
    private static long? ParseGoInt(string value) =>
        long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var result) ? result : null;
}
