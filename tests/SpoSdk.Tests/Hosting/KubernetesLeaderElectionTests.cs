using System.Diagnostics;
using k8s.Models;
using SpoSdk.Runtime;
using SpoSdk.Runtime.Backends.Kubernetes;
using SpoSdk.Runtime.Leader;
using SpoSdk.Testing;
using SpoSdk.Tests.Audit.Enrichment;
using Xunit.Abstractions;

namespace SpoSdk.Tests.Hosting;

/// <summary>
/// Two instances, each with its own Kubernetes client, against the in-process API server over loopback
/// HTTP: with a Kubernetes backend leader election is on without being asked, with upstream's Lease and timings.
/// </summary>
public sealed class KubernetesLeaderElectionTests(ITestOutputHelper output)
{
    [Fact]
    public async Task With_a_Kubernetes_backend_one_replica_leads_by_default_and_a_stopped_leader_hands_over()
    {
        await using var server = await KubernetesApiTestServer.StartNewAsync();
        using var reader = KubernetesBackend.FromConfiguration(server.CreateClientConfiguration());
        await using var a = await StartAsync(server, "node-a");
        await using var b = await StartAsync(server, "node-b");

        await Pods.EventuallyAsync(() => a.Health.IsLeader || b.Health.IsLeader, "a leader");
        var leader = a.Health.IsLeader ? a : b;
        var standby = leader == a ? b : a;
        await Pods.EventuallyAsync(() => standby.Health.Current.Leader == leader.Operator.LeaderElector!.Identity, "the standby to see the leader");
        Assert.False(standby.Health.IsLeader);
        Assert.True(standby.Health.Current is { LeaderElection: true, ManagerControllers: 0 });

        var lease = await reader.Resource<V1Lease>().GetAsync(new ObjectKey("security-profiles-operator", "security-profiles-operator-lock"));
        Assert.Equal(leader.Operator.LeaderElector!.Identity, lease!.Spec.HolderIdentity);
        Assert.Equal(15, lease.Spec.LeaseDurationSeconds);

        // A graceful stop releases the Lease: the standby takes it at its next 2 s retry, well within the 15 s lease.
        var stopped = Stopwatch.StartNew();
        await leader.StopAsync();
        await Pods.EventuallyAsync(() => standby.Health.IsLeader, "the standby to take over");
        output.WriteLine("graceful hand-over over HTTP with the default timings took " + stopped.Elapsed);
        Assert.True(stopped.Elapsed < new LeaderElectionOptions().LeaseDuration, "took " + stopped.Elapsed);
    }

    private static Task<OperatorHost> StartAsync(KubernetesApiTestServer server, string node) =>
        OperatorHost.StartAsync((spo, root) => spo
            .UseBackend(_ => KubernetesBackend.FromConfiguration(server.CreateClientConfiguration()))
            .WithNodeName(node)
            .WithNodeRoot(root)
            .AddSeccomp());
}
