using System.Diagnostics;
using k8s.Models;
using SpoSdk.Api.Conversion;
using SpoSdk.Api.Serialization;
using SpoSdk.Runtime;
using SpoSdk.Runtime.Backends;
using SpoSdk.Runtime.Backends.InMemory;
using SpoSdk.Runtime.Leader;

namespace SpoSdk.Tests.Runtime.Leader;

/// <summary>
/// The leader dates each renewal from its request, as the standby dates it from the write it sees: a renewal whose
/// answer is slow must not stretch the leader's term past the standby's takeover.
/// </summary>
public sealed class LeaseRenewalTimingTests
{
    [Fact]
    public async Task A_slow_renewal_response_never_makes_two_leaders()
    {
        var backend = new InMemoryBackend(new InMemoryObjectStore(), new ObjectAdmission(SpoConverter.Default, SpoKindRegistry.Default));
        var slow = new SlowThenDeadBackend(backend);
        LeaderElectionOptions Options(string id) => new() { Identity = id, LeaseDuration = TimeSpan.FromSeconds(4), RenewDeadline = TimeSpan.FromMilliseconds(2500), RetryPeriod = TimeSpan.FromMilliseconds(250), ReleaseOnCancel = false };
        var a = new LeaderElector(slow, "spo", Options("a"));
        var b = new LeaderElector(backend, "spo", Options("b"));
        var clock = slow.Clock;
        double aEnded = -1, bStarted = -1;
        using var stop = new CancellationTokenSource();
        var aRun = a.RunAsync(async token => { try { await Task.Delay(Timeout.Infinite, token); } catch (OperationCanceledException) { aEnded = clock.Elapsed.TotalSeconds; } }, stop.Token);
        while (!a.IsLeader) { await Task.Delay(20); }
        var bRun = b.RunAsync(async token => { bStarted = clock.Elapsed.TotalSeconds; try { await Task.Delay(Timeout.Infinite, token); } catch (OperationCanceledException) { } }, stop.Token);
        await Task.Delay(600);

        // The next renewal is committed at once and answered 2.1 s later (within the renew deadline); then a is cut
        // off from the API server. Dated from the answer, a would lead until about 5.4 s, past b's takeover at
        // commit + 4 s; dated from the request, it steps down by about 3.3 s.
        slow.Mode = 1;
        while (bStarted < 0 || aEnded < 0) { await Task.Delay(20); }
        stop.Cancel();
        await Task.WhenAll(aRun, bRun);

        Assert.True(bStarted >= aEnded, $"b led from {bStarted:F2}s while a led until {aEnded:F2}s; commit {slow.Committed:F2} answer {slow.Answered:F2}");
    }

    private sealed class SlowThenDeadBackend(IClusterBackend inner) : IClusterBackend
    {
        public volatile int Mode; // 0 normal, 1 slow once, 2 failing

        public Stopwatch Clock { get; } = Stopwatch.StartNew();

        public double Committed { get; set; }

        public double Answered { get; set; }

        public IResourceClient<T> Resource<T>()
            where T : class, k8s.IKubernetesObject<V1ObjectMeta> =>
            typeof(T) == typeof(V1Lease) ? (IResourceClient<T>)(object)new Leases(this, inner.Resource<V1Lease>()) : inner.Resource<T>();

        private sealed class Leases(SlowThenDeadBackend owner, IResourceClient<V1Lease> leases) : IResourceClient<V1Lease>
        {
            public ResourceType Type => leases.Type;

            public Task<V1Lease?> GetAsync(ObjectKey key, CancellationToken cancellationToken = default) =>
                owner.Mode == 2 ? throw new HttpRequestException("connection refused") : leases.GetAsync(key, cancellationToken);

            public Task<ResourceList<V1Lease>> ListAsync(string? @namespace = null, ListOptions? options = null, CancellationToken cancellationToken = default) => leases.ListAsync(@namespace, options, cancellationToken);

            public Task<V1Lease> CreateAsync(V1Lease obj, CancellationToken cancellationToken = default) => leases.CreateAsync(obj, cancellationToken);

            public async Task<V1Lease> UpdateAsync(V1Lease obj, CancellationToken cancellationToken = default)
            {
                switch (owner.Mode)
                {
                    case 1:
                        owner.Mode = 2;
                        var committed = await leases.UpdateAsync(obj, cancellationToken);
                        owner.Committed = owner.Clock.Elapsed.TotalSeconds;
                        await Task.Delay(TimeSpan.FromMilliseconds(2100), CancellationToken.None);
                        owner.Answered = owner.Clock.Elapsed.TotalSeconds;
                        return committed;
                    case 2:
                        throw new HttpRequestException("connection refused");
                    default:
                        return await leases.UpdateAsync(obj, cancellationToken);
                }
            }

            public Task<V1Lease> UpdateStatusAsync(V1Lease obj, CancellationToken cancellationToken = default) => leases.UpdateStatusAsync(obj, cancellationToken);

            public Task<bool> DeleteAsync(ObjectKey key, CancellationToken cancellationToken = default) => leases.DeleteAsync(key, cancellationToken);

            public IAsyncEnumerable<WatchEvent<V1Lease>> WatchAsync(string? @namespace, string resourceVersion, CancellationToken cancellationToken = default) => leases.WatchAsync(@namespace, resourceVersion, cancellationToken);
        }
    }
}
