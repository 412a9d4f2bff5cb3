namespace SpoSdk.Oci.Resolution;

/// <summary>
/// A bounded, thread-safe map that drops the least recently used entries when full (by count, and by
/// total weight when the values are weighed) and expired entries on read.
/// </summary>
internal sealed class LruCache<TKey, TValue>
    where TKey : notnull
{
    private readonly int _capacity;
    private readonly long _maxWeight;
    private readonly Func<TValue, long> _weigh;
    private readonly TimeProvider _time;
    private readonly Dictionary<TKey, LinkedListNode<Entry>> _entries = [];
    private readonly LinkedList<Entry> _order = new();
    private readonly Lock _lock = new();
    private long _weight;

    /// <summary>Creates the cache.</summary>
    /// <param name="capacity">The most entries kept.</param>
    /// <param name="time">The clock for lifetimes.</param>
    /// <param name="maxWeight">The most total weight kept; a value heavier than this on its own is not kept.</param>
    /// <param name="weigh">The weight of a value (e.g. its bytes); every value weighs 0 when null.</param>
    public LruCache(int capacity, TimeProvider time, long maxWeight = long.MaxValue, Func<TValue, long>? weigh = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxWeight, 1);
        _capacity = capacity;
        _maxWeight = maxWeight;
        _weigh = weigh ?? (_ => 0);
        _time = time;
    }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>The total weight of the entries kept.</summary>
    public long Weight
    {
        get
        {
            lock (_lock)
            {
                return _weight;
            }
        }
    }

    public bool TryGet(TKey key, out TValue value)
    {
        lock (_lock)
        {
            if (_entries.TryGetValue(key, out var node))
            {
                if (node.Value.Expires > _time.GetUtcNow())
                {
                    _order.Remove(node);
                    _order.AddFirst(node);
                    value = node.Value.Value;
                    return true;
                }

                Remove(node);
            }

            value = default!;
            return false;
        }
    }

    public void Set(TKey key, TValue value, TimeSpan? lifetime = null)
    {
        var expires = lifetime is { } ttl ? _time.GetUtcNow() + ttl : DateTimeOffset.MaxValue;
        var weight = _weigh(value);
        ArgumentOutOfRangeException.ThrowIfNegative(weight);
        lock (_lock)
        {
            if (_entries.TryGetValue(key, out var existing))
            {
                Remove(existing);
            }

            // Too heavy to keep even alone: evicting everything else for it would not help.
            if (weight > _maxWeight)
            {
                return;
            }

            while ((_entries.Count >= _capacity || _weight > _maxWeight - weight) && _order.Last is { } oldest)
            {
                Remove(oldest);
            }

            _entries[key] = _order.AddFirst(new Entry(key, value, expires, weight));
            _weight += weight;
        }
    }

    public void Clear()
    {
        lock (_lock)
        {
            _entries.Clear();
            _order.Clear();
            _weight = 0;
        }
    }

    private void Remove(LinkedListNode<Entry> node)
    {
        _order.Remove(node);
        _entries.Remove(node.Value.Key);
        _weight -= node.Value.Weight;
    }

    private readonly record struct Entry(TKey Key, TValue Value, DateTimeOffset Expires, long Weight);
}
