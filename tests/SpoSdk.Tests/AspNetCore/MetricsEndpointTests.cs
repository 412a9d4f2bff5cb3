using System.Diagnostics.Metrics;
using System.Globalization;
using k8s.Models;
using Microsoft.Extensions.DependencyInjection;
using SpoSdk.Api.V1;
using SpoSdk.AspNetCore.Metrics;
using SpoSdk.Audit.Metrics;
using SpoSdk.Audit.Sources;
using SpoSdk.Hosting;
using SpoSdk.Tests.Audit.Enrichment;

namespace SpoSdk.Tests.AspNetCore;

/// <summary>
/// /metrics-spod and /metrics scraped over real HTTP on loopback from a host running the operator with the
/// log enricher on a real audit log file: upstream's names, label sets and types, and nothing unbounded.
/// </summary>
public sealed class MetricsEndpointTests : IAsyncLifetime
{
    private const string Node = "node-1";
    private const string Namespace = "team";
    private const int Pid = Hosting.LogEnricherHostingTests.Pid;
    private static readonly string ContainerId = string.Concat(Enumerable.Repeat("cd34", 16));

    private readonly FakeProc _proc = new();
    private readonly string _root = Directory.CreateTempSubdirectory("spo-metrics-").FullName;

    private string AuditLog { get; set; } = string.Empty;

    public Task InitializeAsync()
    {
        AuditLog = Hosting.LogEnricherHostingTests.PrepareNode(_proc, _root, ContainerId);
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        _proc.Dispose();
        Directory.Delete(_root, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_scrape_after_the_operator_worked_shows_upstream_counters_with_upstream_labels()
    {
        var backend = Pods.NewBackend();
        await backend.Resource<SecurityProfilesOperatorDaemon>().CreateAsync(new SecurityProfilesOperatorDaemon
        {
            Metadata = new V1ObjectMeta { Name = "spod", NamespaceProperty = "security-profiles-operator" },
            Spec = new SecurityProfilesOperatorDaemonSpec { Enricher = new SecurityProfilesOperatorDaemonEnricher { EnableLogEnricher = true } },
        });
        await Pods.RunAsync(backend, Pods.Pod(Namespace, "web", Node), ("app", ContainerId));
        await using var server = await LoopbackServer.StartAsync(
            services =>
            {
                services.AddSecurityProfilesOperator(spo => spo
                    .UseBackend(_ => backend)
                    .WithNodeName(Node)
                    .WithNodeRoot(_root)
                    .AddSeccomp()
                    .AddLogEnricher(o =>
                    {
                        o.ProcRoot = _proc.Root;
                        o.EnrichedLines = TextWriter.Synchronized(new StringWriter());
                        o.Source.StartPosition = AuditLogStartPosition.Beginning;
                        o.Source.PollInterval = TimeSpan.FromMilliseconds(20);
                    }));
                services.AddSpoMetrics();
            },
            app => app.MapSpoMetrics());
        await backend.Resource<SeccompProfile>().CreateAsync(new SeccompProfile
        {
            Metadata = new V1ObjectMeta { Name = "web-profile" },
            Spec = new SeccompProfileSpec { DefaultAction = SeccompAction.ScmpActErrno },
        });

        // read twice, write once, from a pid whose executable must never become a label.
        await File.AppendAllTextAsync(AuditLog, Line(0, 1) + Line(1, 2) + Line(0, 3));

        var spod = string.Empty;
        await Pods.EventuallyAsync(
            () => AuditCount(spod = server.Client.GetStringAsync("/metrics-spod").GetAwaiter().GetResult(), "read") == 2 && AuditCount(spod, "write") == 1,
            "the audit counter to reach read=2 and write=1");

        Assert.Equal("counter", PrometheusText.TypeOf(spod, SpodMetrics.SeccompProfileAuditTotal));
        var audit = PrometheusText.Samples(spod).Where(s => s.Name == SpodMetrics.SeccompProfileAuditTotal).ToList();
        Assert.Equal(2, audit.Count);
        Assert.All(audit, s =>
        {
            Assert.Equal(["container", "namespace", "node", "pod", "syscall"], s.Labels.Keys.Order(StringComparer.Ordinal));
            Assert.Equal(("app", Namespace, Node, "web"), (s.Labels["container"], s.Labels["namespace"], s.Labels["node"], s.Labels["pod"]));
        });

        // Bounded labels: no executable, comm or pid anywhere; upstream's names, not prefixed with the meter's name.
        Assert.DoesNotContain("/bin/dash", spod, StringComparison.Ordinal);
        Assert.DoesNotContain(Pid.ToString(CultureInfo.InvariantCulture), spod, StringComparison.Ordinal);
        Assert.DoesNotContain("executable", spod, StringComparison.Ordinal);
        Assert.All(PrometheusText.Samples(spod), s => Assert.DoesNotContain("sposdk", s.Name, StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(PrometheusText.Samples(spod), s => s.Name.StartsWith("controller_runtime_", StringComparison.Ordinal));

        // Go's promhttp scrape counter, as upstream's e2e test expects: the earlier scrapes were counted.
        var scrapes = PrometheusText.Samples(await server.Client.GetStringAsync("/metrics-spod")).Single(s => s.Name == "promhttp_metric_handler_requests_total" && s.Labels["code"] == "200");
        Assert.True(scrapes.Value >= 1, "scrapes counted: " + scrapes.Value);

        using var response = await server.Client.GetAsync("/metrics-spod");
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task The_controller_metrics_are_served_at_metrics_with_controller_runtime_names_and_buckets()
    {
        var backend = Pods.NewBackend();
        await using var server = await LoopbackServer.StartAsync(
            services =>
            {
                services.AddSecurityProfilesOperator(spo => spo.UseBackend(_ => backend).WithNodeName(Node).WithNodeRoot(_root).AddSeccomp());
                services.AddSpoMetrics();
            },
            app => app.MapSpoMetrics());
        await backend.Resource<SeccompProfile>().CreateAsync(new SeccompProfile
        {
            Metadata = new V1ObjectMeta { Name = "web-profile" },
            Spec = new SeccompProfileSpec { DefaultAction = SeccompAction.ScmpActErrno },
        });

        var text = string.Empty;
        await Pods.EventuallyAsync(
            () => PrometheusText.Samples(text = server.Client.GetStringAsync("/metrics").GetAwaiter().GetResult())
                .Any(s => s.Name == "controller_runtime_reconcile_total" && s.Labels["controller"] == "profile" && s.Labels["result"] == "success" && s.Value >= 1),
            "a successful reconcile of the seccomp controller");

        var samples = PrometheusText.Samples(text);
        Assert.Equal("counter", PrometheusText.TypeOf(text, "controller_runtime_reconcile_total"));
        Assert.Equal("histogram", PrometheusText.TypeOf(text, "controller_runtime_reconcile_time_seconds"));

        // controller-runtime's buckets (0.005 … 60) and client-go's work-queue buckets (1e-08 … 10).
        Assert.Contains(samples, s => s.Name == "controller_runtime_reconcile_time_seconds_bucket" && s.Labels["controller"] == "profile" && s.Labels["le"] == "60");
        Assert.Contains(samples, s => s.Name == "workqueue_work_duration_seconds_bucket" && s.Labels["name"] == "profile" && s.Labels["le"] == "1e-08");
        Assert.Contains(samples, s => s.Name == "workqueue_adds_total" && s.Labels["name"] == "profile" && s.Value >= 1);
        Assert.Contains(samples, s => s.Name == "workqueue_depth" && s.Labels["name"] == "profile");
        Assert.Equal("gauge", PrometheusText.TypeOf(text, "workqueue_depth"));
        Assert.DoesNotContain(samples, s => s.Name.StartsWith("security_profiles_operator_", StringComparison.Ordinal));

        // Every series is labelled by controller or queue name and result only: a fixed, small set.
        Assert.All(samples.Where(s => s.Name.StartsWith("controller_runtime_", StringComparison.Ordinal)), s => Assert.Subset(new HashSet<string> { "controller", "result", "le" }, s.Labels.Keys.ToHashSet()));
    }

    [Fact]
    public async Task Two_sdk_instances_in_one_process_export_only_their_own_meters()
    {
        await using var first = NewMeterServices();
        await using var second = NewMeterServices();
        using var firstExporter = new SpoMetricsExporter(first.GetRequiredService<IMeterFactory>());
        using var secondExporter = new SpoMetricsExporter(second.GetRequiredService<IMeterFactory>());
        var firstMetrics = new SpodMetrics(first.GetRequiredService<IMeterFactory>());
        var secondMetrics = new SpodMetrics(second.GetRequiredService<IMeterFactory>());

        firstMetrics.SeccompProfileChanged(ProfileOperation.Update);
        firstMetrics.SeccompProfileChanged(ProfileOperation.Update);
        firstMetrics.SeccompProfileChanged(ProfileOperation.Delete);
        secondMetrics.SelinuxProfileFailed(SelinuxProfileErrorReason.CannotContactSelinuxd);

        // A meter of the same name outside either instance (another library's factory) is not heard.
        using var stray = new Meter(SpodMetrics.MeterName);
        stray.CreateCounter<long>(SpodMetrics.SeccompProfileTotal).Add(100, new KeyValuePair<string, object?>("operation", "update"));

        var one = PrometheusText.Samples(await CollectAsync(firstExporter.SpodRegistry));
        var two = PrometheusText.Samples(await CollectAsync(secondExporter.SpodRegistry));
        Assert.Equal(2, one.Single(s => s.Name == SpodMetrics.SeccompProfileTotal && s.Labels["operation"] == "update").Value);
        Assert.Equal(1, one.Single(s => s.Name == SpodMetrics.SeccompProfileTotal && s.Labels["operation"] == "delete").Value);
        Assert.DoesNotContain(one, s => s.Name == SpodMetrics.SelinuxProfileErrorTotal);
        Assert.Equal(1, two.Single(s => s.Name == SpodMetrics.SelinuxProfileErrorTotal && s.Labels["reason"] == "CannotContactSelinuxd").Value);
        Assert.DoesNotContain(two, s => s.Name == SpodMetrics.SeccompProfileTotal);

        // prometheus-net's default process and runtime metrics stay out of an instance's registry.
        Assert.DoesNotContain(one, s => s.Name.StartsWith("process_", StringComparison.Ordinal) || s.Name.StartsWith("dotnet_", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_workqueue_that_goes_away_leaves_the_depth_gauge()
    {
        await using var services = NewMeterServices();
        var factory = services.GetRequiredService<IMeterFactory>();
        using var exporter = new SpoMetricsExporter(factory);
        var queues = new Dictionary<string, int> { ["a"] = 3, ["b"] = 1 };
        factory.Create(SpoMetricsExporter.RuntimeMeterName).CreateObservableGauge("workqueue_depth", () => queues.Select(q => new Measurement<int>(q.Value, new KeyValuePair<string, object?>("name", q.Key))).ToList());

        var before = PrometheusText.Samples(await CollectAsync(exporter.RuntimeRegistry)).Where(s => s.Name == "workqueue_depth").ToDictionary(s => s.Labels["name"], s => s.Value);
        queues.Remove("a");
        queues["b"] = 5;
        var after = PrometheusText.Samples(await CollectAsync(exporter.RuntimeRegistry)).Where(s => s.Name == "workqueue_depth").ToDictionary(s => s.Labels["name"], s => s.Value);

        Assert.Equal(new Dictionary<string, double> { ["a"] = 3, ["b"] = 1 }, before);
        Assert.Equal(new Dictionary<string, double> { ["b"] = 5 }, after);
    }

    [Fact]
    public async Task Instruments_prometheus_cannot_take_as_they_are_are_renamed_or_left_out_without_throwing_at_the_caller()
    {
        await using var services = NewMeterServices();
        var meter = services.GetRequiredService<IMeterFactory>().Create(SpodMetrics.MeterName);
        using var exporter = new SpoMetricsExporter(services.GetRequiredService<IMeterFactory>());

        meter.CreateCounter<long>("spo.odd-name").Add(2, new KeyValuePair<string, object?>("some-label", "x"));

        // Its name is taken by the scrape counter, which is a counter, not a gauge: prometheus-net refuses it.
        var clash = meter.CreateUpDownCounter<long>("promhttp_metric_handler_requests_total");
        clash.Add(1, new KeyValuePair<string, object?>("other", "y"));
        clash.Add(1, new KeyValuePair<string, object?>("other", "y"));

        var samples = PrometheusText.Samples(await CollectAsync(exporter.SpodRegistry));
        var odd = Assert.Single(samples, s => s.Name == "spo_odd_name");
        Assert.Equal(("x", 2.0), (odd.Labels["some_label"], odd.Value));
        Assert.DoesNotContain(samples, s => s.Labels.ContainsKey("other"));
    }

    [Fact]
    public async Task A_restarted_enricher_session_keeps_counting_on_the_exported_totals()
    {
        await using var services = NewMeterServices();
        var factory = services.GetRequiredService<IMeterFactory>();
        using var exporter = new SpoMetricsExporter(factory);
        var pipeline = new AuditPipelineMetrics(factory);
        var first = new AuditLogSourceCounters();
        first.AddDropped(500);
        var tracking = pipeline.Track(first);
        Assert.Equal(500, Dropped(await CollectAsync(exporter.SpodRegistry)));
        tracking.Dispose();

        // The bridge only raises an observed counter (IncTo): a sum that fell back to the new session's 300 froze the
        // exported total at 500 until that session passed it.
        var second = new AuditLogSourceCounters();
        second.AddDropped(300);
        using var again = pipeline.Track(second);

        Assert.Equal(800, Dropped(await CollectAsync(exporter.SpodRegistry)));

        static double Dropped(string text) =>
            PrometheusText.Samples(text).Where(s => s.Name == AuditPipelineMetrics.DroppedLinesTotal).Sum(s => s.Value);
    }

    private static ServiceProvider NewMeterServices() => new ServiceCollection().AddMetrics().BuildServiceProvider();

    private static async Task<string> CollectAsync(Prometheus.CollectorRegistry registry)
    {
        using var stream = new MemoryStream();
        await registry.CollectAndExportAsTextAsync(stream);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    private static string Line(int syscall, int serial) => Hosting.LogEnricherHostingTests.SeccompLine(syscall, serial);

    private static double AuditCount(string text, string syscall) =>
        PrometheusText.Samples(text).Where(s => s.Name == SpodMetrics.SeccompProfileAuditTotal && s.Labels.GetValueOrDefault("syscall") == syscall).Sum(s => s.Value);
}
