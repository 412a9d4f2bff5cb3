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

namespace SpoSdk.Tests.Profiles.Spod;

/// <summary>The daemon's heartbeat Lease: its name, what it carries, renewal on the clock and on a new SPOD generation, and removal on stop.</summary>
public sealed class DaemonHeartbeatTests
{
    [Fact]
    public void Lease_names_are_spod_dash_node_and_hashed_when_too_long()
    {
        Assert.Equal("spod-worker-1", DaemonHeartbeat.LeaseName("worker-1"));

        var longNode = string.Join('.', Enumerable.Repeat(new string('n', 60), 5));
        var name = DaemonHeartbeat.LeaseName(longNode);
        Assert.Equal(253, name.Length);
        Assert.StartsWith("spod-nnnn", name, StringComparison.Ordinal);
        Assert.NotEqual(name, DaemonHeartbeat.LeaseName(longNode[..^1] + "m"));
    }

    [Fact]
    public void Only_leases_labelled_as_heartbeats_are_read()
    {
        var leaderElection = new V1Lease { Metadata = new V1ObjectMeta { Name = "spo-leader" }, Spec = new V1LeaseSpec { HolderIdentity = "pod-1", RenewTime = DateTime.UtcNow } };

        Assert.Null(DaemonHeartbeat.Read(leaderElection));
    }

    [Fact]
    public async Task The_lease_is_renewed_on_the_clock_and_at_once_for_a_new_spod_generation_and_deleted_on_stop()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero));
        var backend = new InMemoryBackend(new InMemoryObjectStore(), new ObjectAdmission(SpoConverter.Default, SpoKindRegistry.Default));
        await using var spods = new Informer<SecurityProfilesOperatorDaemon>(backend.Resource<SecurityProfilesOperatorDaemon>(), new InformerOptions(OperatorInstances.OperatorNamespace));
        var settings = new SpodSettingsProvider(spods, OperatorInstances.OperatorNamespace);
        spods.Start();
        await spods.WaitForSyncAsync();
        var heartbeat = new DaemonHeartbeat(backend, OperatorInstances.OperatorNamespace, "node-a", settings, time);
        var leases = backend.Resource<V1Lease>();
        using var stop = new CancellationTokenSource();
        var running = heartbeat.RunAsync(stop.Token);

        var first = await WaitForBeatAsync(leases, heartbeat.Key, b => b is not null);
        Assert.Equal(new DaemonHeartbeatView("node-a", 0, time.GetUtcNow(), TimeSpan.FromSeconds(40)), first);

        // A quarter of the lease duration later, it renews (the clock moves until the loop's timer has seen it).
        var renewed = await WaitForBeatAsync(leases, heartbeat.Key, b => b!.RenewTime > first!.RenewTime, () => time.Advance(TimeSpan.FromSeconds(10)));
        Assert.Equal(0, (renewed!.RenewTime - first!.RenewTime).Ticks % TimeSpan.FromSeconds(10).Ticks);

        // A new SPOD generation goes on the Lease without waiting for the clock.
        await backend.Resource<SecurityProfilesOperatorDaemon>().CreateAsync(SpodSettingsTests.Spod(new SecurityProfilesOperatorDaemonSpec()));
        await WaitForBeatAsync(leases, heartbeat.Key, b => b!.SpodGeneration == 1);

        await stop.CancelAsync();
        await running;
        Assert.Null(await leases.GetAsync(heartbeat.Key));
    }

    private static async Task<DaemonHeartbeatView?> WaitForBeatAsync(IResourceClient<V1Lease> leases, ObjectKey key, Func<DaemonHeartbeatView?, bool> condition, Action? tick = null)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (true)
        {
            var lease = await leases.GetAsync(key);
            var beat = lease is null ? null : DaemonHeartbeat.Read(lease);
            if (beat is not null && condition(beat))
            {
                return beat;
            }

            Assert.True(DateTime.UtcNow < deadline, "the heartbeat did not reach the expected state");
            await Task.Delay(10);
            tick?.Invoke();
        }
    }
}
