using System.Text;
using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using SpoSdk.Api.Conversion;
using SpoSdk.Conversion;

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
    }

    [Benchmark(Baseline = true, Description = "System.Text.Json parse + write (floor)")]
    public int ParseAndWrite()
    {
        var node = JsonNode.Parse(_review)!;
        return Encoding.UTF8.GetByteCount(node.ToJsonString());
    }

    [Benchmark(Description = "ConversionReviewHandler")]
    public int Convert() => _handler.Handle(_review).Length;
}

/// <summary>Builds the review: legacy objects of every kind, in turn, each needing conversion to v1.</summary>
internal static class ConversionReviewCorpus
{
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
        return """{"apiVersion":"apiextensions.k8s.io/v1","kind":"ConversionReview","request":{"uid":"bench","desiredAPIVersion":"security-profiles-operator.x-k8s.io/v1","objects":[""" + objects + "]}}";
    }
}
