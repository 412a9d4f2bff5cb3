using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using k8s.Models;
using Microsoft.Extensions.DependencyInjection;
using SpoSdk.Api.Naming;
using SpoSdk.Api.V1;
using SpoSdk.AspNetCore.Metrics;
using SpoSdk.Audit.Metrics;
using SpoSdk.Hosting;
using SpoSdk.Profiles.AppArmor;
using SpoSdk.Profiles.Selinux;
using SpoSdk.Runtime;
using SpoSdk.Runtime.Backends;
using SpoSdk.Runtime.Leader;
using SpoSdk.Tests.Audit.Enrichment;
using SpoSdk.Tests.Profiles;

namespace SpoSdk.Tests.Hosting;

/// <summary>
/// The profile counters of <c>/metrics-spod</c> and the leader gauge of <c>/metrics</c>, as a hosted operator
/// reconciling real profiles into real files moves them: one count per file written or removed, none for a
/// resync that changes nothing, errors with upstream's reasons only.
/// </summary>
public sealed class SpodProfileMetricsTests
{
    private const string Node = "node-1";

    [Fact]
    public async Task Seccomp_counts_a_write_once_a_resync_not_at_all_a_removal_once_and_a_refused_profile_as_an_error()
    {
        await using var host = await OperatorHost.StartAsync((spo, root) => spo.UseInMemoryBackend().WithNodeName(Node).WithNodeRoot(root).AddSeccomp());
        using var metrics = new CollectedMetrics(host.Provider);
        var profiles = host.Operator.Backend.Resource<SeccompProfile>();

        await InstallResyncDeleteAsync(
            host,
            metrics,
            TwoInstancesTests.Profile("web", SeccompAction.ScmpActErrno),
            new NodePaths(NodePaths.DefaultKubeletDirectory).SeccompProfile("web"),
            SpodMetrics.SeccompProfileTotal,
            SpodMetrics.SeccompProfileErrorTotal,
            p => p?.Status?.Status == SeccompProfileState.Installed,
            p => p.Spec.DefaultAction = SeccompAction.ScmpActLog);
        Assert.Equal(2, metrics.Value(SpodMetrics.SeccompProfileTotal, ("operation", "update")));

        // The SPOD allows only read: a profile allowing write is refused, with upstream's reason and no update.
        await host.Operator.Backend.Resource<SecurityProfilesOperatorDaemon>().CreateAsync(new SecurityProfilesOperatorDaemon
        {
            Metadata = new V1ObjectMeta { Name = "spod", NamespaceProperty = "security-profiles-operator" },
            Spec = new SecurityProfilesOperatorDaemonSpec
            {
                Security = new SecurityProfilesOperatorDaemonSecurity { AllowedSyscalls = ["read"], AllowedSeccompActions = [SpodSeccompAction.ScmpActAllow] },
            },
        });
        var refused = TwoInstancesTests.Profile("writer", SeccompAction.ScmpActErrno);
        refused.Spec.Syscalls = [new SeccompProfileSyscall { Action = SeccompAction.ScmpActAllow, Names = ["write"] }];
        await SpodCachedAsync(host);
        await profiles.CreateAsync(refused);
        await Pods.EventuallyAsync(() => metrics.Value(SpodMetrics.SeccompProfileErrorTotal, ("reason", "ProfileNotAllowed")) >= 1, "the refusal counted");
        Assert.Equal(metrics.Total(SpodMetrics.SeccompProfileErrorTotal), metrics.Value(SpodMetrics.SeccompProfileErrorTotal, ("reason", "ProfileNotAllowed")));
        Assert.Equal(2, metrics.Value(SpodMetrics.SeccompProfileTotal, ("operation", "update")));
        metrics.AssertOnlyLabels(SpodMetrics.SeccompProfileTotal, "operation");
        metrics.AssertOnlyLabels(SpodMetrics.SeccompProfileErrorTotal, "reason");
    }

    [Fact]
    public async Task AppArmor_counts_a_load_once_a_resync_not_at_all_an_unload_once_and_a_closed_gate_as_not_supported()
    {
        await using var host = await OperatorHost.StartAsync((spo, root) => spo.UseInMemoryBackend().WithNodeName(Node).WithNodeRoot(root).AddAppArmor());
        using var metrics = new CollectedMetrics(host.Provider);
        var profiles = host.Operator.Backend.Resource<AppArmorProfile>();
        await InstallResyncDeleteAsync(
            host,
            metrics,
            AppArmor("web"),
            NodePaths.AppArmorProfile("web"),
            SpodMetrics.AppArmorProfileTotal,
            SpodMetrics.AppArmorProfileErrorTotal,
            p => p?.Status?.Status == AppArmorProfileState.Installed);

        // A SPOD that leaves AppArmor off refuses the next profile: upstream's "not supported" reason, never an update.
        await host.Operator.Backend.Resource<SecurityProfilesOperatorDaemon>().CreateAsync(new SecurityProfilesOperatorDaemon
        {
            Metadata = new V1ObjectMeta { Name = "spod", NamespaceProperty = "security-profiles-operator" },
            Spec = new SecurityProfilesOperatorDaemonSpec { EnableAppArmor = false },
        });
        await SpodCachedAsync(host);
        await profiles.CreateAsync(AppArmor("gated"));
        await Pods.EventuallyAsync(() => metrics.Value(SpodMetrics.AppArmorProfileErrorTotal, ("profile", "gated"), ("reason", "AppArmorNotSupportedOnNode")) >= 1, "the closed gate counted");
        Assert.Equal(metrics.Total(SpodMetrics.AppArmorProfileErrorTotal), metrics.Value(SpodMetrics.AppArmorProfileErrorTotal, ("profile", "gated"), ("reason", "AppArmorNotSupportedOnNode")));
        Assert.Equal(1, metrics.Value(SpodMetrics.AppArmorProfileTotal, ("operation", "update")));
        metrics.AssertOnlyLabels(SpodMetrics.AppArmorProfileErrorTotal, "profile", "reason");
    }

    [Fact]
    public async Task AppArmor_on_a_kernel_without_it_counts_not_supported_and_a_parser_failure_counts_cannot_load()
    {
        using var provider = new ServiceCollection().AddMetrics().BuildServiceProvider();
        using var metrics = new CollectedMetrics(provider);
        var runner = new Profiles.RecordingCommandRunner { ExitCode = 1, StandardError = "AppArmor parser error at line 7:\nsyntax error" };
        await using var node = new Profiles.LsmNodeFixture(
            loader: files => new AppArmorParserLoader(runner, files, "/usr/sbin/apparmor_parser"),
            metrics: new SpodMetrics(provider.GetRequiredService<IMeterFactory>()));

        await node.AppArmor.CreateAsync(AppArmor("nokernel"));
        await node.SettleAsync(async () => (await node.AppArmor.GetAsync(ObjectKey.Cluster("nokernel")))?.Status?.Status == AppArmorProfileState.Error);
        Assert.True(metrics.Value(SpodMetrics.AppArmorProfileErrorTotal, ("profile", "nokernel"), ("reason", "AppArmorNotSupportedOnNode")) >= 1);

        Profiles.LsmNodeFixture.WriteHostFile(node.Root, AppArmorKernel.Switch, "Y\n");
        await node.AppArmor.CreateAsync(AppArmor("broken"));
        await node.SettleAsync(async () => (await node.AppArmor.GetAsync(ObjectKey.Cluster("broken")))?.Status?.Status == AppArmorProfileState.Error);
        Assert.True(metrics.Value(SpodMetrics.AppArmorProfileErrorTotal, ("profile", "broken"), ("reason", "CannotLoadAppArmorProfile")) >= 1);
        Assert.Equal(0, metrics.Value(SpodMetrics.AppArmorProfileErrorTotal, ("profile", "broken"), ("reason", "AppArmorNotSupportedOnNode")));
        Assert.Equal(0, metrics.Total(SpodMetrics.AppArmorProfileTotal));
    }

    [Fact]
    public async Task Selinux_counts_an_install_once_a_resync_not_at_all_a_removal_once_and_a_missing_parent_as_cannot_save()
    {
        await using var host = await OperatorHost.StartAsync((spo, root) => spo.UseInMemoryBackend().WithNodeName(Node).WithNodeRoot(root).AddSelinux());
        using var metrics = new CollectedMetrics(host.Provider);
        var profiles = host.Operator.Backend.Resource<SelinuxProfile>();
        await InstallResyncDeleteAsync(
            host,
            metrics,
            Profiles.Selinux.SelinuxNodeReconcilerTests.Profile("web"),
            NodePaths.SelinuxPolicy("web"),
            SpodMetrics.SelinuxProfileTotal,
            SpodMetrics.SelinuxProfileErrorTotal,
            p => p?.Status?.Status == SelinuxProfileState.Installed);

        // A parent that does not exist: nothing can be saved; the reason is upstream's, and the name is no label.
        var orphan = Profiles.Selinux.SelinuxNodeReconcilerTests.Profile("orphan");
        orphan.Spec!.Inherit = [new SelinuxProfileInherit { Kind = SelinuxProfileInheritKind.SelinuxProfile, Name = "missing-parent" }];
        await profiles.CreateAsync(orphan);
        await Pods.EventuallyAsync(() => metrics.Value(SpodMetrics.SelinuxProfileErrorTotal, ("reason", "CannotSaveSelinuxPolicy")) >= 1, "the failed translation counted");
        Assert.Equal(metrics.Total(SpodMetrics.SelinuxProfileErrorTotal), metrics.Value(SpodMetrics.SelinuxProfileErrorTotal, ("reason", "CannotSaveSelinuxPolicy")));
        Assert.Equal(1, metrics.Value(SpodMetrics.SelinuxProfileTotal, ("operation", "update")));
        metrics.AssertOnlyLabels(SpodMetrics.SelinuxProfileErrorTotal, "reason");
    }

    [Fact]
    public async Task Seccomp_on_a_kernel_without_it_writes_nothing_and_says_and_counts_not_supported()
    {
        using var provider = new ServiceCollection().AddMetrics().BuildServiceProvider();
        using var metrics = new CollectedMetrics(provider);
        await using var node = new Profiles.SeccompNodeFixture(seccompSupported: false, metrics: new SpodMetrics(provider.GetRequiredService<IMeterFactory>()));

        await node.Profiles.CreateAsync(TwoInstancesTests.Profile("web", SeccompAction.ScmpActErrno));
        await Pods.EventuallyAsync(() => metrics.Value(SpodMetrics.SeccompProfileErrorTotal, ("reason", "SeccompNotSupportedOnNode")) >= 1, "the unsupported kernel counted");
        await node.SettleAsync(() => Task.FromResult(true));

        Assert.False(File.Exists(node.FileOf("web")));
        var events = await node.Backend.Resource<Corev1Event>().ListAsync();
        Assert.Contains(events.Items, e => e.InvolvedObject.Name == "web" && e.Reason == "SeccompNotSupportedOnNode" && e.Type == "Warning");
        Assert.Empty((await node.Backend.Resource<SecurityProfileNodeStatus>().ListAsync()).Items);
        Assert.Equal(metrics.Total(SpodMetrics.SeccompProfileErrorTotal), metrics.Value(SpodMetrics.SeccompProfileErrorTotal, ("reason", "SeccompNotSupportedOnNode")));
        Assert.Equal(0, metrics.Total(SpodMetrics.SeccompProfileTotal));

        // Nothing holds a deleted profile on such a node.
        await node.Profiles.DeleteAsync(ObjectKey.Cluster("web"));
        await node.SettleAsync(async () => await node.Profiles.GetAsync(ObjectKey.Cluster("web")) is null);
    }

    [Fact]
    public async Task A_node_status_the_api_refuses_counts_cannot_update_node_status_and_is_retried_until_written()
    {
        using var provider = new ServiceCollection().AddMetrics().BuildServiceProvider();
        using var metrics = new CollectedMetrics(provider);
        FailingNodeStatusBackend? failing = null;
        await using var node = new Profiles.SeccompNodeFixture(metrics: new SpodMetrics(provider.GetRequiredService<IMeterFactory>()), daemonBackend: b => failing = new FailingNodeStatusBackend(b));

        await node.Profiles.CreateAsync(TwoInstancesTests.Profile("web", SeccompAction.ScmpActErrno));
        await Pods.EventuallyAsync(() => metrics.Value(SpodMetrics.SeccompProfileErrorTotal, ("reason", "CannotUpdateNodeStatus")) >= 2, "two refused status writes counted");
        Assert.Equal(metrics.Total(SpodMetrics.SeccompProfileErrorTotal), metrics.Value(SpodMetrics.SeccompProfileErrorTotal, ("reason", "CannotUpdateNodeStatus")));
        Assert.True(failing!.FailedWrites >= 2);

        // The API comes back: the retried reconcile writes the status and counts no more errors.
        failing.FailWrites = false;
        await node.SettleAsync(async () => (await node.Profiles.GetAsync(ObjectKey.Cluster("web")))?.Status?.Status == SeccompProfileState.Installed);
        var errors = metrics.Total(SpodMetrics.SeccompProfileErrorTotal);
        await node.Profiles.UpdateWithRetryAsync(ObjectKey.Cluster("web"), p =>
        {
            p.Metadata.Annotations ??= new Dictionary<string, string>();
            p.Metadata.Annotations["example.com/touched"] = "yes";
            return true;
        });
        await node.SettleAsync(() => Task.FromResult(true));
        Assert.Equal(errors, metrics.Total(SpodMetrics.SeccompProfileErrorTotal));
    }

    [Fact]
    public async Task AppArmor_and_selinux_count_a_refused_node_status_with_their_own_upstream_reasons()
    {
        using var provider = new ServiceCollection().AddMetrics().BuildServiceProvider();
        using var metrics = new CollectedMetrics(provider);
        await using var node = new Profiles.LsmNodeFixture(metrics: new SpodMetrics(provider.GetRequiredService<IMeterFactory>()), daemonBackend: b => new FailingNodeStatusBackend(b));

        await node.AppArmor.CreateAsync(AppArmor("web"));
        await node.Selinux.CreateAsync(Profiles.Selinux.SelinuxNodeReconcilerTests.Profile("web"));
        await Pods.EventuallyAsync(() => metrics.Value(SpodMetrics.AppArmorProfileErrorTotal, ("profile", "web"), ("reason", "CannotUpdateNodeStatus")) >= 1, "the AppArmor status write counted");
        await Pods.EventuallyAsync(() => metrics.Value(SpodMetrics.SelinuxProfileErrorTotal, ("reason", "CannotUpdatePolicyStatus")) >= 1, "the SELinux status write counted");
    }

    [Fact]
    public async Task Selinuxd_out_of_reach_counts_cannot_contact_selinuxd_on_each_pass_and_the_profile_waits()
    {
        using var provider = new ServiceCollection().AddMetrics().BuildServiceProvider();
        using var metrics = new CollectedMetrics(provider);
        SelinuxdPolicyInstaller? selinuxd = null;
        await using var node = new Profiles.LsmNodeFixture(
            installer: files => selinuxd = new SelinuxdPolicyInstaller(files),
            prepareRoot: root => Profiles.LsmNodeFixture.WriteHostFile(root, SelinuxPolicyInstallers.KernelMarker, "1"),
            metrics: new SpodMetrics(provider.GetRequiredService<IMeterFactory>()));
        try
        {
            await node.Selinux.CreateAsync(Profiles.Selinux.SelinuxNodeReconcilerTests.Profile("web"));
            await Pods.EventuallyAsync(() => metrics.Value(SpodMetrics.SelinuxProfileErrorTotal, ("reason", "CannotContactSelinuxd")) >= 1, "the unreachable selinuxd counted");
            Assert.Equal(metrics.Total(SpodMetrics.SelinuxProfileErrorTotal), metrics.Value(SpodMetrics.SelinuxProfileErrorTotal, ("reason", "CannotContactSelinuxd")));
            Assert.Equal(0, metrics.Total(SpodMetrics.SelinuxProfileTotal));
            Assert.True(File.Exists(node.SelinuxFile("web")), "the policy file waits for selinuxd");
        }
        finally
        {
            selinuxd?.Dispose();
        }
    }

    [Fact]
    public async Task Scraped_over_http_the_install_counter_and_the_leader_gauge_carry_upstream_names()
    {
        var root = Directory.CreateTempSubdirectory("spo-spodmetrics-").FullName;
        try
        {
            await using var server = await AspNetCore.LoopbackServer.StartAsync(
                services =>
                {
                    services.AddSecurityProfilesOperator(spo => spo.UseInMemoryBackend().WithNodeName(Node).WithNodeRoot(root).AddSeccomp()
                        .WithLeaderElection(o => o.RetryPeriod = TimeSpan.FromMilliseconds(100)));
                    services.AddSpoMetrics();
                },
                app => app.MapSpoMetrics());
            var spo = server.Services.GetRequiredService<SpoOperator>();
            await spo.Backend.Resource<SeccompProfile>().CreateAsync(TwoInstancesTests.Profile("web", SeccompAction.ScmpActErrno));

            var spod = string.Empty;
            await Pods.EventuallyAsync(
                () => AspNetCore.PrometheusText.Samples(spod = server.Client.GetStringAsync("/metrics-spod").GetAwaiter().GetResult())
                    .Any(s => s.Name == SpodMetrics.SeccompProfileTotal && s.Labels["operation"] == "update"),
                "the install counter scraped");
            var update = AspNetCore.PrometheusText.Samples(spod).Single(s => s.Name == SpodMetrics.SeccompProfileTotal);
            Assert.Equal((1d, "update"), (update.Value, update.Labels["operation"]));
            Assert.Equal("counter", AspNetCore.PrometheusText.TypeOf(spod, SpodMetrics.SeccompProfileTotal));

            await Pods.EventuallyAsync(() => spo.Health.IsLeader, "the only instance to lead");
            var text = await server.Client.GetStringAsync("/metrics");
            var gauge = AspNetCore.PrometheusText.Samples(text).Single(s => s.Name == SpoOperator.LeaderElectionMasterStatus);
            Assert.Equal((1d, LeaderElectionOptions.DefaultLeaseName), (gauge.Value, gauge.Labels["name"]));
            Assert.Equal("gauge", AspNetCore.PrometheusText.TypeOf(text, SpoOperator.LeaderElectionMasterStatus));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task The_leader_gauge_is_1_while_leading_0_after_stepping_down_and_absent_without_an_election()
    {
        await using var elected = await OperatorHost.StartAsync((spo, root) => spo.UseInMemoryBackend().WithNodeName(Node).WithNodeRoot(root).AddSeccomp().WithLeaderElection(o =>
        {
            o.Identity = Node;
            o.RetryPeriod = TimeSpan.FromMilliseconds(100);
        }));
        using var metrics = new CollectedMetrics(elected.Provider);
        var lease = ("name", LeaderElectionOptions.DefaultLeaseName);

        await Pods.EventuallyAsync(() => elected.Health.IsLeader, "the only instance to lead");
        Assert.Equal(1, metrics.Gauge(SpoOperator.LeaderElectionMasterStatus, lease));

        await elected.StopAsync();
        Assert.False(elected.Health.IsLeader);
        Assert.Equal(0, metrics.Gauge(SpoOperator.LeaderElectionMasterStatus, lease));

        await using var alone = await OperatorHost.StartAsync((spo, root) => spo.UseInMemoryBackend().WithNodeName(Node).WithNodeRoot(root).AddSeccomp());
        using var unelected = new CollectedMetrics(alone.Provider);
        Assert.True(alone.Health.IsLeader);
        Assert.Null(unelected.GaugeOrNull(SpoOperator.LeaderElectionMasterStatus, lease));
    }

    [Fact]
    public void One_SDK_instance_has_one_SpodMetrics_and_two_instances_have_two()
    {
        using var first = Provider();
        using var second = Provider();
        Assert.Same(first.GetRequiredService<SpodMetrics>(), first.GetRequiredService<SpodMetrics>());
        Assert.NotSame(first.GetRequiredService<SpodMetrics>(), second.GetRequiredService<SpodMetrics>());

        static ServiceProvider Provider() => new ServiceCollection()
            .AddSecurityProfilesOperator(spo => spo.UseInMemoryBackend().WithNodeRoot(Path.GetTempPath()).AddSeccomp())
            .BuildServiceProvider();
    }

    // The daemon's reconcilers read the SPOD from the instance's informer cache, which trails the store.
    private static Task SpodCachedAsync(OperatorHost host)
    {
        var spods = host.Provider.GetRequiredService<InformerFactory>().For<SecurityProfilesOperatorDaemon>("security-profiles-operator");
        return Pods.EventuallyAsync(() => spods.Get(new ObjectKey("security-profiles-operator", "spod")) is not null, "the SPOD in the operator's cache");
    }

    private static AppArmorProfile AppArmor(string name) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new AppArmorProfileSpec
        {
            Mode = AppArmorProfileMode.Enforce,
            Abstract = Translators.AppArmor.AppArmorVectors.Nginx(),
        },
    };

    // Create → installed (file written, one update) → a resync (no update) → optionally a changed spec (one more
    // update) → delete (file removed, one delete); no error on the way.
    private static async Task InstallResyncDeleteAsync<TProfile>(OperatorHost host, CollectedMetrics metrics, TProfile profile, string hostPath, string counter, string errorCounter, Func<TProfile?, bool> installed, Action<TProfile>? change = null)
        where TProfile : class, k8s.IKubernetesObject<V1ObjectMeta>
    {
        var profiles = host.Operator.Backend.Resource<TProfile>();
        var key = ObjectKey.Cluster(profile.Metadata.Name);
        var file = Path.Combine(host.Root, hostPath.TrimStart('/'));
        long Updates() => metrics.Value(counter, ("operation", "update"));

        await profiles.CreateAsync(profile);
        await Pods.EventuallyAsync(() => installed(profiles.GetAsync(key).GetAwaiter().GetResult()), key + " installed");
        Assert.True(File.Exists(file), file);
        Assert.Equal(1, Updates());

        await ResyncAsync(metrics, profiles, profile.Metadata.Name);
        Assert.Equal(1, Updates());

        if (change is not null)
        {
            await profiles.UpdateWithRetryAsync(key, p =>
            {
                change(p);
                return true;
            });
            await Pods.EventuallyAsync(() => Updates() == 2, "the changed file counted");
        }

        var written = Updates();
        await profiles.DeleteAsync(key);
        await Pods.EventuallyAsync(() => profiles.GetAsync(key).GetAwaiter().GetResult() is null, key + " gone");
        Assert.False(File.Exists(file), file);
        Assert.Equal(1, metrics.Value(counter, ("operation", "delete")));
        Assert.Equal(written, Updates());
        Assert.Equal(0, metrics.Total(errorCounter));
    }

    // A resync that changes nothing on the node: an annotation the node side ignores, waited for until the
    // profile controller has reconciled after it (its reconcile counter moved on, then held still).
    private static async Task ResyncAsync<TProfile>(CollectedMetrics metrics, IResourceClient<TProfile> profiles, string name)
        where TProfile : class, k8s.IKubernetesObject<V1ObjectMeta>
    {
        await metrics.SettledReconcilesAsync();
        var before = metrics.Total("controller_runtime_reconcile_total");
        await profiles.UpdateWithRetryAsync(ObjectKey.Cluster(name), p =>
        {
            p.Metadata.Annotations ??= new Dictionary<string, string>();
            p.Metadata.Annotations["example.com/touched"] = "yes";
            return true;
        });
        await Pods.EventuallyAsync(() => metrics.Total("controller_runtime_reconcile_total") > before, "a reconcile after the annotation");
        await metrics.SettledReconcilesAsync();
    }

    /// <summary>The SDK instance's measurements (only meters of its own <see cref="IMeterFactory"/>), summed per label set.</summary>
    internal sealed class CollectedMetrics : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentDictionary<string, long> _sums = new();
        private readonly ConcurrentDictionary<string, long> _gauges = new();

        public CollectedMetrics(IServiceProvider provider)
        {
            var factory = provider.GetRequiredService<IMeterFactory>();
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (ReferenceEquals(instrument.Meter.Scope, factory))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
            {
                var key = Key(instrument.Name, tags);
                if (instrument is ObservableGauge<long>)
                {
                    _gauges[key] = value;
                }
                else
                {
                    _sums.AddOrUpdate(key, value, (_, sum) => sum + value);
                }
            });
            _listener.Start();
        }

        public long Value(string name, params (string Name, string Value)[] labels) =>
            _sums.TryGetValue(Key(name, labels.Select(l => new KeyValuePair<string, object?>(l.Name, l.Value)).ToArray()), out var sum) ? sum : 0;

        public long Total(string name) => _sums.Where(s => s.Key.StartsWith(name + "{", StringComparison.Ordinal)).Sum(s => s.Value);

        public long Gauge(string name, params (string Name, string Value)[] labels) =>
            GaugeOrNull(name, labels) ?? throw new Xunit.Sdk.XunitException(name + " was not observed");

        public long? GaugeOrNull(string name, params (string Name, string Value)[] labels)
        {
            _gauges.Clear();
            _listener.RecordObservableInstruments();
            return _gauges.TryGetValue(Key(name, labels.Select(l => new KeyValuePair<string, object?>(l.Name, l.Value)).ToArray()), out var value) ? value : null;
        }

        public void AssertOnlyLabels(string name, params string[] labels)
        {
            var seen = _sums.Keys.Where(k => k.StartsWith(name + "{", StringComparison.Ordinal)).ToList();
            Assert.NotEmpty(seen);
            Assert.All(seen, key => Assert.Equal(
                labels,
                key[(name.Length + 1)..^1].Split(',', StringSplitOptions.RemoveEmptyEntries).Select(pair => pair[..pair.IndexOf('=', StringComparison.Ordinal)])));
        }

        // No reconcile finished for a while: the controllers have caught up with every change so far.
        public async Task SettledReconcilesAsync()
        {
            var last = Total("controller_runtime_reconcile_total");
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while (true)
            {
                await Task.Delay(300);
                var now = Total("controller_runtime_reconcile_total");
                if (now == last)
                {
                    return;
                }

                Assert.True(DateTime.UtcNow < deadline, "the controllers kept reconciling");
                last = now;
            }
        }

        public void Dispose() => _listener.Dispose();

        private static string Key(string name, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var pairs = new List<string>(tags.Length);
            foreach (var tag in tags)
            {
                pairs.Add(tag.Key + "=" + tag.Value);
            }

            pairs.Sort(StringComparer.Ordinal);
            return name + "{" + string.Join(",", pairs) + "}";
        }
    }
}
