using k8s.Models;
using Microsoft.Extensions.Time.Testing;
using SpoSdk.Api.Conversion;
using SpoSdk.Api.Serialization;
using SpoSdk.Api.V1;
using SpoSdk.Profiles.Spod;
using SpoSdk.Runtime;
using SpoSdk.Runtime.Backends;
using SpoSdk.Runtime.Backends.InMemory;
using SpoSdk.Runtime.Backends.Kubernetes;
using SpoSdk.Runtime.Informers;
using SpoSdk.Testing;

namespace SpoSdk.Tests.Profiles.Spod;

/// <summary>The SPOD's state and the expected nodes with real SpoOperator instances sharing one cluster.</summary>
public sealed class SpodStatusTests
{
    [Fact]
    public async Task One_instance_runs_the_spod_and_rolls_out_a_new_generation()
    {
        await using var cluster = new OperatorInstances();
        await cluster.CreateSpodAsync();
        var node = await cluster.StartAsync("node-a");

        var running = await cluster.WaitForSpodAsync(s => s.Status?.State == SpodState.Running);
        var ready = OperatorInstances.Ready(running);
        Assert.Equal(("True", "Available", "the daemon runs on all 1 expected node(s) with SPOD generation 1", 1L), (ready.Status.Value, ready.Reason, ready.Message, ready.ObservedGeneration));

        await cluster.Spods.UpdateWithRetryAsync(OperatorInstances.SpodKey, s => { s.Spec!.Verbosity = 1; return true; });
        var updated = await cluster.WaitForSpodAsync(s => s.Status?.State == SpodState.Running && OperatorInstances.Ready(s).ObservedGeneration == 2);
        Assert.EndsWith("with SPOD generation 2", OperatorInstances.Ready(updated).Message, StringComparison.Ordinal);
        Assert.Equal(1, node.SpodSettings.Current.Verbosity);

        var lease = (await cluster.Backend.Resource<V1Lease>().GetAsync(new ObjectKey(OperatorInstances.OperatorNamespace, "spod-node-a")))!;
        Assert.Equal(("node-a", "2", 40), (lease.Spec.HolderIdentity, lease.Metadata.Annotations[DaemonHeartbeat.SpodGenerationAnnotation], lease.Spec.LeaseDurationSeconds));
    }

    [Fact]
    public async Task Two_daemon_instances_take_the_spod_through_creating_running_updating_and_back()
    {
        await using var cluster = new OperatorInstances();
        await cluster.CreateNodeAsync("node-a");
        await cluster.CreateNodeAsync("node-b");
        await cluster.CreateSpodAsync();

        var manager = await cluster.StartAsync("node-a");
        var creating = await cluster.WaitForSpodAsync(s => s.Status?.State == SpodState.Creating);
        Assert.Equal(("False", "Creating", "the daemon runs on 1 of 2 node(s); waiting for node-b"), (OperatorInstances.Ready(creating).Status.Value, OperatorInstances.Ready(creating).Reason, OperatorInstances.Ready(creating).Message));

        var second = await cluster.StartAsync("node-b", spo => spo.DaemonOnly());
        var running = await cluster.WaitForSpodAsync(s => s.Status?.State == SpodState.Running);
        Assert.Equal("the daemon runs on all 2 expected node(s) with SPOD generation 1", OperatorInstances.Ready(running).Message);

        // A daemon that stops is a rollout in trouble, not a new installation.
        await cluster.StopAsync(second);
        var updating = await cluster.WaitForSpodAsync(s => s.Status?.State == SpodState.Updating);
        Assert.Equal(("False", "Updating", "1 of 2 node(s) run SPOD generation 1; waiting for node-b"), (OperatorInstances.Ready(updating).Status.Value, OperatorInstances.Ready(updating).Reason, OperatorInstances.Ready(updating).Message));

        // The node goes away: nothing is missing any more.
        await cluster.Backend.Resource<V1Node>().DeleteAsync(ObjectKey.Cluster("node-b"));
        await cluster.WaitForSpodAsync(s => s.Status?.State == SpodState.Running && OperatorInstances.Ready(s).Message.Contains("all 1 expected", StringComparison.Ordinal));
        Assert.Equal(["node-a"], manager.ExpectedNodes.Current);
    }

    [Fact]
    public async Task Without_node_objects_the_daemons_with_a_heartbeat_are_the_expected_nodes()
    {
        await using var cluster = new OperatorInstances();
        await cluster.CreateSpodAsync();
        var manager = await cluster.StartAsync("node-a", spo => spo.ManagerOnly());
        await cluster.WaitForSpodAsync(s => s.Status?.State == SpodState.Pending && OperatorInstances.Ready(s).Message == "no node to run the daemon on");

        var first = await cluster.StartAsync("node-b", spo => spo.DaemonOnly());
        await cluster.StartAsync("node-c", spo => spo.DaemonOnly());
        await cluster.WaitForSpodAsync(s => s.Status?.State == SpodState.Running && OperatorInstances.Ready(s).Message.Contains("all 2 expected", StringComparison.Ordinal));
        Assert.Equal(["node-b", "node-c"], manager.ExpectedNodes.Current);

        // A clean stop deletes the heartbeat, so the node is no longer expected.
        await cluster.StopAsync(first);
        await cluster.WaitForSpodAsync(s => s.Status?.State == SpodState.Running && OperatorInstances.Ready(s).Message.Contains("all 1 expected", StringComparison.Ordinal));
        Assert.Equal(["node-c"], manager.ExpectedNodes.Current);
    }

    [Fact]
    public async Task Invalid_configuration_is_an_error_naming_the_field_and_fixing_it_runs_again()
    {
        await using var cluster = new OperatorInstances();
        await cluster.CreateSpodAsync(new SecurityProfilesOperatorDaemonSpec
        {
            Security = new SecurityProfilesOperatorDaemonSecurity { AllowedSyscalls = ["read"], AllowedSeccompActions = [SpodSeccompAction.ScmpActErrno] },
        });
        await cluster.StartAsync("node-a");

        var error = await cluster.WaitForSpodAsync(s => s.Status?.State == SpodState.Error);
        var ready = OperatorInstances.Ready(error);
        Assert.Equal(("False", "Unavailable"), (ready.Status.Value, ready.Reason));
        Assert.Equal("invalid configuration: spec.security.allowedSeccompActions[0]: seccomp action not allowed: SCMP_ACT_ERRNO (allowed: SCMP_ACT_ALLOW, SCMP_ACT_LOG, SCMP_ACT_TRACE, SCMP_ACT_NOTIFY)", ready.Message);

        await cluster.Spods.UpdateWithRetryAsync(OperatorInstances.SpodKey, s => { s.Spec!.Security!.AllowedSeccompActions = null; return true; });
        await cluster.WaitForSpodAsync(s => s.Status?.State == SpodState.Running && OperatorInstances.Ready(s).ObservedGeneration == 2);
    }

    [Fact]
    public async Task Profile_readiness_follows_the_nodes_that_come_and_go()
    {
        await using var cluster = new OperatorInstances();
        await cluster.CreateNodeAsync("node-a");
        var manager = await cluster.StartAsync("node-a");
        var profiles = cluster.Backend.Resource<SeccompProfile>();
        await profiles.CreateAsync(new SeccompProfile { Metadata = new V1ObjectMeta { Name = "web" }, Spec = new SeccompProfileSpec { DefaultAction = SeccompAction.ScmpActLog } });
        await WaitForProfileAsync(cluster, "web", "Installed", "True");

        // A node the daemon would not be placed on changes nothing.
        await cluster.CreateNodeAsync("gpu-1", new V1Taint { Key = "dedicated", Value = "gpu", Effect = "NoSchedule" });
        await manager.WaitForIdleAsync(TimeSpan.FromMilliseconds(300), CancellationToken.None);
        Assert.Equal(["node-a"], manager.ExpectedNodes.Current);
        Assert.Equal(SeccompProfileState.Installed, (await profiles.GetAsync(ObjectKey.Cluster("web")))!.Status!.Status);

        // A new node without a daemon yet: the profile waits for it.
        await cluster.CreateNodeAsync("node-b");
        await WaitForProfileAsync(cluster, "web", "Pending", "False");

        // Its daemon installs the profile: ready again.
        var second = await cluster.StartAsync("node-b", spo => spo.DaemonOnly());
        await WaitForProfileAsync(cluster, "web", "Installed", "True");

        Assert.Contains("node-b-deleted", (await profiles.GetAsync(ObjectKey.Cluster("web")))!.Metadata.Finalizers);

        // The node leaves the cluster: its status and finalizer go, so the profile can still be deleted.
        await cluster.StopAsync(second);
        await cluster.Backend.Resource<V1Node>().DeleteAsync(ObjectKey.Cluster("node-b"));
        await WaitUntilAsync(async () => await cluster.Backend.Resource<SecurityProfileNodeStatus>().GetAsync(ObjectKey.Cluster("web-node-b")) is null
            && !(await profiles.GetAsync(ObjectKey.Cluster("web")))!.Metadata.Finalizers.Contains("node-b-deleted"));
        await WaitForProfileAsync(cluster, "web", "Installed", "True");

        await profiles.DeleteAsync(ObjectKey.Cluster("web"));
        await WaitUntilAsync(async () => await profiles.GetAsync(ObjectKey.Cluster("web")) is null);
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not hold in time");
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task A_resync_of_a_settled_cluster_writes_nothing()
    {
        await using var cluster = new OperatorInstances();
        await cluster.CreateNodeAsync("node-a");
        await cluster.CreateNodeAsync("node-b");
        await cluster.CreateSpodAsync();
        var manager = await cluster.StartAsync("node-a");
        var daemon = await cluster.StartAsync("node-b", spo => spo.DaemonOnly());
        var profiles = cluster.Backend.Resource<SeccompProfile>();
        for (var i = 0; i < 5; i++)
        {
            await profiles.CreateAsync(new SeccompProfile { Metadata = new V1ObjectMeta { Name = "p" + i }, Spec = new SeccompProfileSpec { DefaultAction = SeccompAction.ScmpActLog } });
        }

        await cluster.WaitForSpodAsync(s => s.Status?.State == SpodState.Running);
        for (var i = 0; i < 5; i++)
        {
            await WaitForProfileAsync(cluster, "p" + i, "Installed", "True");
        }

        await manager.WaitForIdleAsync(TimeSpan.FromMilliseconds(200), CancellationToken.None);
        var before = await VersionsAsync(cluster);

        await manager.ResyncAsync(CancellationToken.None);
        await daemon.ResyncAsync(CancellationToken.None);
        await manager.WaitForIdleAsync(TimeSpan.FromMilliseconds(300), CancellationToken.None);
        await daemon.WaitForIdleAsync(TimeSpan.FromMilliseconds(300), CancellationToken.None);

        // Heartbeat renewals are timed writes of their own; everything a reconcile writes is unchanged.
        Assert.Equal(before, await VersionsAsync(cluster));

        // A renewal reaches the SPOD's controller and changes nothing it reports.
        var leases = cluster.Backend.Resource<V1Lease>();
        var renewed = await leases.UpdateWithRetryAsync(new ObjectKey(OperatorInstances.OperatorNamespace, "spod-node-b"), l => { l.Spec.RenewTime = DateTime.UtcNow; return true; });
        await manager.WaitForIdleAsync(TimeSpan.FromMilliseconds(300), CancellationToken.None);
        Assert.NotNull(renewed);
        Assert.Equal(before, await VersionsAsync(cluster));
    }

    [Fact]
    public async Task Through_the_kubernetes_backend_the_spod_runs_and_a_stopped_daemon_removes_its_lease()
    {
        await using var server = await KubernetesApiTestServer.StartNewAsync();
        using var backend = KubernetesBackend.FromConfiguration(server.CreateClientConfiguration());
        await using var cluster = new OperatorInstances(backend);
        await cluster.CreateNodeAsync("node-a");
        await cluster.CreateSpodAsync(new SecurityProfilesOperatorDaemonSpec { EnableAppArmor = true });
        var node = await cluster.StartAsync("node-a");

        var running = await cluster.WaitForSpodAsync(s => s.Status?.State == SpodState.Running);
        Assert.Equal(("True", "Available"), (OperatorInstances.Ready(running).Status.Value, OperatorInstances.Ready(running).Reason));
        Assert.True(node.SpodSettings.Current.AppArmorEnabled);
        var leases = backend.Resource<V1Lease>();
        var key = new ObjectKey(OperatorInstances.OperatorNamespace, "spod-node-a");
        Assert.NotNull(await leases.GetAsync(key));

        await cluster.StopAsync(node);
        Assert.Null(await leases.GetAsync(key));
    }

    // The renewTime is written with the daemon node's clock: the manager dates a heartbeat from when it saw it change, on
    // its own clock, so a node behind is live and a node ahead that stops renewing is not live on.
    [Fact]
    public async Task A_heartbeat_holds_from_when_the_manager_saw_it_renewed_whatever_the_node_clock_says()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero));
        var backend = new InMemoryBackend(new InMemoryObjectStore(), new ObjectAdmission(SpoConverter.Default, SpoKindRegistry.Default));
        var spods = backend.Resource<SecurityProfilesOperatorDaemon>();
        var leases = backend.Resource<V1Lease>();
        await spods.CreateAsync(SpodSettingsTests.Spod(new SecurityProfilesOperatorDaemonSpec()));
        await using var spodInformer = new Informer<SecurityProfilesOperatorDaemon>(spods, new InformerOptions(OperatorInstances.OperatorNamespace));
        await using var heartbeats = new Informer<V1Lease>(leases, new InformerOptions(OperatorInstances.OperatorNamespace));
        var reconciler = new SpodStatusReconciler(backend, new SpodSettingsProvider(spodInformer, OperatorInstances.OperatorNamespace), heartbeats, ExpectedNodes.Fixed(["node-a"]), time);
        spodInformer.Start();
        heartbeats.Start();
        await spodInformer.WaitForSyncAsync().WaitAsync(TimeSpan.FromSeconds(10));
        await heartbeats.WaitForSyncAsync().WaitAsync(TimeSpan.FromSeconds(10));
        var key = new ObjectKey(OperatorInstances.OperatorNamespace, DaemonHeartbeat.LeaseName("node-a"));

        async Task<SpodState?> ReconcileAsync()
        {
            var version = (await spods.GetAsync(OperatorInstances.SpodKey))!.Metadata.ResourceVersion;
            await WaitUntilAsync(async () => (await leases.GetAsync(key))?.Metadata.ResourceVersion is not { } lease
                || (heartbeats.Get(key)?.Metadata.ResourceVersion == lease && spodInformer.Get(OperatorInstances.SpodKey)?.Metadata.ResourceVersion == version));
            await reconciler.ReconcileAsync(OperatorInstances.SpodKey, CancellationToken.None);
            var state = (await spods.GetAsync(OperatorInstances.SpodKey))!.Status?.State;
            await WaitUntilAsync(async () => spodInformer.Get(OperatorInstances.SpodKey)?.Metadata.ResourceVersion == (await spods.GetAsync(OperatorInstances.SpodKey))!.Metadata.ResourceVersion);
            return state;
        }

        // Renewed just now on a node whose clock is a minute behind.
        await leases.CreateAsync(new V1Lease
        {
            ApiVersion = "coordination.k8s.io/v1",
            Kind = "Lease",
            Metadata = new V1ObjectMeta { Name = key.Name, NamespaceProperty = key.Namespace, Labels = new Dictionary<string, string> { [DaemonHeartbeat.HeartbeatLabel] = "true" }, Annotations = new Dictionary<string, string> { [DaemonHeartbeat.SpodGenerationAnnotation] = "1" } },
            Spec = new V1LeaseSpec { HolderIdentity = "node-a", RenewTime = time.GetUtcNow().UtcDateTime - TimeSpan.FromMinutes(1), LeaseDurationSeconds = 40 },
        });
        Assert.Equal(SpodState.Running, await ReconcileAsync());

        // Renewed on time (the node's clock still behind): still running 30 s later.
        time.Advance(TimeSpan.FromSeconds(30));
        await leases.UpdateWithRetryAsync(key, l => { l.Spec.RenewTime = time.GetUtcNow().UtcDateTime - TimeSpan.FromSeconds(50); return true; });
        time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(SpodState.Running, await ReconcileAsync());

        // The node's clock now runs a minute ahead, and its daemon dies after this renewal: gone once the lease duration passed.
        await leases.UpdateWithRetryAsync(key, l => { l.Spec.RenewTime = time.GetUtcNow().UtcDateTime + TimeSpan.FromMinutes(1); return true; });
        Assert.Equal(SpodState.Running, await ReconcileAsync());
        time.Advance(TimeSpan.FromSeconds(39));
        Assert.Equal(SpodState.Running, await ReconcileAsync());
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(SpodState.Updating, await ReconcileAsync());
    }

    private static async Task<List<string>> VersionsAsync(OperatorInstances cluster)
    {
        var spod = await cluster.Spods.GetAsync(OperatorInstances.SpodKey);
        var profiles = await cluster.Backend.Resource<SeccompProfile>().ListAsync();
        var statuses = await cluster.Backend.Resource<SecurityProfileNodeStatus>().ListAsync();
        return [spod!.Metadata.ResourceVersion, .. profiles.Items.Select(p => p.Metadata.Name + "@" + p.Metadata.ResourceVersion), .. statuses.Items.Select(s => s.Metadata.Name + "@" + s.Metadata.ResourceVersion)];
    }

    private static async Task WaitForProfileAsync(OperatorInstances cluster, string name, string state, string ready)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            var status = (await cluster.Backend.Resource<SeccompProfile>().GetAsync(ObjectKey.Cluster(name)))?.Status;
            if (status?.Status?.Value == state && status.Conditions?.SingleOrDefault(c => c.Type == "Ready")?.Status.Value == ready)
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"profile {name} did not become {state}; it is {status?.Status?.Value}");
            await Task.Delay(20);
        }
    }
}
