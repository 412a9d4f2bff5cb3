using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using k8s;
using k8s.Models;
using SpoSdk.Api.Serialization;
using SpoSdk.Api.V1;
using SpoSdk.Clients;
using SpoSdk.Clients.V1;
using SpoSdk.Runtime.Backends;
using SpoSdk.Runtime.Backends.InMemory;
using SpoSdk.Runtime.Backends.Kubernetes;
using SpoSdk.Testing;
using WatchEventType = SpoSdk.Runtime.Backends.WatchEventType;

namespace SpoSdk.Benchmarks;

/// <summary>
/// The generated typed client over HTTP on loopback (<see cref="KubernetesApiTestServer"/>) against the
/// same calls through KubernetesClient's generic custom-object API with System.Text.Json
/// deserialization by hand — the floor a user would write without the SDK: a list of 5,000
/// SeccompProfiles, and a watch delivering 10,000 events (replayed from the server's history).
/// </summary>
/// <remarks>
/// Server, clients and allocations share one process, so the allocated-bytes figures include the
/// server's; the quick mode (<c>--typed-client</c>) also times a raw HttpClient read of the same bytes
/// and subtracts it to estimate the client side alone.
/// </remarks>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
[Config(typeof(SlowBuildConfig))]
public class TypedClientBenchmarks
{
    private TypedClientFixture? _fixture;

    private TypedClientFixture Fixture => _fixture ?? throw new InvalidOperationException("not set up");

    [GlobalSetup]
    public async Task SetupAsync() => _fixture = await TypedClientFixture.StartAsync();

    [GlobalCleanup]
    public async Task CleanupAsync() => await Fixture.DisposeAsync();

    [BenchmarkCategory("list"), Benchmark(Baseline = true, Description = "list 5,000: generic custom-object API + STJ")]
    public Task<int> ListGeneric() => Fixture.ListGenericAsync();

    [BenchmarkCategory("list"), Benchmark(Description = "list 5,000: typed client")]
    public Task<int> ListTyped() => Fixture.ListTypedAsync();

    [BenchmarkCategory("watch"), Benchmark(Baseline = true, Description = "watch 10,000: generic custom-object API + STJ")]
    public Task<int> WatchGeneric() => Fixture.WatchGenericAsync();

    [BenchmarkCategory("watch"), Benchmark(Description = "watch 10,000: typed client")]
    public Task<int> WatchTyped() => Fixture.WatchTypedAsync();

    /// <summary>
    /// <c>--typed-client</c>: each case a few times after warm-up, alternating which goes first;
    /// prints median wall time and allocations, and <c>ratio vs-generic X</c> (the worse of the list and
    /// watch time ratios, typed over generic) on stdout.
    /// </summary>
    public static async Task RunQuickAsync()
    {
        var setup = Stopwatch.StartNew();
        await using var fixture = await TypedClientFixture.StartAsync();
        Console.Error.WriteLine(string.Format(CultureInfo.InvariantCulture, "setup: {0:N0} profiles created and patched over HTTP in {1:F1} s", TypedClientFixture.ListSize, setup.Elapsed.TotalSeconds));

        (string Name, Func<Task<int>> Run)[] cases =
        [
            ("list raw bytes", fixture.ListRawAsync), ("list generic", fixture.ListGenericAsync), ("list typed", fixture.ListTypedAsync), ("list typed 500/page", fixture.ListTypedDefaultPagingAsync),
            ("watch raw bytes", fixture.WatchRawAsync), ("watch generic", fixture.WatchGenericAsync), ("watch typed", fixture.WatchTypedAsync),
        ];
        // One warm-up each and five timed rounds keep the whole run under a minute on a busy 2-core machine.
        foreach (var (_, run) in cases)
        {
            await run();
        }

        const int Rounds = 5;
        var times = cases.Select(_ => new double[Rounds]).ToArray();
        var bytes = cases.Select(_ => new long[Rounds]).ToArray();
        for (var round = 0; round < Rounds; round++)
        {
            // Alternate the order so no case always runs after another's garbage.
            var order = round % 2 == 0 ? Enumerable.Range(0, cases.Length) : Enumerable.Range(0, cases.Length).Reverse();
            foreach (var c in order)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                var before = GC.GetTotalAllocatedBytes(precise: true);
                var clock = Stopwatch.StartNew();
                var count = await cases[c].Run();
                times[c][round] = clock.Elapsed.TotalMilliseconds;
                bytes[c][round] = GC.GetTotalAllocatedBytes(precise: true) - before;
                var expected = cases[c].Name.StartsWith("list", StringComparison.Ordinal) ? TypedClientFixture.ListSize : TypedClientFixture.WatchEvents;
                if (count != expected)
                {
                    throw new InvalidOperationException(cases[c].Name + " saw " + count + " objects, expected " + expected);
                }
            }
        }

        var ci = CultureInfo.InvariantCulture;
        double Time(string name) => Median(times[Array.FindIndex(cases, c => c.Name == name)]);
        double Megabytes(string name) => Median(bytes[Array.FindIndex(cases, c => c.Name == name)].Select(b => (double)b).ToArray()) / 1e6;
        foreach (var (name, _) in cases)
        {
            var raw = name.StartsWith("list", StringComparison.Ordinal) ? "list raw bytes" : "watch raw bytes";
            Console.Error.WriteLine(string.Format(ci, "{0,-20} {1,8:F1} ms {2,8:F1} MB allocated (process), {3,8:F1} MB above raw bytes", name, Time(name), Megabytes(name), Megabytes(name) - Megabytes(raw)));
        }

        var listRatio = Time("list typed") / Time("list generic");
        var watchRatio = Time("watch typed") / Time("watch generic");
        Console.Error.WriteLine(string.Format(ci, "time ratio typed/generic: list {0:F2} (500/page: {1:F2}), watch {2:F2}; allocation ratio (above raw): list {3:F2}, watch {4:F2}",
            listRatio, Time("list typed 500/page") / Time("list generic"), watchRatio,
            (Megabytes("list typed") - Megabytes("list raw bytes")) / (Megabytes("list generic") - Megabytes("list raw bytes")),
            (Megabytes("watch typed") - Megabytes("watch raw bytes")) / (Megabytes("watch generic") - Megabytes("watch raw bytes"))));
        Console.WriteLine(string.Format(ci, "ratio vs-generic {0:F2}", Math.Max(listRatio, watchRatio)));

        static double Median(double[] values)
        {
            var sorted = values.Order().ToArray();
            return sorted[sorted.Length / 2];
        }
    }

    // BenchmarkDotNet rebuilds the benchmark project with its whole dependency tree (generator, API,
    // runtime, ASP.NET Core test server) in a scratch folder; on a busy 2-core machine that outlasts
    // its default 2-minute build timeout and every benchmark fails with "build timeout".
    private sealed class SlowBuildConfig : ManualConfig
    {
        public SlowBuildConfig() => WithBuildTimeout(TimeSpan.FromMinutes(15));
    }
}

/// <summary>An API server holding 5,000 SeccompProfiles and 10,000 watch events, and the clients that read them.</summary>
internal sealed class TypedClientFixture : IAsyncDisposable
{
    public const int ListSize = 5_000;
    public const int WatchEvents = 2 * ListSize;
    private const string Group = "security-profiles-operator.x-k8s.io";
    private const string Plural = "seccompprofiles";

    // A watch that stops short fails the run instead of hanging it (the server keeps a watch open for 30 minutes).
    private static readonly TimeSpan WatchDeadline = TimeSpan.FromMinutes(1);

    private readonly KubernetesApiTestServer _server;
    private readonly KubernetesBackend _backend;
    private readonly KubernetesBackend _defaultBackend;
    private readonly k8s.Kubernetes _generic;
    private readonly HttpClient _raw;
    private readonly ISeccompProfileClient _profiles;
    private readonly ISeccompProfileClient _defaultPagingProfiles;
    private string _watchFrom = "0";

    private TypedClientFixture(KubernetesApiTestServer server)
    {
        _server = server;

        // One request for the whole list, as the generic call makes; the default (500 a page) is timed apart.
        _backend = KubernetesBackend.FromConfiguration(server.CreateClientConfiguration(), new KubernetesBackendOptions { PageSize = ListSize });
        _defaultBackend = KubernetesBackend.FromConfiguration(server.CreateClientConfiguration());
        _generic = new k8s.Kubernetes(server.CreateClientConfiguration());
        _raw = new HttpClient { BaseAddress = server.BaseAddress };
        _profiles = new SpoClients(_backend).SeccompProfiles;
        _defaultPagingProfiles = new SpoClients(_defaultBackend).SeccompProfiles;
    }

    public static async Task<TypedClientFixture> StartAsync()
    {
        var server = await KubernetesApiTestServer.StartNewAsync(new KubernetesApiTestServerOptions
        {
            Store = new InMemoryObjectStore(new InMemoryStoreOptions { WatchHistory = 2 * WatchEvents, BookmarkInterval = null }),
            RequestLogCapacity = 0,
        });
        var fixture = new TypedClientFixture(server);
        await fixture.FillAsync();
        return fixture;
    }

    public async Task<int> ListTypedAsync() => (await _profiles.ListAsync()).Items.Count;

    public async Task<int> ListTypedDefaultPagingAsync() => (await _defaultPagingProfiles.ListAsync()).Items.Count;

    public async Task<int> ListGenericAsync()
    {
        // KubernetesClient hands back the body as a JsonElement; the user maps it onto the model.
        var body = (JsonElement)await _generic.CustomObjects.ListClusterCustomObjectAsync(Group, "v1", Plural);
        return body.Deserialize<ObjectList>(SpoJsonOptions.Lenient)!.Items.Count;
    }

    public async Task<int> ListRawAsync() => (await _raw.GetByteArrayAsync("apis/" + Group + "/v1/" + Plural)).Length > 0 ? ListSize : 0;

    public async Task<int> WatchTypedAsync()
    {
        using var stop = new CancellationTokenSource(WatchDeadline);
        var seen = 0;
        await foreach (var change in _profiles.WatchAsync(_watchFrom, null, stop.Token))
        {
            if (change.Type != WatchEventType.Bookmark && ++seen == WatchEvents)
            {
                break;
            }
        }

        return seen;
    }

    public async Task<int> WatchGenericAsync()
    {
        // KubernetesClient's own watch over the generic API hands each object back as a JsonElement;
        // the user maps it onto the model.
        using var stop = new CancellationTokenSource(WatchDeadline);
        var seen = 0;
        await foreach (var (type, item) in _generic.CustomObjects.WatchListClusterCustomObjectAsync(Group, "v1", Plural, resourceVersion: _watchFrom, cancellationToken: stop.Token))
        {
            var profile = ((JsonElement)item).Deserialize<SeccompProfile>(SpoJsonOptions.Lenient);
            if (type != k8s.WatchEventType.Bookmark && profile is not null && ++seen == WatchEvents)
            {
                break;
            }
        }

        return seen;
    }

    public async Task<int> WatchRawAsync()
    {
        using var stop = new CancellationTokenSource(WatchDeadline);
        using var response = await _raw.GetAsync("apis/" + Group + "/v1/" + Plural + "?watch=true&resourceVersion=" + _watchFrom, HttpCompletionOption.ResponseHeadersRead, stop.Token);
        await using var stream = await response.Content.ReadAsStreamAsync(stop.Token);
        using var reader = new StreamReader(stream);
        var seen = 0;
        while (seen < WatchEvents && await reader.ReadLineAsync(stop.Token) is not null)
        {
            seen++;
        }

        return seen;
    }

    public async ValueTask DisposeAsync()
    {
        _raw.Dispose();
        _generic.Dispose();
        _defaultBackend.Dispose();
        _backend.Dispose();
        await _server.DisposeAsync();
    }

    // 5,000 creates then 5,000 merge patches after the watch's starting version: 10,000 events to replay.
    private async Task FillAsync()
    {
        // Why the draft hung: the empty store lists at version "0", and a watch from "0" means "the
        // current state as ADDED events, then changes" (as on a real API server), not "replay from the
        // beginning" — so it delivered 5,000 events and waited forever for the rest. One unrelated write
        // (a Namespace) first moves the version off "0", and the watch replays exactly the 10,000 changes.
        await _generic.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "typed-client-bench" } });
        _watchFrom = (await _profiles.ListAsync()).ResourceVersion;
        if (_watchFrom == "0")
        {
            throw new InvalidOperationException("the watch would start from \"0\" (current state), not replay the changes");
        }

        var parallel = new ParallelOptions { MaxDegreeOfParallelism = 4 };
        await Parallel.ForEachAsync(Enumerable.Range(0, ListSize), parallel, async (i, ct) => await _profiles.CreateAsync(Profile(i), ct));
        var patch = ResourcePatch.Merge(new JsonObject { ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["stage"] = "patched" } } });
        await Parallel.ForEachAsync(Enumerable.Range(0, ListSize), parallel, async (i, ct) => await _profiles.PatchAsync(Name(i), patch, ct));
    }

    private static string Name(int i) => "bench-" + i.ToString("D5", CultureInfo.InvariantCulture);

    // A profile of typical size: a default action and an allow list of 40 syscalls.
    private static SeccompProfile Profile(int i) => new()
    {
        Metadata = new V1ObjectMeta { Name = Name(i), Labels = new Dictionary<string, string> { ["app"] = "bench" } },
        Spec = new SeccompProfileSpec
        {
            DefaultAction = SeccompAction.ScmpActErrno,
            Architectures = [SeccompArchitecture.ScmpArchX8664],
            Syscalls = [new SeccompProfileSyscall { Action = SeccompAction.ScmpActAllow, Names = [.. Enumerable.Range(0, 40).Select(n => "syscall_" + n.ToString(CultureInfo.InvariantCulture))] }],
        },
    };

    private sealed record ObjectList([property: JsonPropertyName("items")] List<SeccompProfile> Items);
}
