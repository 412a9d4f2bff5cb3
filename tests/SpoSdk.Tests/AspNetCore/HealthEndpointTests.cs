using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using SpoSdk.AspNetCore.Health;
using SpoSdk.Hosting;
using SpoSdk.Tests.Audit.Enrichment;

namespace SpoSdk.Tests.AspNetCore;

/// <summary>/healthz and /readyz over real HTTP on loopback.</summary>
public sealed class HealthEndpointTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("spo-health-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task A_running_operator_is_live_and_becomes_ready_once_its_informers_synced()
    {
        var backend = Pods.NewBackend();
        await using var server = await LoopbackServer.StartAsync(
            services =>
            {
                services.AddSecurityProfilesOperator(spo => spo.UseBackend(_ => backend).WithNodeName("node-1").WithNodeRoot(_root).AddSeccomp());
                services.AddSpoHealthChecks();
            },
            app => app.MapSpoHealth());

        using var live = await server.Client.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal("Healthy", await live.Content.ReadAsStringAsync());
        await Pods.EventuallyAsync(() => server.Client.GetAsync("/readyz").GetAwaiter().GetResult().StatusCode == HttpStatusCode.OK, "readiness");

        // What readiness is made of: the real informers of this instance, synced.
        var health = server.Services.GetRequiredService<ISpoOperatorHealth>();
        Assert.True(health.InformersSynced);
        Assert.Null(health.IsLeader);
    }

    [Fact]
    public async Task Under_leader_election_readiness_reports_the_lease_this_instance_won()
    {
        var backend = Pods.NewBackend();
        await using var server = await LoopbackServer.StartAsync(
            services =>
            {
                services.AddSecurityProfilesOperator(spo => spo.UseBackend(_ => backend).WithNodeName("node-1").WithNodeRoot(_root).AddSeccomp().WithLeaderElection());
                services.AddSpoHealthChecks();
            },
            app => app.MapSpoHealth());

        var health = server.Services.GetRequiredService<ISpoOperatorHealth>();
        await Pods.EventuallyAsync(() => health.IsLeader == true && health.InformersSynced, "leadership");
        var report = await server.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(c => c.Tags.Contains(SpoHealthChecks.ReadyTag));
        Assert.Equal("informers synced; leader", Assert.Single(report.Entries).Value.Description);
    }

    [Fact]
    public async Task Unsynced_informers_fail_readiness_but_not_liveness()
    {
        var state = new FixedHealth(synced: false, leader: null);
        await using var server = await LoopbackServer.StartAsync(services => services.AddSingleton<ISpoOperatorHealth>(state).AddSpoHealthChecks(), app => app.MapSpoHealth());

        using var live = await server.Client.GetAsync("/healthz");
        using var ready = await server.Client.GetAsync("/readyz");

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Equal("Unhealthy", await ready.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData(true, "informers synced; leader")]
    [InlineData(false, "informers synced; follower")]
    public async Task Leader_and_follower_are_both_ready_and_the_report_says_which(bool leader, string description)
    {
        var state = new FixedHealth(synced: true, leader: leader);
        await using var server = await LoopbackServer.StartAsync(services => services.AddSingleton<ISpoOperatorHealth>(state).AddSpoHealthChecks(), app => app.MapSpoHealth());

        using var ready = await server.Client.GetAsync("/readyz");
        var report = await server.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(c => c.Tags.Contains(SpoHealthChecks.ReadyTag));

        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        var entry = Assert.Single(report.Entries).Value;
        Assert.Equal(description, entry.Description);
        Assert.Equal(leader, entry.Data["leader"]);
    }

    [Fact]
    public async Task Before_the_host_started_and_once_it_stops_the_operator_is_not_ready()
    {
        await using var services = new ServiceCollection()
            .AddSecurityProfilesOperator(spo => spo.UseBackend(_ => Pods.NewBackend()).WithNodeName("node-1").WithNodeRoot(_root).AddSeccomp())
            .BuildServiceProvider();
        using var lifetime = new ManualLifetime();
        var health = new HostedOperatorHealth(services.GetRequiredService<SpoOperatorHealth>(), lifetime);
        var spo = services.GetRequiredService<SpoOperator>();

        Assert.False(health.InformersSynced);
        await spo.StartAsync(CancellationToken.None);
        await spo.WaitForIdleAsync(TimeSpan.FromMilliseconds(50), CancellationToken.None);
        Assert.False(health.InformersSynced);
        lifetime.Started();
        Assert.True(health.InformersSynced);
        lifetime.StopApplication();
        Assert.False(health.InformersSynced);
        await spo.StopAsync(CancellationToken.None);
    }

    private sealed class FixedHealth(bool synced, bool? leader) : ISpoOperatorHealth
    {
        public bool InformersSynced => synced;

        public bool? IsLeader => leader;
    }

    private sealed class ManualLifetime : IHostApplicationLifetime, IDisposable
    {
        private readonly CancellationTokenSource _started = new();
        private readonly CancellationTokenSource _stopping = new();
        private readonly CancellationTokenSource _stopped = new();

        public CancellationToken ApplicationStarted => _started.Token;

        public CancellationToken ApplicationStopping => _stopping.Token;

        public CancellationToken ApplicationStopped => _stopped.Token;

        public void Started() => _started.Cancel();

        public void StopApplication() => _stopping.Cancel();

        public void Dispose()
        {
            _started.Dispose();
            _stopping.Dispose();
            _stopped.Dispose();
        }
    }
}
