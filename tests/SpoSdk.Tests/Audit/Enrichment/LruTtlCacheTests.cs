using Microsoft.Extensions.Time.Testing;
using SpoSdk.Audit.Enrichment;

namespace SpoSdk.Tests.Audit.Enrichment;

public sealed class LruTtlCacheTests
{
    [Fact]
    public void At_capacity_the_least_recently_used_entry_goes()
    {
        var cache = new LruTtlCache<int, string>(2, TimeSpan.FromHours(1), new FakeTimeProvider());
        cache.Set(1, "one");
        cache.Set(2, "two");
        Assert.True(cache.TryGet(1, out _));
        cache.Set(3, "three");

        Assert.False(cache.TryGet(2, out _));
        Assert.True(cache.TryGet(1, out var one));
        Assert.Equal("one", one);
        Assert.True(cache.TryGet(3, out _));
        Assert.Equal(1, cache.Evictions);
        Assert.Equal(2, cache.Count);
    }

    [Fact]
    public void Entries_expire_their_time_to_live_after_being_set_whatever_the_reads()
    {
        var time = new FakeTimeProvider();
        var cache = new LruTtlCache<int, string>(10, TimeSpan.FromMinutes(10), time);
        cache.Set(1, "one");
        time.Advance(TimeSpan.FromMinutes(9));
        Assert.True(cache.TryGet(1, out _));
        time.Advance(TimeSpan.FromMinutes(1));

        Assert.False(cache.TryGet(1, out _));
        Assert.Equal(1, cache.Expirations);
        Assert.Equal(0, cache.Count);

        cache.Set(1, "again");
        Assert.True(cache.TryGet(1, out var again));
        Assert.Equal("again", again);
    }

    [Fact]
    public void Concurrent_use_keeps_the_bound()
    {
        var cache = new LruTtlCache<int, int>(64, TimeSpan.FromHours(1), TimeProvider.System);
        Parallel.For(0, 20_000, i =>
        {
            cache.Set(i % 500, i);
            if (cache.TryGet((i * 7) % 500, out var value))
            {
                Assert.Equal((i * 7) % 500, value % 500);
            }

            if (i % 3 == 0)
            {
                cache.Remove(i % 500);
            }
        });

        Assert.InRange(cache.Count, 0, 64);
    }
}
