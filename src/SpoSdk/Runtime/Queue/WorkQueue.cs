namespace SpoSdk.Runtime.Queue;

/// <summary>
/// A controller's queue of keys, with client-go's guarantees: FIFO; a key already waiting is not
/// added twice; a key being processed is never handed out again until <see cref="Done"/>, and if it
/// was added meanwhile it comes back after that; delayed and rate-limited adds.
/// </summary>
/// <typeparam name="TKey">The key type.</typeparam>
public sealed class WorkQueue<TKey> : IDisposable
    where TKey : notnull
{
    // The longest due time a timer accepts (uint.MaxValue - 1 ms, about 49.7 days); a longer delay re-arms when it fires.
    private static readonly TimeSpan MaxTimerDelay = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    private readonly object _gate = new();
    private readonly Queue<TKey> _queue = new();
    private readonly HashSet<TKey> _dirty = new();
    private readonly HashSet<TKey> _processing = new();
    private readonly Dictionary<TKey, long> _addedAt = new();
    private readonly Dictionary<TKey, (ITimer Timer, long Due)> _delayed = new();
    private readonly SemaphoreSlim _available = new(0);
    private readonly IRateLimiter<TKey> _limiter;
    private readonly TimeProvider _time;
    private readonly WorkQueueMetrics? _metrics;
    private bool _shuttingDown;

    /// <summary>Creates a queue.</summary>
    /// <param name="name">The queue's name, for metrics.</param>
    /// <param name="limiter">Decides retry delays.</param>
    /// <param name="time">The clock.</param>
    /// <param name="metrics">Where queue metrics go, if anywhere.</param>
    public WorkQueue(string name, IRateLimiter<TKey> limiter, TimeProvider time, WorkQueueMetrics? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(limiter);
        ArgumentNullException.ThrowIfNull(time);
        Name = name;
        _limiter = limiter;
        _time = time;
        _metrics = metrics;
        _metrics?.Register(this);
    }

    /// <summary>The queue's name.</summary>
    public string Name { get; }

    /// <summary>How many keys wait to be handed out.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _queue.Count;
            }
        }
    }

    /// <summary>Whether no key waits or is being worked on (keys due later do not count).</summary>
    public bool IsIdle
    {
        get
        {
            lock (_gate)
            {
                return _queue.Count == 0 && _processing.Count == 0;
            }
        }
    }

    /// <summary>Adds a key now.</summary>
    public void Add(TKey key)
    {
        lock (_gate)
        {
            if (_shuttingDown || !_dirty.Add(key))
            {
                return;
            }

            _metrics?.Added(Name);
            _addedAt[key] = _time.GetTimestamp();
            if (_processing.Contains(key))
            {
                // Comes back when the worker calls Done.
                return;
            }

            _queue.Enqueue(key);
        }

        _available.Release();
    }

    /// <summary>Adds a key after a delay; a sooner pending delay for the same key wins.</summary>
    public void AddAfter(TKey key, TimeSpan delay)
    {
        if (delay <= TimeSpan.Zero)
        {
            Add(key);
            return;
        }

        lock (_gate)
        {
            if (_shuttingDown)
            {
                return;
            }

            var due = DueAfter(_time.GetTimestamp(), delay);
            if (_delayed.TryGetValue(key, out var pending))
            {
                if (pending.Due <= due)
                {
                    return;
                }

                pending.Timer.Dispose();
            }

            var timer = _time.CreateTimer(static state => ((Action)state!)(), (Action)(() => FireDelayed(key, due)), Clamp(delay), Timeout.InfiniteTimeSpan);
            _delayed[key] = (timer, due);
        }
    }

    /// <summary>Adds a key after the delay its failures earn (a retry).</summary>
    public void AddRateLimited(TKey key)
    {
        _metrics?.Retried(Name);
        AddAfter(key, _limiter.When(key));
    }

    /// <summary>Forgets a key's failures (it succeeded).</summary>
    public void Forget(TKey key) => _limiter.Forget(key);

    /// <summary>How many times the key was retried since it last succeeded.</summary>
    public int Retries(TKey key) => _limiter.Retries(key);

    /// <summary>Waits for the next key; returns false once the queue is shut down and empty.</summary>
    public async Task<(bool Ok, TKey Key)> TryGetAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            await _available.WaitAsync(cancellationToken).ConfigureAwait(false);
            lock (_gate)
            {
                if (_queue.Count == 0)
                {
                    if (_shuttingDown)
                    {
                        // Keep the shutdown signal for the other workers.
                        _available.Release();
                        return (false, default!);
                    }

                    continue;
                }

                var key = _queue.Dequeue();
                _processing.Add(key);
                _dirty.Remove(key);
                if (_addedAt.Remove(key, out var added))
                {
                    _metrics?.Waited(Name, _time.GetElapsedTime(added));
                }

                return (true, key);
            }
        }
    }

    /// <summary>Marks a key as processed; if it was added meanwhile, it is queued again.</summary>
    public void Done(TKey key)
    {
        var requeued = false;
        lock (_gate)
        {
            _processing.Remove(key);
            if (_dirty.Contains(key))
            {
                _queue.Enqueue(key);
                requeued = true;
            }
        }

        if (requeued)
        {
            _available.Release();
        }
    }

    /// <summary>Stops accepting keys; waiting workers get false once the queue drains.</summary>
    public void ShutDown()
    {
        lock (_gate)
        {
            if (_shuttingDown)
            {
                return;
            }

            _shuttingDown = true;
            foreach (var (timer, _) in _delayed.Values)
            {
                timer.Dispose();
            }

            _delayed.Clear();
        }

        _available.Release();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        ShutDown();
        _metrics?.Unregister(this);
    }

    private static TimeSpan Clamp(TimeSpan delay) => delay < MaxTimerDelay ? delay : MaxTimerDelay;

    private long DueAfter(long now, TimeSpan delay)
    {
        // Saturates: a delay of centuries means never, not an overflow into the past.
        var ticks = delay.TotalSeconds * _time.TimestampFrequency;
        return ticks >= long.MaxValue / 2 ? long.MaxValue : now + (long)ticks;
    }

    private void FireDelayed(TKey key, long due)
    {
        lock (_gate)
        {
            if (!_delayed.TryGetValue(key, out var pending) || pending.Due != due)
            {
                return;
            }

            var now = _time.GetTimestamp();
            if (now < due)
            {
                // A delay longer than a timer takes: wait for the rest.
                var rest = Math.Ceiling((double)(due - now) * 1000 / _time.TimestampFrequency);
                pending.Timer.Change(rest < MaxTimerDelay.TotalMilliseconds ? TimeSpan.FromMilliseconds(rest) : MaxTimerDelay, Timeout.InfiniteTimeSpan);
                return;
            }

            pending.Timer.Dispose();
            _delayed.Remove(key);
        }

        Add(key);
    }
}
