namespace SpoSdk.Audit.Enrichment;

/// <summary>
/// A bounded map whose entries expire a fixed time after they were set: at capacity the least recently used entry
/// goes. Time comes from a <see cref="TimeProvider"/>; expired entries are dropped when met. Thread-safe.
/// </summary>
/// <typeparam name="TKey">The key.</typeparam>
/// <typeparam name="TValue">The value.</typeparam>
internal sealed class LruTtlCache<TKey, TValue>
    where TKey : notnull
{
    private readonly object _gate = new();
    private readonly Dictionary<TKey, LinkedListNode<Entry>> _entries = new();
    private readonly LinkedList<Entry> _recency = new();
    private readonly TimeProvider _time;
    private long _evictions;
    private long _expirations;

    public LruTtlCache(int capacity, TimeSpan timeToLive, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeToLive, TimeSpan.Zero);
        ArgumentNullException.ThrowIfNull(time);
        Capacity = capacity;
        TimeToLive = timeToLive;
        _time = time;
    }

    public int Capacity { get; }

    public TimeSpan TimeToLive { get; }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>Entries pushed out by capacity.</summary>
    public long Evictions => Interlocked.Read(ref _evictions);

    /// <summary>Entries found expired.</summary>
    public long Expirations => Interlocked.Read(ref _expirations);

    public bool TryGet(TKey key, out TValue value)
    {
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            if (_entries.TryGetValue(key, out var node))
            {
                if (node.Value.ExpiresAt > now)
                {
                    _recency.Remove(node);
                    _recency.AddLast(node);
                    value = node.Value.Value;
                    return true;
                }

                RemoveNode(node);
                _expirations++;
            }
        }

        value = default!;
        return false;
    }

    public void Set(TKey key, TValue value)
    {
        var entry = new Entry(key, value, _time.GetUtcNow() + TimeToLive);
        lock (_gate)
        {
            if (_entries.TryGetValue(key, out var existing))
            {
                RemoveNode(existing);
            }
            else if (_entries.Count >= Capacity)
            {
                RemoveNode(_recency.First!);
                _evictions++;
            }

            _entries[key] = _recency.AddLast(entry);
        }
    }

    public bool Remove(TKey key)
    {
        lock (_gate)
        {
            if (!_entries.TryGetValue(key, out var node))
            {
                return false;
            }

            RemoveNode(node);
            return true;
        }
    }

    private void RemoveNode(LinkedListNode<Entry> node)
    {
        _recency.Remove(node);
        _entries.Remove(node.Value.Key);
    }

    private sealed record Entry(TKey Key, TValue Value, DateTimeOffset ExpiresAt);
}
