using System.Text;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using k8s.Models;
using Microsoft.Extensions.DependencyInjection;
using SpoSdk.Api.V1;
using SpoSdk.Hosting;
using SpoSdk.Node.Files;

namespace SpoSdk.Benchmarks;

/// <summary>
/// Installing 10,000 SeccompProfiles into a node root with the hosted operator (node reconciler,
/// node statuses, status aggregation) against the floor: writing the same 10,000 files with the
/// same durability (temp, fsync, rename) in a plain loop. Then a resync of the unchanged profiles,
/// which must write nothing. Goals: cold ≤ 2x the floor; resync ≤ 10% of cold.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 0, iterationCount: 3)]
public class NodeInstallBenchmarks
{
    private const int Profiles = 10_000;
    private string _root = string.Empty;
    private byte[][] _files = [];

    [IterationSetup]
    public void Setup()
    {
        _root = Directory.CreateTempSubdirectory("spo-bench-").FullName;
        _files = Enumerable.Range(0, Profiles).Select(i => Encoding.UTF8.GetBytes(SpoSdk.Translators.SeccompProfileJson.ToCompactJson(Profile(i).Spec))).ToArray();
    }

    [IterationCleanup]
    public void Cleanup() => Directory.Delete(_root, recursive: true);

    [Benchmark(Baseline = true, Description = "plain loop: temp + fsync + rename")]
    public int PlainLoop()
    {
        var files = new LocalNodeFileSystem(_root);
        for (var i = 0; i < Profiles; i++)
        {
            files.WriteIfChanged("/var/lib/kubelet/seccomp/operator/profile-" + i + ".json", _files[i]);
        }

        return Profiles;
    }

    [Benchmark(Description = "hosted operator: cold install")]
    public async Task<int> ColdInstall()
    {
        await using var provider = NewOperator(out var spo);
        await LoadAndSettleAsync(spo);
        await spo.StopAsync(CancellationToken.None);
        return Profiles;
    }

    /// <summary>
    /// One run, printed: cold install, the floor, and a resync of the unchanged profiles with its
    /// file writes (<c>--node-install</c> on the benchmark program; finishes in about a minute).
    /// </summary>
    public static async Task RunQuickAsync()
    {
        // fsync costs drift by 2x within minutes on a shared disk: the floor is measured before and
        // after the cold install and the two are averaged.
        var floorBefore = MeasureFloor();
        var root = Directory.CreateTempSubdirectory("spo-bench-").FullName;
        try
        {
            var (cold, resync, writes) = await MeasureResyncAsync(root);
            var floorAfter = MeasureFloor();
            var floor = (floorBefore + floorAfter) / 2;
            Console.WriteLine($"profiles {Profiles}");
            Console.WriteLine($"floor (temp+fsync+rename loop) {floor.TotalSeconds:F2} s (before {floorBefore.TotalSeconds:F2} s, after {floorAfter.TotalSeconds:F2} s)");
            Console.WriteLine($"cold install {cold.TotalSeconds:F2} s, ratio vs-floor {cold / floor:F2}");
            Console.WriteLine($"resync {resync.TotalSeconds:F2} s ({100 * resync / cold:F1}% of cold), files written {writes}");
            Console.WriteLine($"peak working set {Environment.WorkingSet / (1024 * 1024)} MiB (current), {System.Diagnostics.Process.GetCurrentProcess().PeakWorkingSet64 / (1024 * 1024)} MiB (peak)");
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static TimeSpan MeasureFloor()
    {
        var bench = new NodeInstallBenchmarks();
        bench.Setup();
        var floor = System.Diagnostics.Stopwatch.StartNew();
        bench.PlainLoop();
        floor.Stop();
        bench.Cleanup();
        return floor.Elapsed;
    }

    public static async Task<(TimeSpan Cold, TimeSpan Resync, int ResyncWrites)> MeasureResyncAsync(string root)
    {
        var services = new ServiceCollection();
        services.AddSecurityProfilesOperator(spo => spo.UseInMemoryBackend().WithNodeName("bench-node").WithNodeRoot(root).AddSeccomp());
        await using var provider = services.BuildServiceProvider();
        var spo = provider.GetRequiredService<SpoOperator>();
        var cpu = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
        var started = System.Diagnostics.Stopwatch.StartNew();
        var loaded = await LoadAndSettleAsync(spo);
        var cold = started.Elapsed;
        cpu = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - cpu;
        var apiWrites = long.Parse(((SpoSdk.Runtime.Backends.InMemory.InMemoryBackend)spo.Backend).Store.ResourceVersion, System.Globalization.CultureInfo.InvariantCulture);
        Console.WriteLine($"of which loading {Profiles} objects into the store {loaded.TotalSeconds:F2} s; process CPU {cpu.TotalSeconds:F2} s; API writes {apiWrites} ({(double)apiWrites / Profiles:F1} per profile)");
        var before = Directory.EnumerateFiles(root, "*.json", SearchOption.AllDirectories).Max(f => File.GetLastWriteTimeUtc(f));
        started.Restart();
        await spo.ResyncAsync(CancellationToken.None);
        await spo.WaitForIdleAsync(TimeSpan.FromMilliseconds(200), CancellationToken.None);
        var resync = started.Elapsed - TimeSpan.FromMilliseconds(200);
        var writes = Directory.EnumerateFiles(root, "*.json", SearchOption.AllDirectories).Count(f => File.GetLastWriteTimeUtc(f) > before);
        await spo.StopAsync(CancellationToken.None);
        return (cold, resync, writes);
    }

    private ServiceProvider NewOperator(out SpoOperator spo)
    {
        var services = new ServiceCollection();
        var root = _root;
        services.AddSecurityProfilesOperator(o => o.UseInMemoryBackend().WithNodeName("bench-node").WithNodeRoot(root).AddSeccomp());
        var provider = services.BuildServiceProvider();
        spo = provider.GetRequiredService<SpoOperator>();
        return provider;
    }

    // Returns how long loading the objects took, before the operator starts.
    private static async Task<TimeSpan> LoadAndSettleAsync(SpoOperator spo)
    {
        var loading = System.Diagnostics.Stopwatch.StartNew();
        var client = spo.Backend.Resource<SeccompProfile>();
        for (var i = 0; i < Profiles; i++)
        {
            await client.CreateAsync(Profile(i));
        }

        var loaded = loading.Elapsed;

        await spo.StartAsync(CancellationToken.None);
        await spo.WaitForIdleAsync(TimeSpan.FromMilliseconds(200), CancellationToken.None);
        return loaded;
    }

    private static SeccompProfile Profile(int i) => new()
    {
        Metadata = new V1ObjectMeta { Name = "profile-" + i },
        Spec = new SeccompProfileSpec
        {
            DefaultAction = SeccompAction.ScmpActErrno,
            Architectures = [SeccompArchitecture.ScmpArchX8664],
            Syscalls = [new SeccompProfileSyscall { Action = SeccompAction.ScmpActAllow, Names = ["read", "write", "openat", "close", "exit_group", "futex", "mmap", "brk"] }],
        },
    };
}
