using k8s.Models;
using Microsoft.Extensions.Time.Testing;
using SpoSdk.Api.Conversion;
using SpoSdk.Api.Serialization;
using SpoSdk.Api.V1;
using SpoSdk.Profiles.Spod;
using SpoSdk.Runtime;
using SpoSdk.Runtime.Backends;
using SpoSdk.Runtime.Backends.InMemory;
using SpoSdk.Runtime.Informers;
using SpoSdk.Tests.Hosting;

namespace SpoSdk.Tests.Profiles.Spod;

/// <summary>
/// The heartbeat stopped in the middle of a Lease write ends as a stop (it used to end cancelled, and the operator's
/// stop or disposal then threw that cancellation over the failure that caused the stop); a request that times out is
/// retried like any failure instead of ending the heartbeat for good.
/// </summary>
public sealed class HeartbeatInterruptionTests
{
    [Fact]
    public async Task Stopping_during_a_lease_write_ends_the_heartbeat_normally_and_deletes_the_lease()
    {
        var backend = new LeaseGate(NewBackend()) { Hang = true };
        await using var settings = await SettingsAsync(backend);
        var heartbeat = new DaemonHeartbeat(backend, OperatorInstances.OperatorNamespace, "node-a", settings.Provider, TimeProvider.System);
        using var stop = new CancellationTokenSource();

        var running = heartbeat.RunAsync(stop.Token);
        await backend.Entered.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await stop.CancelAsync();

        await running.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(running.IsCompletedSuccessfully);
        Assert.Equal(1, backend.Deletes);
    }

    [Fact]
    public async Task A_timed_out_lease_write_is_retried()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero));
        var backend = new LeaseGate(NewBackend()) { TimeOuts = 1 };
        await using var settings = await SettingsAsync(backend);
        var heartbeat = new DaemonHeartbeat(backend, OperatorInstances.OperatorNamespace, "node-a", settings.Provider, time);
        using var stop = new CancellationTokenSource();

        var running = heartbeat.RunAsync(stop.Token);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (await backend.Resource<V1Lease>().GetAsync(heartbeat.Key) is null)
        {
            Assert.False(running.IsCompleted, "the heartbeat ended after one timed-out request");
            Assert.True(DateTime.UtcNow < deadline, "the heartbeat never wrote its Lease after a timed-out request");
            await Task.Delay(10);
            time.Advance(TimeSpan.FromSeconds(1));
        }

        await stop.CancelAsync();
        await running;
        Assert.Equal(0, backend.TimeOuts);
    }

    [Fact]
    public async Task An_operator_stopped_during_a_heartbeat_write_stops_and_disposes_without_throwing()
    {
        var backend = new LeaseGate(NewBackend());
        await using var host = await OperatorHost.StartAsync((spo, root) => spo
            .UseBackend(_ => backend).WithNodeName("node-a").WithNodeRoot(root).AddSeccomp().DaemonOnly(),
            _ => backend.Hang = true);
        await backend.Entered.Task.WaitAsync(TimeSpan.FromSeconds(10));

        await host.StopAsync();
        await host.Operator.DisposeAsync();
    }

    private static InMemoryBackend NewBackend() => new(new InMemoryObjectStore(), new ObjectAdmission(SpoConverter.Default, SpoKindRegistry.Default));

    private static async Task<SpodInformer> SettingsAsync(IClusterBackend backend)
    {
        var spods = new Informer<SecurityProfilesOperatorDaemon>(backend.Resource<SecurityProfilesOperatorDaemon>(), new InformerOptions(OperatorInstances.OperatorNamespace));
        spods.Start();
        await spods.WaitForSyncAsync();
        return new SpodInformer(spods, new SpodSettingsProvider(spods, OperatorInstances.OperatorNamespace));
    }

    private sealed record SpodInformer(Informer<SecurityProfilesOperatorDaemon> Informer, SpodSettingsProvider Provider) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Informer.DisposeAsync();
    }

    /// <summary>Heartbeat Lease reads that hang until cancelled (<see cref="Hang"/>) or time out as HttpClient does (<see cref="TimeOuts"/>).</summary>
    private sealed class LeaseGate(IClusterBackend inner) : IClusterBackend
    {
        private volatile bool _hang;
        private int _timeOuts;
        private int _deletes;

        public bool Hang
        {
            get => _hang;
            set => _hang = value;
        }

        public int TimeOuts
        {
            get
            {
                lock (Entered)
                {
                    return _timeOuts;
                }
            }

            init => _timeOuts = value;
        }

        public int Deletes => Volatile.Read(ref _deletes);

        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public IResourceClient<T> Resource<T>()
            where T : class, k8s.IKubernetesObject<V1ObjectMeta> =>
            typeof(T) == typeof(V1Lease) ? (IResourceClient<T>)(object)new Leases(this, inner.Resource<V1Lease>()) : inner.Resource<T>();

        private bool TakeTimeOut()
        {
            lock (Entered)
            {
                if (_timeOuts == 0)
                {
                    return false;
                }

                _timeOuts--;
                return true;
            }
        }

        private static bool IsHeartbeat(ObjectKey key) => key.Name.StartsWith("spod-", StringComparison.Ordinal);

        private sealed class Leases(LeaseGate gate, IResourceClient<V1Lease> leases) : IResourceClient<V1Lease>
        {
            public ResourceType Type => leases.Type;

            public async Task<V1Lease?> GetAsync(ObjectKey key, CancellationToken cancellationToken = default)
            {
                if (IsHeartbeat(key) && gate.Hang)
                {
                    gate.Entered.TrySetResult();
                    await Task.Delay(Timeout.Infinite, cancellationToken);
                }

                if (IsHeartbeat(key) && gate.TakeTimeOut())
                {
                    throw new TaskCanceledException("The request was canceled due to the configured HttpClient.Timeout of 100 seconds elapsing.", new TimeoutException());
                }

                return await leases.GetAsync(key, cancellationToken);
            }

            public Task<ResourceList<V1Lease>> ListAsync(string? @namespace = null, ListOptions? options = null, CancellationToken cancellationToken = default) => leases.ListAsync(@namespace, options, cancellationToken);

            public Task<V1Lease> CreateAsync(V1Lease obj, CancellationToken cancellationToken = default) => leases.CreateAsync(obj, cancellationToken);

            public Task<V1Lease> UpdateAsync(V1Lease obj, CancellationToken cancellationToken = default) => leases.UpdateAsync(obj, cancellationToken);

            public Task<V1Lease> UpdateStatusAsync(V1Lease obj, CancellationToken cancellationToken = default) => leases.UpdateStatusAsync(obj, cancellationToken);

            public Task<bool> DeleteAsync(ObjectKey key, CancellationToken cancellationToken = default)
            {
                if (IsHeartbeat(key))
                {
                    Interlocked.Increment(ref gate._deletes);
                }

                return leases.DeleteAsync(key, cancellationToken);
            }

            public IAsyncEnumerable<WatchEvent<V1Lease>> WatchAsync(string? @namespace, string resourceVersion, CancellationToken cancellationToken = default) => leases.WatchAsync(@namespace, resourceVersion, cancellationToken);
        }
    }
}
