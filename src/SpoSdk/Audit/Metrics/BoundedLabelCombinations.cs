using System.Collections.Concurrent;

namespace SpoSdk.Audit.Metrics;

/// <summary>
/// The label combinations (series) one counter has taken, capped: each label's own cap (<see cref="BoundedLabelValues"/>)
/// bounds its values, not their product, which for a counter of seven such labels is far beyond any scrape. A combination
/// seen before costs a lookup (no allocation); a new one is admitted until the cap is reached, and from then on new
/// combinations are not (the caller reports them as one series of overflow values).
/// </summary>
internal sealed class BoundedLabelCombinations
{
    // Enough for the widest counter (the AppArmor audit counter has seven labels).
    private const int MaxLabels = 7;

    private readonly ConcurrentDictionary<Combination, byte> _seen = new();
    private readonly int _max;
    private int _count;

    public BoundedLabelCombinations(int max)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(max);
        _max = max;
    }

    public int Count => Volatile.Read(ref _count);

    /// <summary>Whether the combination of <paramref name="labels"/>' values may have its own series.</summary>
    public bool Admit(ReadOnlySpan<KeyValuePair<string, object?>> labels)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(labels.Length, MaxLabels, nameof(labels));
        var combination = new Combination(
            Value(labels, 0), Value(labels, 1), Value(labels, 2), Value(labels, 3), Value(labels, 4), Value(labels, 5), Value(labels, 6));
        if (_seen.ContainsKey(combination))
        {
            return true;
        }

        if (Interlocked.Increment(ref _count) > _max)
        {
            Interlocked.Decrement(ref _count);
            return false;
        }

        if (!_seen.TryAdd(combination, 0))
        {
            // Another thread stored it first.
            Interlocked.Decrement(ref _count);
        }

        return true;
    }

    private static string? Value(ReadOnlySpan<KeyValuePair<string, object?>> labels, int index) =>
        index < labels.Length ? (string?)labels[index].Value : null;

    // The values in label order; a counter always passes its labels in the same order.
    private readonly record struct Combination(string? V0, string? V1, string? V2, string? V3, string? V4, string? V5, string? V6);
}
