using Microsoft.Extensions.Time.Testing;
using SpoSdk.Runtime.Queue;

namespace SpoSdk.Tests.Runtime;

/// <summary>The queue's guarantees: dedupe, one worker per key, re-adds during processing, delays, backoff.</summary>
public sealed class WorkQueueTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public async Task Repeated_adds_merge_into_one()
    {
        using var queue = NewQueue();
        queue.Add("a");
        queue.Add("a");
        queue.Add("b");
        queue.Add("a");

        Assert.Equal(2, queue.Count);
        Assert.Equal("a", (await queue.TryGetAsync(CancellationToken.None)).Key);
        Assert.Equal("b", (await queue.TryGetAsync(CancellationToken.None)).Key);
    }

    [Fact]
    public async Task A_key_being_processed_is_not_handed_out_again_until_done()
    {
        using var queue = NewQueue();
        queue.Add("a");
        var first = await queue.TryGetAsync(CancellationToken.None);

        queue.Add("a");
        Assert.Equal(0, queue.Count);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queue.TryGetAsync(cts.Token));

        queue.Done(first.Key);
        Assert.Equal("a", (await queue.TryGetAsync(CancellationToken.None)).Key);
    }

    [Fact]
    public async Task Delayed_adds_arrive_after_the_delay_and_the_sooner_one_wins()
    {
        using var queue = NewQueue();
        queue.AddAfter("a", TimeSpan.FromSeconds(10));
        queue.AddAfter("a", TimeSpan.FromSeconds(5));
        queue.AddAfter("a", TimeSpan.FromSeconds(20));

        _time.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal(0, queue.Count);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, queue.Count);
        Assert.Equal("a", (await queue.TryGetAsync(CancellationToken.None)).Key);
        queue.Done("a");
        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public void Backoff_grows_per_key_is_capped_and_forgotten_on_success()
    {
        var limiter = new ExponentialRateLimiter<string>(TimeSpan.FromMilliseconds(5), TimeSpan.FromSeconds(1000));

        Assert.Equal([5, 10, 20, 40], Enumerable.Range(0, 4).Select(_ => limiter.When("a").TotalMilliseconds).ToArray());
        Assert.Equal(5, limiter.When("b").TotalMilliseconds);
        for (var i = 0; i < 100; i++)
        {
            limiter.When("a");
        }

        Assert.Equal(TimeSpan.FromSeconds(1000), limiter.When("a"));
        limiter.Forget("a");
        Assert.Equal(0, limiter.Retries("a"));
        Assert.Equal(5, limiter.When("a").TotalMilliseconds);
    }

    [Fact]
    public void Token_bucket_lets_a_burst_through_then_paces()
    {
        var bucket = new TokenBucketRateLimiter<string>(10, 100, _time);
        for (var i = 0; i < 100; i++)
        {
            Assert.Equal(TimeSpan.Zero, bucket.When("k" + i));
        }

        Assert.Equal(TimeSpan.FromMilliseconds(100), bucket.When("x"));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(TimeSpan.Zero, bucket.When("y"));
    }

    [Fact]
    public async Task Shutdown_releases_every_waiting_worker()
    {
        using var queue = NewQueue();
        var waiting = Enumerable.Range(0, 3).Select(_ => queue.TryGetAsync(CancellationToken.None)).ToArray();
        queue.ShutDown();

        var results = await Task.WhenAll(waiting).WaitAsync(TimeSpan.FromSeconds(5));
        Assert.All(results, r => Assert.False(r.Ok));
        queue.Add("late");
        Assert.Equal(0, queue.Count);
    }

    // A RequeueAfter longer than a timer takes (about 49.7 days) used to throw.
    [Fact]
    public void R2_add_after_a_long_delay_does_not_throw()
    {
        using var queue = new WorkQueue<string>("q", RateLimiters.Default<string>(TimeProvider.System), TimeProvider.System);
        queue.AddAfter("k", TimeSpan.FromDays(60));
        queue.AddAfter("never", TimeSpan.MaxValue);
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public void A_delay_longer_than_a_timer_takes_comes_back_when_due_not_before()
    {
        using var queue = NewQueue();
        queue.AddAfter("a", TimeSpan.FromDays(60));

        _time.Advance(TimeSpan.FromDays(50));
        Assert.Equal(0, queue.Count);
        _time.Advance(TimeSpan.FromDays(10) - TimeSpan.FromSeconds(1));
        Assert.Equal(0, queue.Count);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, queue.Count);
    }

    private WorkQueue<string> NewQueue() => new("test", RateLimiters.Default<string>(_time), _time);
}
