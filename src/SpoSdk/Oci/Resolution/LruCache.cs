namespace SpoSdk.Oci.Resolution;

/// <summary>A bounded, thread-safe map that drops the least recently used entry when full and expired entries on read.</summary>
internal sealed class LruCache<TKey, TValue>
    where TKey : notnull
{
    private readonly int _capacity;
    private readonly TimeProvider _time;
    private readonly Dictionary<TKey, LinkedListNode<(TKey Key, TValue Value, DateTimeOffset Expires)>> _entries = [];
    private readonly LinkedList<(TKey Key, TValue Value, DateTimeOffset Expires)> _order = new();
    private readonly Lock _lock = new();

    public LruCache(int capacity, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
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

                _order.Remove(node);
                _entries.Remove(key);
            }

            value = default!;
            return false;
        }
    }

    public void Set(TKey key, TValue value, TimeSpan? lifetime = null)
    {
        var expires = lifetime is { } ttl ? _time.GetUtcNow() + ttl : DateTimeOffset.MaxValue;
        lock (_lock)
        {
            if (_entries.Remove(key, out var existing))
            {
                _order.Remove(existing);
            }

            while (_entries.Count >= _capacity && _order.Last is { } oldest)
            {
                _order.RemoveLast();
                _entries.Remove(oldest.Value.Key);
            }

            _entries[key] = _order.AddFirst((key, value, expires));
        }
    }

    public void Clear()
    {
        lock (_lock)
        {
            _entries.Clear();
            _order.Clear();
        }
    }
}
