using System.Diagnostics;
using k8s.Models;
using SpoSdk.Api.Conversion;
using SpoSdk.Api.Serialization;
using SpoSdk.Api.V1;
using SpoSdk.Profiles.Defaults;
using SpoSdk.Runtime;
using SpoSdk.Runtime.Backends;
using SpoSdk.Runtime.Backends.InMemory;
using SpoSdk.Runtime.Leader;
using SpoSdk.Tests.Audit.Enrichment;
using SpoSdk.Tests.Runtime.Leader;
using Xunit.Abstractions;

namespace SpoSdk.Tests.Hosting;

/// <summary>
/// Two SDK instances on one shared cluster with leader election, as two replicas: exactly one runs the
/// manager role at any time, the other takes over when it stops, and both run the daemon role throughout.
/// </summary>
public sealed class LeaderElectionHostingTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Namespace = "security-profiles-operator";

    // Short, whole-second timings so a takeover happens within the test; the rules are those of the
    // defaults. The renew deadline leaves room for a loaded CI machine's pauses (a missed deadline makes
    // a leader step down and lead again, which would be right but would spoil the term counts).
    private static readonly TimeSpan LeaseDuration = TimeSpan.FromSeconds(3);

    private readonly InMemoryBackend _backend = new(new InMemoryObjectStore(), new ObjectAdmission(SpoConverter.Default, SpoKindRegistry.Default));
    private readonly List<OperatorHost> _hosts = new();
    private readonly object _probeGate = new();
    private int _leadersNow;
    private int _mostLeadersAtOnce;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            await host.DisposeAsync();
        }
    }

    [Fact]
    public async Task Exactly_one_instance_leads_and_a_graceful_stop_hands_over_at_once()
    {
        var a = await StartAsync("node-a");
        var b = await StartAsync("node-b");

        var leader = await SingleLeaderAsync(a, b);
        var standby = leader == a ? b : a;
        Assert.Equal(0, standby.Operator.ManagerTerms);
        Assert.Equal(0, standby.Health.Current.ManagerControllers);
        Assert.True(standby.Health.Current.DaemonControllers > 0);
        Assert.Equal(leader.Operator.LeaderElector!.Identity, standby.Operator.LeaderElector!.ObservedLeader);

        // Both daemons install; the leader aggregates the statuses.
        await TwoInstancesTests.Profiles(a).CreateAsync(TwoInstancesTests.Profile("web", SeccompAction.ScmpActErrno));
        await Pods.EventuallyAsync(() => TwoInstancesTests.Installed(a, "web"), "the leader's aggregation of both nodes' reports");

        var stopped = Stopwatch.StartNew();
        await leader.StopAsync();
        var lease = await Lease();
        Assert.Null(lease.Spec.HolderIdentity);
        await Pods.EventuallyAsync(() => standby.Health.IsLeader, "the standby to take over");
        output.WriteLine("graceful hand-over took " + stopped.Elapsed);
        Assert.True(stopped.Elapsed < LeaseDuration, "a released Lease is taken at the next retry, not after the lease duration; took " + stopped.Elapsed);
        Assert.Equal(1, (await Lease()).Spec.LeaseTransitions);

        // The new leader does the manager work: a new profile's status is aggregated from the remaining node.
        await TwoInstancesTests.Profiles(standby).CreateAsync(TwoInstancesTests.Profile("after", SeccompAction.ScmpActErrno));
        await Pods.EventuallyAsync(() => TwoInstancesTests.Installed(standby, "after"), "the new leader's aggregation");
        Assert.Equal(1, Volatile.Read(ref _mostLeadersAtOnce));
    }

    [Fact]
    public async Task A_crashed_leader_is_replaced_only_after_the_lease_runs_out()
    {
        var a = await StartAsync("node-a", release: false);
        var b = await StartAsync("node-b", release: false);
        var leader = await SingleLeaderAsync(a, b);
        var standby = leader == a ? b : a;

        // Without a release the Lease still names the old leader: the standby must wait it out.
        var stopped = Stopwatch.StartNew();
        await leader.StopAsync();
        Assert.Equal(leader.Operator.LeaderElector!.Identity, (await Lease()).Spec.HolderIdentity);
        await Pods.EventuallyAsync(() => standby.Health.IsLeader, "the standby to take over");

        output.WriteLine("takeover after a crash took " + stopped.Elapsed + " (lease " + LeaseDuration + ")");
        Assert.InRange(stopped.Elapsed, LeaseDuration - TimeSpan.FromMilliseconds(500), LeaseDuration + TimeSpan.FromSeconds(5));
        Assert.Equal(standby.Operator.LeaderElector!.Identity, (await Lease()).Spec.HolderIdentity);
        Assert.Equal(1, Volatile.Read(ref _mostLeadersAtOnce));
    }

    [Fact]
    public async Task A_leader_cut_off_from_its_lease_stops_its_manager_work_and_leads_again_with_fresh_controllers_later()
    {
        var cuts = new Dictionary<string, FailingLeaseBackend> { ["node-a"] = new(_backend), ["node-b"] = new(_backend) };
        var a = await StartAsync("node-a", backend: cuts["node-a"]);
        var b = await StartAsync("node-b", backend: cuts["node-b"]);
        var first = await SingleLeaderAsync(a, b);
        var second = first == a ? b : a;

        // The first leader cannot renew: it stops its manager work within the renew deadline, before the
        // Lease runs out for the second, which then takes over.
        cuts[first.Operator.NodeName].FailUpdates = true;
        await Pods.EventuallyAsync(() => second.Health.IsLeader, "the second instance to take over");
        Assert.False(first.Health.IsLeader);
        Assert.Equal(0, first.Health.Current.ManagerControllers);
        Assert.True(first.Health.Current is { Started: true, DaemonControllers: > 0 });

        // Now the second is cut off and the first is back: the first leads again, in a second term.
        cuts[first.Operator.NodeName].FailUpdates = false;
        cuts[second.Operator.NodeName].FailUpdates = true;
        await Pods.EventuallyAsync(() => first.Health.IsLeader && !second.Health.IsLeader, "the first instance to lead again");
        Assert.Equal(2, first.Operator.ManagerTerms);
        Assert.Equal(1, second.Operator.ManagerTerms);
        Assert.Equal(2, (await Lease()).Spec.LeaseTransitions);

        // Its new controllers work: a new profile's status is aggregated.
        await TwoInstancesTests.Profiles(first).CreateAsync(TwoInstancesTests.Profile("again", SeccompAction.ScmpActErrno));
        await Pods.EventuallyAsync(() => TwoInstancesTests.Installed(first, "again"), "the second term's aggregation");
        Assert.Equal(1, Volatile.Read(ref _mostLeadersAtOnce));
    }

    [Fact]
    public async Task Only_the_leader_creates_the_default_profile_and_an_unchanged_one_is_never_written_again()
    {
        await _backend.Resource<SecurityProfilesOperatorDaemon>().CreateAsync(new SecurityProfilesOperatorDaemon
        {
            Metadata = new V1ObjectMeta { Name = "spod", NamespaceProperty = Namespace },
            Spec = new SecurityProfilesOperatorDaemonSpec { Enricher = new SecurityProfilesOperatorDaemonEnricher { EnableLogEnricher = true } },
        });
        var a = await StartAsync("node-a");
        var b = await StartAsync("node-b");
        var leader = await SingleLeaderAsync(a, b);
        var standby = leader == a ? b : a;

        var profiles = _backend.Resource<SeccompProfile>();
        var key = ObjectKey.Cluster(DefaultProfiles.LogEnricherTraceName);
        await Pods.EventuallyAsync(() => profiles.GetAsync(key).GetAwaiter().GetResult() is not null, "the default profile");
        Assert.True(DefaultProfiles.IsLogEnricherTrace((await profiles.GetAsync(key))!));

        // A new leader finds it as it should be and does not write it; its generation says the spec was written once.
        await leader.StopAsync();
        await Pods.EventuallyAsync(() => standby.Health.IsLeader, "the standby to take over");
        await Pods.EventuallyAsync(() => TwoInstancesTests.Installed(standby, DefaultProfiles.LogEnricherTraceName), "the daemons to install it");
        await standby.Operator.WaitForIdleAsync(TimeSpan.FromMilliseconds(300), CancellationToken.None);
        var settled = (await profiles.GetAsync(key))!;
        Assert.Equal(1, settled.Metadata.Generation);

        // A resync (every controller of the leader, manager and daemon) writes nothing at all.
        var version = settled.Metadata.ResourceVersion;
        await standby.Operator.ResyncAsync(CancellationToken.None);
        await standby.Operator.WaitForIdleAsync(TimeSpan.FromMilliseconds(300), CancellationToken.None);
        Assert.Equal(version, (await profiles.GetAsync(key))!.Metadata.ResourceVersion);

        // Someone changes it: the leader puts it back, keeping their extra label.
        await profiles.UpdateWithRetryAsync(key, p =>
        {
            p.Spec.DefaultAction = SeccompAction.ScmpActErrno;
            p.Metadata.Labels["team"] = "ops";
            return true;
        });
        await Pods.EventuallyAsync(() => DefaultProfiles.IsLogEnricherTrace(profiles.GetAsync(key).GetAwaiter().GetResult()!), "the default profile to be restored");
        Assert.Equal("ops", (await profiles.GetAsync(key))!.Metadata.Labels["team"]);
    }

    private async Task<OperatorHost> StartAsync(string node, bool release = true, FailingLeaseBackend? backend = null)
    {
        var host = await OperatorHost.StartAsync(
            (spo, root) => spo.UseBackend(_ => backend ?? (IClusterBackend)new SharedBackend(_backend)).WithNodeName(node).WithNodeRoot(root).AddSeccomp().WithLeaderElection(o =>
            {
                o.Identity = node;
                o.LeaseDuration = LeaseDuration;
                o.RenewDeadline = TimeSpan.FromSeconds(2);
                o.RetryPeriod = TimeSpan.FromMilliseconds(100);
                o.ReleaseOnCancel = release;
            }),
            FollowLeadership);
        _hosts.Add(host);
        return host;
    }

    // The probe: every change of any instance's manager role, counted across instances.
    private void FollowLeadership(OperatorHost host)
    {
        var leading = false;
        host.Health.Changed += (_, status) =>
        {
            lock (_probeGate)
            {
                if (status.IsLeader == leading)
                {
                    return;
                }

                leading = status.IsLeader;
                _leadersNow += leading ? 1 : -1;
                _mostLeadersAtOnce = Math.Max(_mostLeadersAtOnce, _leadersNow);
            }
        };
    }

    private static async Task<OperatorHost> SingleLeaderAsync(OperatorHost a, OperatorHost b)
    {
        await Pods.EventuallyAsync(() => a.Health.IsLeader || b.Health.IsLeader, "a leader");

        // Give the standby several retry periods to (wrongly) lead too.
        await Task.Delay(500);
        Assert.NotEqual(a.Health.IsLeader, b.Health.IsLeader);
        var leader = a.Health.IsLeader ? a : b;
        Assert.Equal(1, leader.Operator.ManagerTerms);
        Assert.True(leader.Health.Current is { LeaderElection: true, ManagerControllers: > 0 });
        Assert.Equal(leader.Operator.LeaderElector!.Identity, leader.Health.Current.Leader);
        return leader;
    }

    private async Task<V1Lease> Lease() =>
        await _backend.Resource<V1Lease>().GetAsync(new ObjectKey(Namespace, LeaderElectionOptions.DefaultLeaseName)) ?? throw new InvalidOperationException("no leader Lease");

    // Each instance's provider disposes what its factory made; the shared cluster outlives them.
    private sealed class SharedBackend(IClusterBackend inner) : IClusterBackend
    {
        public IResourceClient<T> Resource<T>()
            where T : class, k8s.IKubernetesObject<V1ObjectMeta> => inner.Resource<T>();
    }
}
