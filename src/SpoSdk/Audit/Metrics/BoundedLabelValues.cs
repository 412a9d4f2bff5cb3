using System.Collections.Concurrent;

namespace SpoSdk.Audit.Metrics;

/// <summary>
/// The values one label has taken, capped: a value seen before costs a lookup (no allocation), a new value is
/// stored until the cap is reached, and from then on new values become <see cref="SpodMetricsOptions.OverflowValue"/>.
/// </summary>
internal sealed class BoundedLabelValues
{
    private readonly ConcurrentDictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _bySpan;
    private readonly int _max;
    private int _count;

    public BoundedLabelValues(int max)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(max);
        _max = max;
        _bySpan = _values.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public int Count => Volatile.Read(ref _count);

    public string Get(ReadOnlySpan<char> value)
    {
        if (_bySpan.TryGetValue(value, out var known))
        {
            return known;
        }

        if (Interlocked.Increment(ref _count) > _max)
        {
            Interlocked.Decrement(ref _count);
            return SpodMetricsOptions.OverflowValue;
        }

        var text = value.ToString();
        if (!_values.TryAdd(text, text))
        {
            // Another thread stored it first.
            Interlocked.Decrement(ref _count);
            return _values[text];
        }

        return text;
    }
}
