using k8s.Models;
using SpoSdk.Api.Naming;
using SpoSdk.Api.V1;
using SpoSdk.Runtime;
using SpoSdk.Runtime.Backends;
using SpoSdk.Tests.Audit.Enrichment;

namespace SpoSdk.Tests.Hosting;

/// <summary>Two SDK instances in one process, each with its own in-memory cluster and node root, converge independently.</summary>
public sealed class TwoInstancesTests
{
    [Fact]
    public async Task Two_instances_with_their_own_backends_and_roots_do_not_see_each_other()
    {
        await using var first = await OperatorHost.StartAsync((spo, root) => spo.UseInMemoryBackend().WithNodeName("node-a").WithNodeRoot(root).AddSeccomp());
        await using var second = await OperatorHost.StartAsync((spo, root) => spo.UseInMemoryBackend().WithNodeName("node-b").WithNodeRoot(root).AddSeccomp());
        Assert.NotSame(first.Operator.Backend, second.Operator.Backend);

        // The same name on both clusters, with different contents, plus one profile only the first has.
        await Profiles(first).CreateAsync(Profile("web", SeccompAction.ScmpActErrno));
        await Profiles(first).CreateAsync(Profile("only-first", SeccompAction.ScmpActLog));
        await Profiles(second).CreateAsync(Profile("web", SeccompAction.ScmpActKillProcess));

        await Pods.EventuallyAsync(() => Installed(first, "web") && Installed(first, "only-first") && Installed(second, "web"), "both instances to install their profiles");

        Assert.Contains("SCMP_ACT_ERRNO", await File.ReadAllTextAsync(ProfileFile(first, "web")), StringComparison.Ordinal);
        Assert.Contains("SCMP_ACT_KILL_PROCESS", await File.ReadAllTextAsync(ProfileFile(second, "web")), StringComparison.Ordinal);
        Assert.False(File.Exists(ProfileFile(second, "only-first")));
        Assert.Equal(["node-a"], (await first.Operator.Backend.Resource<SecurityProfileNodeStatus>().ListAsync()).Items.Select(s => s.Spec?.NodeName).Distinct());
        Assert.Equal(["node-b"], (await second.Operator.Backend.Resource<SecurityProfileNodeStatus>().ListAsync()).Items.Select(s => s.Spec?.NodeName).Distinct());

        // Stopping one leaves the other running: a new profile on the second still converges.
        await first.StopAsync();
        await Profiles(second).CreateAsync(Profile("late", SeccompAction.ScmpActErrno));
        await Pods.EventuallyAsync(() => Installed(second, "late"), "the second instance to go on alone");
        Assert.True(second.Health.Current.IsReady);
        Assert.False(first.Health.Current.Started);
    }

    [Fact]
    public async Task Without_leader_election_an_instance_runs_both_roles_and_says_so()
    {
        await using var host = await OperatorHost.StartAsync((spo, root) => spo.UseInMemoryBackend().WithNodeName("node-a").WithNodeRoot(root).AddSeccomp());

        await Pods.EventuallyAsync(() => host.Health.Current.IsReady, "the caches to sync");
        var status = host.Health.Current;
        Assert.True(status is { Started: true, ManagerRole: true, DaemonRole: true, LeaderElection: false, IsLeader: true, Leader: null });
        Assert.True(status.ManagerControllers > 0);
        Assert.True(status.DaemonControllers > 0);
        Assert.Null(host.Operator.LeaderElector);
        Assert.Equal(1, host.Operator.ManagerTerms);
    }

    internal static IResourceClient<SeccompProfile> Profiles(OperatorHost host) => host.Operator.Backend.Resource<SeccompProfile>();

    internal static SeccompProfile Profile(string name, SeccompAction action) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new SeccompProfileSpec { DefaultAction = action },
    };

    internal static bool Installed(OperatorHost host, string name) =>
        Profiles(host).GetAsync(ObjectKey.Cluster(name)).GetAwaiter().GetResult()?.Status?.Status == SeccompProfileState.Installed;

    private static string ProfileFile(OperatorHost host, string name) => Path.Combine(host.Root, new NodePaths(NodePaths.DefaultKubeletDirectory).SeccompProfile(name).TrimStart('/'));
}
