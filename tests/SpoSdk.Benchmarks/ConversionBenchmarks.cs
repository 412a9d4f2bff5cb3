using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using SpoSdk.Api.Conversion;
using SpoSdk.Conversion;
using SpoSdk.Tests.Audit;

namespace SpoSdk.Benchmarks;

/// <summary>
/// A ConversionReview of 1,000 mixed objects (legacy objects of every kind, asked for as v1: what the
/// API server sends when it reads old stored objects) against the floor: parsing and writing the same review with
/// System.Text.Json and nothing else. Goal: at most 1.3x the floor.
/// </summary>
[MemoryDiagnoser]
public class ConversionBenchmarks
{
    private const int Objects = 1_000;
    private readonly ConversionReviewHandler _handler = new(SpoConverter.Default);
    private byte[] _review = [];

    [GlobalSetup]
    public void Setup()
    {
        _review = Encoding.UTF8.GetBytes(ConversionReviewCorpus.Build(Objects));
        var check = JsonNode.Parse(_handler.Handle(_review).Span)!;
        if ((string?)check["response"]!["result"]!["status"] != "Success")
        {
            throw new InvalidOperationException("benchmark review does not convert: " + check["response"]!["result"]);
        }

        // Every object must really have been converted, or the time measured is not the work claimed.
        var converted = check["response"]!["convertedObjects"]!.AsArray();
        if (converted.Count != Objects || converted.Any(o => (string?)o!["apiVersion"] != ConversionReviewCorpus.DesiredApiVersion))
        {
            throw new InvalidOperationException("benchmark review converted " + converted.Count + " objects, not all to " + ConversionReviewCorpus.DesiredApiVersion);
        }
    }

    [Benchmark(Baseline = true, Description = "System.Text.Json parse + write (floor)")]
    public int ParseAndWrite()
    {
        var node = JsonNode.Parse(_review)!;
        return Encoding.UTF8.GetByteCount(node.ToJsonString());
    }

    [Benchmark(Description = "ConversionReviewHandler")]
    public int Convert() => _handler.Handle(_review).Length;

    /// <summary>
    /// <c>dotnet run -c Release --project tests/SpoSdk.Benchmarks -- --conversion</c>: the floor and the handler
    /// in one process, interleaved round by round so a machine busy with other work skews both alike. Prints
    /// exactly <c>ratio vs-stj-floor X</c> (the median of the per-round ratios) on stdout; times and allocated
    /// bytes per review go to stderr. Times are the thread's CPU time where the OS reports it, else wall time.
    /// </summary>
    public static void RunQuick()
    {
        var benchmark = new ConversionBenchmarks();
        benchmark.Setup();

        // Tiered JIT settles on both paths before anything is timed.
        for (var i = 0; i < 60; i++)
        {
            benchmark.ParseAndWrite();
            benchmark.Convert();
        }

        const int Rounds = 21, ReviewsPerRound = 20;
        var floor = new double[Rounds];
        var ours = new double[Rounds];
        var ratios = new double[Rounds];
        var wallRatios = new double[Rounds];
        for (var round = 0; round < Rounds; round++)
        {
            // Alternate which runs first, so neither always follows the other's garbage.
            (double Cpu, double Wall) floorTime, oursTime;
            if (round % 2 == 0)
            {
                floorTime = Time(benchmark.ParseAndWrite);
                oursTime = Time(benchmark.Convert);
            }
            else
            {
                oursTime = Time(benchmark.Convert);
                floorTime = Time(benchmark.ParseAndWrite);
            }

            floor[round] = floorTime.Cpu / ReviewsPerRound;
            ours[round] = oursTime.Cpu / ReviewsPerRound;
            ratios[round] = oursTime.Cpu / floorTime.Cpu;
            wallRatios[round] = oursTime.Wall / floorTime.Wall;
        }

        var ci = CultureInfo.InvariantCulture;
        Console.Error.WriteLine(string.Format(ci, "review: {0:N0} objects, {1:N0} bytes", Objects, benchmark._review.Length));
        Console.Error.WriteLine(string.Format(ci, "floor   {0,8:F3} ms/review (median), {1,10:N0} B allocated/review", Median(floor), Allocated(benchmark.ParseAndWrite)));
        Console.Error.WriteLine(string.Format(ci, "handler {0,8:F3} ms/review (median), {1,10:N0} B allocated/review", Median(ours), Allocated(benchmark.Convert)));
        Console.Error.WriteLine(string.Format(ci, "per-round CPU ratios min {0:F2} max {1:F2}; wall-time ratio median {2:F2}", ratios.Min(), ratios.Max(), Median(wallRatios)));
        Console.WriteLine(string.Format(ci, "ratio vs-stj-floor {0:F2}", Median(ratios)));

        static (double Cpu, double Wall) Time(Func<int> work)
        {
            var wall = Stopwatch.StartNew();
            var cpu = ThreadCpuClock.Measure(() =>
            {
                long sum = 0;
                for (var i = 0; i < ReviewsPerRound; i++)
                {
                    sum += work();
                }

                return sum;
            });
            return (cpu, wall.Elapsed.TotalMilliseconds);
        }

        static long Allocated(Func<int> work)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            GC.KeepAlive(work());
            return GC.GetAllocatedBytesForCurrentThread() - before;
        }

        static double Median(double[] values)
        {
            var sorted = values.Order().ToArray();
            return sorted[sorted.Length / 2];
        }
    }
}

/// <summary>Builds the review: legacy objects of every kind, in turn, each needing conversion to v1.</summary>
internal static class ConversionReviewCorpus
{
    public const string DesiredApiVersion = "security-profiles-operator.x-k8s.io/v1";

    public static string Build(int count)
    {
        var samples = new[]
        {
            """{"apiVersion":"security-profiles-operator.x-k8s.io/v1alpha1","kind":"ProfileRecording","metadata":{"name":"rec","namespace":"ns","labels":{"app":"web"}},"spec":{"kind":"SeccompProfile","recorder":"logs","mergeStrategy":"containers","podSelector":{"matchLabels":{"app":"web"}},"containers":["nginx","sidecar"]},"status":{"activeWorkloads":["web-1","web-2"]}}""",
            """{"apiVersion":"security-profiles-operator.x-k8s.io/v1alpha1","kind":"SecurityProfilesOperatorDaemon","metadata":{"name":"spod","namespace":"spo"},"spec":{"enableAppArmor":true,"enricher":{"enableLogEnricher":true,"logEnricherSource":"auditd"},"selinux":{"enable":false,"options":{"allowedSystemProfiles":["container"]}},"scheduling":{"tolerations":[{"key":"node-role.kubernetes.io/control-plane","operator":"Exists","effect":"NoSchedule"}]}},"status":{"state":"RUNNING","conditions":[{"type":"Ready","status":"True","lastTransitionTime":"2026-01-01T00:00:00Z","reason":"Available","message":""}]}}""",
            """{"apiVersion":"security-profiles-operator.x-k8s.io/v1beta1","kind":"SeccompProfile","metadata":{"name":"nginx"},"spec":{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86_64"],"syscalls":[{"action":"SCMP_ACT_ALLOW","names":["accept4","bind","brk","close","epoll_ctl","epoll_wait","exit_group","fstat","listen","mmap","openat","read","rt_sigaction","sendfile","socket","write"]}]},"status":{"status":"Installed","localhostProfile":"operator/nginx.json"}}""",
            """{"apiVersion":"security-profiles-operator.x-k8s.io/v1alpha2","kind":"SelinuxProfile","metadata":{"name":"logs"},"spec":{"inherit":[{"kind":"System","name":"container"}],"allow":{"var_log_t":{"dir":["open","read","getattr"],"file":["getattr","read","open"]}}}}""",
            """{"apiVersion":"security-profiles-operator.x-k8s.io/v1alpha1","kind":"AppArmorProfile","metadata":{"name":"aa"},"spec":{"mode":"Complain","abstract":{"filesystem":{"readOnlyPaths":["/etc/**"],"readWritePaths":["/var/cache/**"]},"network":{"allowedProtocols":{"allowTcp":true}}}}}""",
            """{"apiVersion":"security-profiles-operator.x-k8s.io/v1alpha1","kind":"ProfileBinding","metadata":{"name":"b","namespace":"ns"},"spec":{"profileRef":{"kind":"SeccompProfile","name":"nginx"},"image":"nginx:1.27"}}""",
            """{"apiVersion":"security-profiles-operator.x-k8s.io/v1alpha1","kind":"SecurityProfileNodeStatus","metadata":{"name":"nginx-node1"},"spec":{"nodeName":"node1"},"status":{"status":"Installed"}}""",
            """{"apiVersion":"security-profiles-operator.x-k8s.io/v1alpha2","kind":"RawSelinuxProfile","metadata":{"name":"raw"},"spec":{"policy":"(allow process var_log_t (file (read open)))"}}""",
        };
        var objects = string.Join(",", Enumerable.Range(0, count).Select(i => samples[i % samples.Length]));
        return "{\"apiVersion\":\"apiextensions.k8s.io/v1\",\"kind\":\"ConversionReview\",\"request\":{\"uid\":\"bench\",\"desiredAPIVersion\":\"" + DesiredApiVersion + "\",\"objects\":[" + objects + "]}}";
    }
}
