using System.Text;
using BenchmarkDotNet.Attributes;
using SpoSdk.Audit.Parsing;

namespace SpoSdk.Benchmarks.Audit;

/// <summary>
/// The 1,000,000-line corpus (80% noise, 20% seccomp/SELinux/AppArmor) through our parser, the upstream regex
/// port, and the newline-scan floor; with <see cref="OtherAuditRecords"/>, a tenth of the noise is audit records of
/// other types. Allocations per operation cover the whole corpus.
/// <c>dotnet run -c Release --project tests/SpoSdk.Benchmarks -- --filter '*AuditParser*' --job short</c>.
/// </summary>
[MemoryDiagnoser]
public class AuditParserBenchmarks
{
    private AuditCorpus _corpus = null!;
    private string[] _lines = null!;
    private AuditLineParser _parser = null!;

    /// <summary>Whether a tenth of the noise is audit records of other types (the stricter corpus).</summary>
    [Params(false, true)]
    public bool OtherAuditRecords { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _corpus = AuditCorpus.Generate(otherAuditRecords: OtherAuditRecords);
        _lines = _corpus.DecodeLines();
        _parser = new AuditLineParser();
    }

    [Benchmark(Baseline = true)]
    public long NewlineScan() => AuditWorkloads.NewlineScan(_corpus.Bytes);

    [Benchmark]
    public long SpanParser() => AuditWorkloads.SpanParser(_parser, _corpus.Bytes);

    [Benchmark]
    public long SpanParserPerLine() => AuditWorkloads.SpanParserPerLine(_parser, _corpus.Bytes);

    [Benchmark]
    public long RegexPort() => AuditWorkloads.RegexPort(_lines);

    [Benchmark]
    public long RegexPortOnce() => AuditWorkloads.RegexPortOnce(_lines);
}

/// <summary>One line of each kind, parsed alone: the per-event cost and its single allocation.</summary>
[MemoryDiagnoser]
public class AuditLineBenchmarks
{
    private static readonly Dictionary<string, string> Lines = new()
    {
        ["seccomp"] = "type=SECCOMP msg=audit(1744780616.598:836036): auid=4294967295 uid=0 gid=0 ses=4294967295 subj=system_u:system_r:container_t:s0:c83,c152 pid=72503 comm=\"sh\" exe=\"/bin/dash\" sig=0 arch=c000003e syscall=56 compat=0 ip=0x7fe2ff5017be code=0x7ffc0000\u001dAUID=\"unset\" UID=\"root\" GID=\"root\" ARCH=x86_64 SYSCALL=clone",
        ["selinux"] = "type=AVC msg=audit(1666691794.882:1434): avc:  denied  { read write open } for  pid=94509 comm=\"aide\" path=\"/hostroot/etc/kubernetes/aide.log.new\" dev=\"nvme0n1p4\" ino=167774224 scontext=system_u:system_r:selinuxrecording.process:s0:c218,c875 tcontext=system_u:object_r:kubernetes_file_t:s0 tclass=file permissive=1",
        ["apparmor"] = "Apr 16 05:16:44 worker-1 kernel: [  270.853767] audit: type=1400 audit(1668191154.949:64): apparmor=\"DENIED\" operation=\"exec\" profile=\"profile-name\" name=\"/usr/local/bin/sample-app\" pid=4166 comm=\"tini\" requested_mask=\"x\" denied_mask=\"x\" fsuid=65534 ouid=0",
        ["noise"] = "Apr 16 05:16:44 worker-1 kubelet[2211]: I0416 05:16:56.612345    2211 kubelet.go:2430] \"SyncLoop (PLEG): event for pod\" pod=\"default/web-1\"",
    };

    private readonly AuditLineParser _parser = new();
    private byte[] _line = [];

    [Params("seccomp", "selinux", "apparmor", "noise")]
    public string Kind { get; set; } = "seccomp";

    [GlobalSetup]
    public void Setup() => _line = Encoding.UTF8.GetBytes(Lines[Kind]);

    [Benchmark]
    public int Parse() => _parser.Parse(_line, out var auditEvent) == AuditParseResult.Event ? auditEvent.Pid : -1;
}
