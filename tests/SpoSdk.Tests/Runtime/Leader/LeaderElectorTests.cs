using k8s.Models;
using Microsoft.Extensions.Time.Testing;
using SpoSdk.Api.Conversion;
using SpoSdk.Api.Serialization;
using SpoSdk.Runtime;
using SpoSdk.Runtime.Backends;
using SpoSdk.Runtime.Backends.InMemory;
using SpoSdk.Runtime.Leader;

namespace SpoSdk.Tests.Runtime.Leader;

/// <summary>The Lease-based elector on the in-memory backend, with a fake clock for every wait.</summary>
public sealed class LeaderElectorTests
{
    private const string Namespace = "security-profiles-operator";
    private static readonly ObjectKey LeaseKey = new(Namespace, LeaderElectionOptions.DefaultLeaseName);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero));
    private readonly InMemoryBackend _backend = new(new InMemoryObjectStore(), new ObjectAdmission(SpoConverter.Default, SpoKindRegistry.Default));

    [Fact]
    public async Task The_first_candidate_creates_upstreams_lease_and_leads()
    {
        var elector = Candidate("a");

        Assert.True(await elector.TryAcquireOrRenewAsync(CancellationToken.None));

        var lease = await Lease();
        Assert.Equal("security-profiles-operator-lock", lease.Metadata.Name);
        Assert.Equal("a", lease.Spec.HolderIdentity);
        Assert.Equal(15, lease.Spec.LeaseDurationSeconds);
        Assert.Equal(0, lease.Spec.LeaseTransitions);
        Assert.Equal(_time.GetUtcNow().UtcDateTime, lease.Spec.AcquireTime);
        Assert.Equal("a", elector.ObservedLeader);
    }

    [Fact]
    public async Task A_standby_waits_a_full_lease_duration_after_it_last_saw_the_lease_change()
    {
        var leader = Candidate("a");
        var standby = Candidate("b");
        Assert.True(await leader.TryAcquireOrRenewAsync(CancellationToken.None));

        Assert.False(await standby.TryAcquireOrRenewAsync(CancellationToken.None));
        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.True(await leader.TryAcquireOrRenewAsync(CancellationToken.None));

        // The renewal restarts the standby's clock: 10 s after it first looked is not enough.
        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.False(await standby.TryAcquireOrRenewAsync(CancellationToken.None));
        Assert.Equal("a", standby.ObservedLeader);

        _time.Advance(TimeSpan.FromSeconds(15));
        Assert.True(await standby.TryAcquireOrRenewAsync(CancellationToken.None));
        var lease = await Lease();
        Assert.Equal("b", lease.Spec.HolderIdentity);
        Assert.Equal(1, lease.Spec.LeaseTransitions);
        Assert.Equal(_time.GetUtcNow().UtcDateTime, lease.Spec.AcquireTime);

        // The old leader, back, sees it lost.
        Assert.False(await leader.TryAcquireOrRenewAsync(CancellationToken.None));
        Assert.Equal("b", leader.ObservedLeader);
    }

    [Fact]
    public async Task A_renewal_keeps_acquire_time_and_transitions()
    {
        var elector = Candidate("a");
        Assert.True(await elector.TryAcquireOrRenewAsync(CancellationToken.None));
        var acquired = _time.GetUtcNow().UtcDateTime;

        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.True(await elector.TryAcquireOrRenewAsync(CancellationToken.None));

        var lease = await Lease();
        Assert.Equal(acquired, lease.Spec.AcquireTime);
        Assert.Equal(_time.GetUtcNow().UtcDateTime, lease.Spec.RenewTime);
        Assert.Equal(0, lease.Spec.LeaseTransitions);
    }

    [Fact]
    public async Task Of_candidates_racing_for_an_expired_lease_exactly_one_wins()
    {
        var old = Candidate("old");
        Assert.True(await old.TryAcquireOrRenewAsync(CancellationToken.None));
        var candidates = Enumerable.Range(0, 8).Select(i => Candidate("c" + i)).ToList();
        foreach (var candidate in candidates)
        {
            Assert.False(await candidate.TryAcquireOrRenewAsync(CancellationToken.None));
        }

        _time.Advance(TimeSpan.FromSeconds(16));
        var won = await Task.WhenAll(candidates.Select(c => Task.Run(() => c.TryAcquireOrRenewAsync(CancellationToken.None))));

        Assert.Single(won, w => w);
        var winner = candidates[Array.IndexOf(won, true)];
        Assert.Equal(winner.Identity, (await Lease()).Spec.HolderIdentity);
        Assert.Equal(1, (await Lease()).Spec.LeaseTransitions);
    }

    [Fact]
    public async Task A_released_lease_is_taken_over_at_once()
    {
        var leader = Candidate("a");
        var standby = Candidate("b");
        Assert.True(await leader.TryAcquireOrRenewAsync(CancellationToken.None));
        Assert.False(await standby.TryAcquireOrRenewAsync(CancellationToken.None));

        await leader.ReleaseAsync();

        var lease = await Lease();
        Assert.Null(lease.Spec.HolderIdentity);
        Assert.Equal(1, lease.Spec.LeaseDurationSeconds);
        Assert.True(await standby.TryAcquireOrRenewAsync(CancellationToken.None));
        Assert.Equal("b", (await Lease()).Spec.HolderIdentity);
    }

    [Fact]
    public async Task Release_leaves_a_lease_held_by_someone_else_alone()
    {
        var leader = Candidate("a");
        Assert.True(await leader.TryAcquireOrRenewAsync(CancellationToken.None));
        var before = (await Lease()).Metadata.ResourceVersion;

        await Candidate("b").ReleaseAsync();

        Assert.Equal(before, (await Lease()).Metadata.ResourceVersion);
    }

    [Fact]
    public async Task Losing_renewals_cancels_the_work_before_the_lease_can_pass_on_and_campaigning_resumes()
    {
        var failing = new FailingLeaseBackend(_backend);
        var elector = new LeaderElector(failing, Namespace, new LeaderElectionOptions { Identity = "a" }, _time);
        var changes = new List<LeadershipChange>();
        elector.LeadershipChanged += (_, change) =>
        {
            lock (changes)
            {
                changes.Add(change);
            }
        };
        var terms = 0;
        var cancelledAt = new List<DateTimeOffset>();
        using var stop = new CancellationTokenSource();
        var run = elector.RunAsync(
            async token =>
            {
                Interlocked.Increment(ref terms);
                try
                {
                    await Task.Delay(Timeout.Infinite, token);
                }
                catch (OperationCanceledException)
                {
                    lock (cancelledAt)
                    {
                        cancelledAt.Add(_time.GetUtcNow());
                    }
                }
            },
            stop.Token);

        await Eventually(() => Volatile.Read(ref terms) == 1 && elector.IsLeader);
        var lastRenewal = _time.GetUtcNow();
        failing.FailUpdates = true;

        // A renewal every 2 s retry period fails; the elector still leads until the 10 s renew deadline.
        for (var attempt = 1; attempt <= 4; attempt++)
        {
            _time.Advance(TimeSpan.FromSeconds(2));
            await Eventually(() => failing.FailedUpdates == attempt);
            Assert.True(elector.IsLeader);
        }

        _time.Advance(TimeSpan.FromSeconds(2));
        await Eventually(() => !elector.IsLeader);

        // Stopped exactly at the renew deadline, 5 s before a standby could take the 15 s lease.
        var cancelled = Assert.Single(cancelledAt);
        Assert.Equal(TimeSpan.FromSeconds(10), cancelled - lastRenewal);

        // The API server comes back: the elector (still the holder) leads again with a fresh term.
        failing.FailUpdates = false;
        await AdvanceUntil(() => elector.IsLeader && Volatile.Read(ref terms) == 2);

        await stop.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(10));
        var transitions = changes.Where((c, i) => c.IsLeader != (i > 0 && changes[i - 1].IsLeader)).Select(c => c.IsLeader);
        Assert.Equal([true, false, true, false], transitions);
        Assert.All(changes, c => Assert.Equal("a", c.Leader));
        Assert.Null((await Lease()).Spec.HolderIdentity);
    }

    [Fact]
    public async Task A_leader_that_sees_another_holder_stops_at_once()
    {
        var elector = new LeaderElector(_backend, Namespace, new LeaderElectionOptions { Identity = "a", ReleaseOnCancel = false }, _time);
        using var stop = new CancellationTokenSource();
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var run = elector.RunAsync(async token =>
        {
            await Task.Delay(Timeout.Infinite, token).ContinueWith(_ => { }, TaskScheduler.Default);
            cancelled.TrySetResult();
        }, stop.Token);
        await Eventually(() => elector.IsLeader);

        // Someone overwrote the Lease (e.g. an operator forced a hand-over).
        await _backend.Resource<V1Lease>().UpdateWithRetryAsync(LeaseKey, l =>
        {
            l.Spec.HolderIdentity = "intruder";
            return true;
        });
        await AdvanceUntil(() => cancelled.Task.IsCompleted);

        Assert.False(elector.IsLeader);
        Assert.Equal("intruder", elector.ObservedLeader);
        await stop.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("intruder", (await Lease()).Spec.HolderIdentity);
    }

    [Theory]
    [InlineData(15, 15, 2, "LeaseDuration")]
    [InlineData(15, 2, 2, "RenewDeadline")]
    [InlineData(15, 10, 0, "RetryPeriod")]
    public void Inconsistent_timings_are_refused_naming_the_option(int lease, int renew, int retry, string option)
    {
        var options = new LeaderElectionOptions { LeaseDuration = TimeSpan.FromSeconds(lease), RenewDeadline = TimeSpan.FromSeconds(renew), RetryPeriod = TimeSpan.FromSeconds(retry) };

        var error = Assert.Throws<ArgumentException>(() => new LeaderElector(_backend, Namespace, options, _time));

        Assert.Contains("LeaderElectionOptions." + option, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_lease_duration_in_fractions_of_a_second_is_refused()
    {
        var options = new LeaderElectionOptions { LeaseDuration = TimeSpan.FromMilliseconds(1500), RenewDeadline = TimeSpan.FromSeconds(1), RetryPeriod = TimeSpan.FromMilliseconds(200) };

        Assert.Contains(options.Problems(), p => p.Contains("whole seconds", StringComparison.Ordinal));
    }

    // The acquisition is committed at once but answered after the standby has taken over: the first candidate must not
    // start its work on that answer. Real time: the answer's lateness is what is tested.
    [Fact]
    public async Task R4_a_slow_acquisition_answer_never_makes_two_leaders()
    {
        var slow = new SlowCreateBackend(_backend);
        LeaderElectionOptions Options(string id) => new() { Identity = id, LeaseDuration = TimeSpan.FromSeconds(2), RenewDeadline = TimeSpan.FromMilliseconds(1500), RetryPeriod = TimeSpan.FromMilliseconds(200), ReleaseOnCancel = false };
        var a = new LeaderElector(slow, Namespace, Options("a"));
        var b = new LeaderElector(_backend, Namespace, Options("b"));
        var overlap = 0;
        var aLed = 0;
        var bLed = 0;
        using var stop = new CancellationTokenSource();
        var aRun = a.RunAsync(
            async token =>
            {
                Interlocked.Increment(ref aLed);
                if (b.IsLeader)
                {
                    Interlocked.Increment(ref overlap);
                }

                try { await Task.Delay(Timeout.Infinite, token); } catch (OperationCanceledException) { }
            },
            stop.Token);
        while (!slow.Committed)
        {
            await Task.Delay(10);
        }

        var bRun = b.RunAsync(
            async token =>
            {
                Interlocked.Increment(ref bLed);
                try { await Task.Delay(Timeout.Infinite, token); } catch (OperationCanceledException) { }
            },
            stop.Token);
        await Task.Delay(TimeSpan.FromSeconds(4.5));
        stop.Cancel();
        await Task.WhenAll(aRun, bRun).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(0, overlap);
        Assert.Equal((0, 1), (aLed, bLed));
    }

    private LeaderElector Candidate(string identity) => new(_backend, Namespace, new LeaderElectionOptions { Identity = identity }, _time);

    private async Task<V1Lease> Lease() => await _backend.Resource<V1Lease>().GetAsync(LeaseKey) ?? throw new InvalidOperationException("no lease");

    private static async Task Eventually(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not reached");
            await Task.Delay(5);
        }
    }

    // Moves the fake clock in small steps, letting the elector's loop run between them.
    private async Task AdvanceUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not reached at fake time " + _time.GetUtcNow());
            _time.Advance(TimeSpan.FromMilliseconds(250));
            await Task.Delay(5);
        }
    }

    private sealed class SlowCreateBackend(IClusterBackend inner) : IClusterBackend
    {
        private volatile bool _committed;

        public bool Committed => _committed;

        public IResourceClient<T> Resource<T>()
            where T : class, k8s.IKubernetesObject<V1ObjectMeta> =>
            typeof(T) == typeof(V1Lease) ? (IResourceClient<T>)(object)new Leases(this, inner.Resource<V1Lease>()) : inner.Resource<T>();

        private sealed class Leases(SlowCreateBackend owner, IResourceClient<V1Lease> leases) : IResourceClient<V1Lease>
        {
            public ResourceType Type => leases.Type;

            public Task<V1Lease?> GetAsync(ObjectKey key, CancellationToken cancellationToken = default) => leases.GetAsync(key, cancellationToken);

            public Task<ResourceList<V1Lease>> ListAsync(string? @namespace = null, ListOptions? options = null, CancellationToken cancellationToken = default) => leases.ListAsync(@namespace, options, cancellationToken);

            public async Task<V1Lease> CreateAsync(V1Lease obj, CancellationToken cancellationToken = default)
            {
                var created = await leases.CreateAsync(obj, cancellationToken);
                owner._committed = true;

                // The answer is delayed past the standby's takeover.
                await Task.Delay(TimeSpan.FromSeconds(3), CancellationToken.None);
                return created;
            }

            public Task<V1Lease> UpdateAsync(V1Lease obj, CancellationToken cancellationToken = default) => leases.UpdateAsync(obj, cancellationToken);

            public Task<V1Lease> UpdateStatusAsync(V1Lease obj, CancellationToken cancellationToken = default) => leases.UpdateStatusAsync(obj, cancellationToken);

            public Task<bool> DeleteAsync(ObjectKey key, CancellationToken cancellationToken = default) => leases.DeleteAsync(key, cancellationToken);

            public IAsyncEnumerable<WatchEvent<V1Lease>> WatchAsync(string? @namespace, string resourceVersion, CancellationToken cancellationToken = default) => leases.WatchAsync(@namespace, resourceVersion, cancellationToken);
        }
    }
}
