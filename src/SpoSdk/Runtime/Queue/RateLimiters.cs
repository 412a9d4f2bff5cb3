namespace SpoSdk.Runtime.Queue;

/// <summary>Decides how long a key waits before it is retried.</summary>
/// <typeparam name="TKey">The key type.</typeparam>
public interface IRateLimiter<TKey>
    where TKey : notnull
{
    /// <summary>The delay before the next retry of <paramref name="key"/>; counts a failure.</summary>
    TimeSpan When(TKey key);

    /// <summary>Forgets the failures of <paramref name="key"/> (it succeeded).</summary>
    void Forget(TKey key);

    /// <summary>How many failures of <paramref name="key"/> are remembered.</summary>
    int Retries(TKey key);
}

/// <summary>Per key: <c>baseDelay * 2^failures</c>, capped at <c>maxDelay</c> (controller-runtime's 5 ms → 1000 s).</summary>
/// <typeparam name="TKey">The key type.</typeparam>
public sealed class ExponentialRateLimiter<TKey>(TimeSpan baseDelay, TimeSpan maxDelay) : IRateLimiter<TKey>
    where TKey : notnull
{
    private readonly object _gate = new();
    private readonly Dictionary<TKey, int> _failures = new();

    /// <inheritdoc />
    public TimeSpan When(TKey key)
    {
        int failures;
        lock (_gate)
        {
            _failures.TryGetValue(key, out failures);
            _failures[key] = failures + 1;
        }

        // Past 2^40 the product overflows long before the cap matters.
        var delayTicks = failures >= 40 ? double.MaxValue : baseDelay.Ticks * Math.Pow(2, failures);
        return delayTicks >= maxDelay.Ticks ? maxDelay : TimeSpan.FromTicks((long)delayTicks);
    }

    /// <inheritdoc />
    public void Forget(TKey key)
    {
        lock (_gate)
        {
            _failures.Remove(key);
        }
    }

    /// <inheritdoc />
    public int Retries(TKey key)
    {
        lock (_gate)
        {
            return _failures.TryGetValue(key, out var failures) ? failures : 0;
        }
    }
}

/// <summary>One bucket for all keys: <c>rate</c> tokens a second, at most <c>burst</c> saved up.</summary>
/// <typeparam name="TKey">The key type.</typeparam>
public sealed class TokenBucketRateLimiter<TKey> : IRateLimiter<TKey>
    where TKey : notnull
{
    private readonly object _gate = new();
    private readonly double _ratePerSecond;
    private readonly double _burst;
    private readonly TimeProvider _time;
    private double _tokens;
    private long _last;

    /// <summary>Creates the bucket, full.</summary>
    public TokenBucketRateLimiter(double ratePerSecond, int burst, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ratePerSecond);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(burst);
        ArgumentNullException.ThrowIfNull(time);
        _ratePerSecond = ratePerSecond;
        _burst = burst;
        _tokens = burst;
        _time = time;
        _last = time.GetTimestamp();
    }

    /// <inheritdoc />
    public TimeSpan When(TKey key)
    {
        lock (_gate)
        {
            var now = _time.GetTimestamp();
            _tokens = Math.Min(_burst, _tokens + (_time.GetElapsedTime(_last, now).TotalSeconds * _ratePerSecond));
            _last = now;

            // Reserve a token even when none is there yet: the debt is the wait.
            _tokens -= 1;
            return _tokens >= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(-_tokens / _ratePerSecond);
        }
    }

    /// <inheritdoc />
    public void Forget(TKey key)
    {
    }

    /// <inheritdoc />
    public int Retries(TKey key) => 0;
}

/// <summary>The longest delay any of several limiters asks for.</summary>
/// <typeparam name="TKey">The key type.</typeparam>
public sealed class MaxOfRateLimiter<TKey>(params IRateLimiter<TKey>[] limiters) : IRateLimiter<TKey>
    where TKey : notnull
{
    /// <inheritdoc />
    public TimeSpan When(TKey key)
    {
        var delay = TimeSpan.Zero;
        foreach (var limiter in limiters)
        {
            var next = limiter.When(key);
            if (next > delay)
            {
                delay = next;
            }
        }

        return delay;
    }

    /// <inheritdoc />
    public void Forget(TKey key)
    {
        foreach (var limiter in limiters)
        {
            limiter.Forget(key);
        }
    }

    /// <inheritdoc />
    public int Retries(TKey key) => limiters.Max(l => l.Retries(key));
}

/// <summary>Controller-runtime's default: per-key exponential 5 ms → 1000 s, and 10 per second with a burst of 100 overall.</summary>
public static class RateLimiters
{
    /// <summary>The default limiter for a controller's queue.</summary>
    public static IRateLimiter<TKey> Default<TKey>(TimeProvider time)
        where TKey : notnull =>
        new MaxOfRateLimiter<TKey>(
            new ExponentialRateLimiter<TKey>(TimeSpan.FromMilliseconds(5), TimeSpan.FromSeconds(1000)),
            new TokenBucketRateLimiter<TKey>(10, 100, time));
}
