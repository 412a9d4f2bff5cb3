using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using k8s.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SpoSdk.Admission;
using SpoSdk.Admission.Binding;
using SpoSdk.Admission.State;
using SpoSdk.Api.Conversion;
using SpoSdk.Api.Serialization;
using SpoSdk.Api.V1;
using SpoSdk.AspNetCore.Webhooks;
using SpoSdk.Runtime;
using SpoSdk.Runtime.Backends;
using SpoSdk.Runtime.Backends.InMemory;

namespace SpoSdk.Benchmarks;

/// <summary>
/// Binding admissions of a pod with 5 containers in a namespace with 20 ProfileBindings (5 bind the
/// pod's images, 1 is <c>*</c>, 14 name other images), against the floor: the same review through
/// the same processor and endpoint with a handler that answers "allowed" unchanged. Throughput is
/// the Op/s column (one admission per operation).
/// </summary>
/// <remarks>
/// Cases: in process (<see cref="AdmissionReviewProcessor"/> on the raw body, no HTTP), with the real
/// <see cref="ClusterAdmissionState"/> over the in-memory cluster (informer-fed lookups, bookkeeping
/// reads — the pod is a Deployment replica whose generateName entry is already tracked, so nothing is
/// written, as in steady state) and over HTTP/1.1 on loopback through <c>MapSpoWebhooks</c>.
/// <see cref="AdmissionLatencyBenchmarks"/> measures single admissions for the p50/p95/p99 latencies.
/// </remarks>
[MemoryDiagnoser]
[Config(typeof(ThroughputConfig))]
public class AdmissionBenchmarks
{
    private readonly AdmissionFixture _fixture = new();

    [GlobalSetup]
    public void Setup() => _fixture.Start();

    [GlobalCleanup]
    public void Cleanup() => _fixture.Stop();

    [Benchmark(Baseline = true, Description = "in process: floor (allowed unchanged)")]
    public async Task<int> InProcessFloor() => (await _fixture.Processor.ProcessAsync(_fixture.Review, _fixture.Floor)).Body.Length;

    [Benchmark(Description = "in process: binding")]
    public async Task<int> InProcessBinding() => (await _fixture.Processor.ProcessAsync(_fixture.Review, _fixture.Binding)).Body.Length;

    [Benchmark(Description = "HTTP loopback: floor (allowed unchanged)")]
    public Task<int> HttpFloor() => _fixture.PostAsync(AdmissionFixture.FloorPath);

    [Benchmark(Description = "HTTP loopback: binding")]
    public Task<int> HttpBinding() => _fixture.PostAsync(SpoWebhooks.BindingPath);

    private sealed class ThroughputConfig : ManualConfig
    {
        public ThroughputConfig()
        {
            AddColumn(StatisticColumn.OperationsPerSecond);
        }
    }
}

/// <summary>
/// Single admissions (one per iteration, 2,000 iterations) of the same cases, so the percentile columns
/// are per-admission latencies: p50, p95 and p99.
/// </summary>
[Config(typeof(LatencyConfig))]
public class AdmissionLatencyBenchmarks
{
    private readonly AdmissionFixture _fixture = new();

    [GlobalSetup]
    public void Setup() => _fixture.Start();

    [GlobalCleanup]
    public void Cleanup() => _fixture.Stop();

    [Benchmark(Baseline = true, Description = "in process: floor (allowed unchanged)")]
    public async Task<int> InProcessFloor() => (await _fixture.Processor.ProcessAsync(_fixture.Review, _fixture.Floor)).Body.Length;

    [Benchmark(Description = "in process: binding")]
    public async Task<int> InProcessBinding() => (await _fixture.Processor.ProcessAsync(_fixture.Review, _fixture.Binding)).Body.Length;

    [Benchmark(Description = "HTTP loopback: floor (allowed unchanged)")]
    public Task<int> HttpFloor() => _fixture.PostAsync(AdmissionFixture.FloorPath);

    [Benchmark(Description = "HTTP loopback: binding")]
    public Task<int> HttpBinding() => _fixture.PostAsync(SpoWebhooks.BindingPath);

    private sealed class LatencyConfig : ManualConfig
    {
        public LatencyConfig()
        {
            AddJob(Job.Default.WithInvocationCount(1).WithUnrollFactor(1).WithIterationCount(2_000).WithWarmupCount(200).WithId("single admissions"));
            AddColumn(StatisticColumn.P50, StatisticColumn.P95, new PercentileColumn(99));
            WithOptions(ConfigOptions.DisableOptimizationsValidator);
        }
    }

    // BenchmarkDotNet has p95 but no p99 column.
    private sealed class PercentileColumn(int percentile) : IColumn
    {
        public string Id => "P" + percentile;

        public string ColumnName => "P" + percentile;

        public bool AlwaysShow => true;

        public ColumnCategory Category => ColumnCategory.Statistics;

        public int PriorityInCategory => percentile;

        public bool IsNumeric => true;

        public UnitType UnitType => UnitType.Time;

        public string Legend => percentile + "th percentile of the single-admission times";

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            var statistics = summary[benchmarkCase]?.ResultStatistics;
            if (statistics is null)
            {
                return "NA";
            }

            var nanoseconds = statistics.Percentiles.Percentile(percentile);
            return (nanoseconds / 1_000).ToString("N1", System.Globalization.CultureInfo.InvariantCulture) + " μs";
        }

        public bool IsAvailable(Summary summary) => true;

        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    }
}

/// <summary>The namespace, the pod, the state and the two hosts the admission benchmarks share.</summary>
internal sealed class AdmissionFixture
{
    public const string FloorPath = "/floor";
    private const string Namespace = "bench";
    private static readonly string[] Images = ["registry.example/web:1.4.2", "registry.example/sidecar:2.0", "envoyproxy/envoy:v1.31.0", "busybox:1.36", "fluent/fluent-bit:3.1"];

    private WebApplication? _app;
    private HttpClient? _client;
    private ClusterAdmissionState? _state;

    public AdmissionReviewProcessor Processor { get; } = new();

    public IAdmissionHandler Floor { get; } = new FloorHandler();

    public IAdmissionHandler Binding { get; private set; } = null!;

    public byte[] Review { get; private set; } = [];

    public void Start() => StartAsync().GetAwaiter().GetResult();

    public void Stop()
    {
        _client?.Dispose();
        _app?.StopAsync().GetAwaiter().GetResult();
        _app?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _state?.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    public async Task<int> PostAsync(string path)
    {
        using var content = new ByteArrayContent(Review);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        using var response = await _client!.PostAsync(path, content).ConfigureAwait(false);
        var body = await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
        return response.StatusCode == HttpStatusCode.OK ? body.Length : throw new InvalidOperationException("HTTP " + response.StatusCode);
    }

    private async Task StartAsync()
    {
        var backend = new InMemoryBackend(new InMemoryObjectStore(), new ObjectAdmission(SpoConverter.Default, SpoKindRegistry.Default));
        await SeedAsync(backend).ConfigureAwait(false);
        _state = new ClusterAdmissionState(backend);
        await _state.StartAsync().ConfigureAwait(false);
        Binding = new ProfileBindingWebhook(_state, _state, new ProfileBindingWebhookOptions { ProfileRetry = RetryPolicy.None });
        Review = Encoding.UTF8.GetBytes(BuildReview());

        // The first admission tracks the Deployment's generateName in the bindings; every later one finds it there.
        var first = await Processor.ProcessAsync(Review, Binding).ConfigureAwait(false);
        var response = JsonNode.Parse(first.Body)!["response"]!;
        if (!(bool)response["allowed"]! || response["patch"] is null)
        {
            throw new InvalidOperationException("the benchmark pod is not bound: " + response.ToJsonString());
        }

        await Task.Delay(200).ConfigureAwait(false);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddSingleton<IAdmissionLookups>(_state).AddSingleton<IWorkloadBookkeeping>(_state);
        builder.Services.AddSpoWebhooks(o => o.Binding = o.Binding with { ProfileRetry = RetryPolicy.None });
        builder.Services.AddSingleton<FloorHandler>();
        _app = builder.Build();
        _app.MapSpoWebhooks();
        _app.MapSpoAdmissionWebhook<FloorHandler>(FloorPath);
        await _app.StartAsync().ConfigureAwait(false);
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        _client = new HttpClient { BaseAddress = new Uri(address) };
    }

    private static async Task SeedAsync(InMemoryBackend backend)
    {
        var seccomp = backend.Resource<SeccompProfile>();
        var selinux = backend.Resource<SelinuxProfile>();
        for (var i = 0; i < 20; i++)
        {
            var name = "profile-" + i;
            await seccomp.CreateAsync(new SeccompProfile { Metadata = new V1ObjectMeta { Name = name }, Spec = new SeccompProfileSpec { DefaultAction = SeccompAction.ScmpActErrno } }).ConfigureAwait(false);
            var stored = (await seccomp.GetAsync(ObjectKey.Cluster(name)).ConfigureAwait(false))!;
            stored.Status = new SeccompProfileStatus { Status = SeccompProfileState.Installed, LocalhostProfile = "operator/" + name + ".json" };
            await seccomp.UpdateStatusAsync(stored).ConfigureAwait(false);
        }

        await selinux.CreateAsync(new SelinuxProfile { Metadata = new V1ObjectMeta { Name = "web-selinux" }, Spec = new SelinuxProfileSpec() }).ConfigureAwait(false);
        var se = (await selinux.GetAsync(ObjectKey.Cluster("web-selinux")).ConfigureAwait(false))!;
        se.Status = new SelinuxProfileStatus { Status = SelinuxProfileState.Installed, Usage = "web-selinux.process" };
        await selinux.UpdateStatusAsync(se).ConfigureAwait(false);

        var bindings = backend.Resource<ProfileBinding>();
        for (var i = 0; i < 20; i++)
        {
            var (kind, profile, image) = i switch
            {
                < 5 => (ProfileBindingProfileKind.SeccompProfile, "profile-" + i, Images[i]),
                5 => (ProfileBindingProfileKind.SelinuxProfile, "web-selinux", "*"),
                _ => (ProfileBindingProfileKind.SeccompProfile, "profile-" + i, "registry.example/other-" + i + ":1.0"),
            };
            await bindings.CreateAsync(new ProfileBinding
            {
                Metadata = new V1ObjectMeta { Name = "binding-" + i.ToString("D2", System.Globalization.CultureInfo.InvariantCulture), NamespaceProperty = Namespace },
                Spec = new ProfileBindingSpec { ProfileRef = new ProfileBindingProfileRef { Kind = kind, Name = profile }, Image = image },
            }).ConfigureAwait(false);
        }
    }

    // A pod as the API server sends it for a Deployment replica: defaults filled in, no name yet.
    private static string BuildReview()
    {
        var containers = new JsonArray();
        for (var i = 0; i < Images.Length; i++)
        {
            containers.Add(new JsonObject
            {
                ["name"] = "container-" + i,
                ["image"] = Images[i],
                ["ports"] = new JsonArray(new JsonObject { ["containerPort"] = 8080 + i, ["protocol"] = "TCP" }),
                ["env"] = new JsonArray(new JsonObject { ["name"] = "LOG_LEVEL", ["value"] = "info" }),
                ["resources"] = new JsonObject { ["requests"] = new JsonObject { ["cpu"] = "100m", ["memory"] = "64Mi" } },
                ["volumeMounts"] = new JsonArray(new JsonObject { ["name"] = "kube-api-access-abcde", ["readOnly"] = true, ["mountPath"] = "/var/run/secrets/kubernetes.io/serviceaccount" }),
                ["terminationMessagePath"] = "/dev/termination-log",
                ["terminationMessagePolicy"] = "File",
                ["imagePullPolicy"] = "IfNotPresent",
            });
        }

        var pod = new JsonObject
        {
            ["kind"] = "Pod",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject
            {
                ["generateName"] = "web-7d9f8c6b5-",
                ["namespace"] = Namespace,
                ["labels"] = new JsonObject { ["app"] = "web", ["pod-template-hash"] = "7d9f8c6b5" },
                ["annotations"] = new JsonObject { ["kubectl.kubernetes.io/restartedAt"] = "2026-01-01T00:00:00Z" },
                ["ownerReferences"] = new JsonArray(new JsonObject { ["apiVersion"] = "apps/v1", ["kind"] = "ReplicaSet", ["name"] = "web-7d9f8c6b5", ["uid"] = "6b1f7a52-3c2e-4d0a-9d57-2f0c8c1b9e41", ["controller"] = true, ["blockOwnerDeletion"] = true }),
            },
            ["spec"] = new JsonObject
            {
                ["volumes"] = new JsonArray(new JsonObject { ["name"] = "kube-api-access-abcde", ["projected"] = new JsonObject { ["defaultMode"] = 420 } }),
                ["containers"] = containers,
                ["restartPolicy"] = "Always",
                ["terminationGracePeriodSeconds"] = 30,
                ["dnsPolicy"] = "ClusterFirst",
                ["serviceAccountName"] = "default",
                ["securityContext"] = new JsonObject(),
                ["schedulerName"] = "default-scheduler",
                ["tolerations"] = new JsonArray(new JsonObject { ["key"] = "node.kubernetes.io/not-ready", ["operator"] = "Exists", ["effect"] = "NoExecute", ["tolerationSeconds"] = 300 }),
                ["priority"] = 0,
                ["enableServiceLinks"] = true,
                ["preemptionPolicy"] = "PreemptLowerPriority",
            },
            ["status"] = new JsonObject(),
        };

        return new JsonObject
        {
            ["kind"] = "AdmissionReview",
            ["apiVersion"] = "admission.k8s.io/v1",
            ["request"] = new JsonObject
            {
                ["uid"] = "705ab4f5-6393-11e8-b7cc-42010a800002",
                ["kind"] = new JsonObject { ["group"] = string.Empty, ["version"] = "v1", ["kind"] = "Pod" },
                ["resource"] = new JsonObject { ["group"] = string.Empty, ["version"] = "v1", ["resource"] = "pods" },
                ["namespace"] = Namespace,
                ["operation"] = "CREATE",
                ["userInfo"] = new JsonObject { ["username"] = "system:serviceaccount:kube-system:replicaset-controller", ["uid"] = "a1b2", ["groups"] = new JsonArray("system:serviceaccounts", "system:authenticated") },
                ["object"] = pod,
                ["oldObject"] = null,
                ["dryRun"] = false,
                ["options"] = new JsonObject { ["kind"] = "CreateOptions", ["apiVersion"] = "meta.k8s.io/v1" },
            },
        }.ToJsonString();
    }

    private sealed class FloorHandler : IAdmissionHandler
    {
        public string Name => "floor";

        public ValueTask<AdmissionResponse> HandleAsync(AdmissionRequest request, CancellationToken cancellationToken) => ValueTask.FromResult(AdmissionResponse.Allow());

        public AdmissionResponse Failed(int code, string message) => AdmissionResponse.Errored(code, message);
    }
}
