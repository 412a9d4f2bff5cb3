using System.Globalization;
using k8s.Models;
using Microsoft.Extensions.Time.Testing;
using SpoSdk.Audit;
using SpoSdk.Audit.Enrichment;
using SpoSdk.Audit.Parsing;
using SpoSdk.Runtime;
using SpoSdk.Runtime.Backends.InMemory;
using SpoSdk.Runtime.Informers;

namespace SpoSdk.Tests.Audit.Enrichment;

/// <summary>
/// What the enricher tests share: a fake <c>/proc</c>, a fake clock, an in-memory cluster, and a started informer of
/// node <see cref="Node"/>'s pods with the directory over it.
/// </summary>
public abstract class EnrichmentHarness : IAsyncLifetime
{
    protected const string Node = "worker-1";

    protected static readonly string IdWeb = new('a', 64);

    private readonly Informer<V1Pod> _informer;

    protected EnrichmentHarness()
    {
        var options = new PodContainerDirectoryOptions { NodeName = Node };
        _informer = PodContainerDirectory.CreatePodInformer(Backend, options);
        Directory = new PodContainerDirectory(_informer, options, Time);
    }

    internal FakeProc Proc { get; } = new();

    protected FakeTimeProvider Time { get; } = new(new DateTimeOffset(2025, 4, 16, 5, 16, 56, TimeSpan.Zero));

    protected InMemoryBackend Backend { get; } = Pods.NewBackend();

    protected PodContainerDirectory Directory { get; }

    public async Task InitializeAsync()
    {
        _informer.Start();
        await _informer.WaitForSyncAsync();
    }

    public async Task DisposeAsync()
    {
        Directory.Dispose();
        await _informer.DisposeAsync();
        Proc.Dispose();
    }

    /// <summary>A seccomp record of <paramref name="pid"/> (the §5.6 sample with its serial and syscall changed).</summary>
    public static AuditEvent Seccomp(int pid, int serial, int syscall = 56) => Parse(
        "type=SECCOMP msg=audit(1744780616.598:" + serial.ToString(CultureInfo.InvariantCulture) + "): auid=4294967295 uid=0 gid=0 ses=4294967295 subj=system_u:system_r:container_t:s0:c83,c152 pid="
        + pid.ToString(CultureInfo.InvariantCulture) + " comm=\"sh\" exe=\"/bin/dash\" sig=0 arch=c000003e syscall=" + syscall.ToString(CultureInfo.InvariantCulture) + " compat=0 ip=0x7fe2ff5017be code=0x7ffc0000");

    /// <summary>An AVC record of <paramref name="pid"/>.</summary>
    public static AuditEvent Avc(int pid, int serial) => Parse(
        "type=AVC msg=audit(1666691794.882:" + serial.ToString(CultureInfo.InvariantCulture) + "): avc:  denied  { read write open } for  pid=" + pid.ToString(CultureInfo.InvariantCulture)
        + " comm=\"aide\" path=\"/x\" dev=\"nvme0n1p4\" ino=1 scontext=system_u:system_r:selinuxrecording.process:s0:c218,c875 tcontext=system_u:object_r:kubernetes_file_t:s0 tclass=file permissive=1");

    public static AuditEvent Parse(string line)
    {
        Assert.True(new AuditLineParser().TryParse(line, out var auditEvent), line);
        return auditEvent;
    }

    /// <summary>Runs a pod on this node with one container <c>app</c> (an empty id: still being created), once the informer has it.</summary>
    protected async Task<V1Pod> RunPodAsync(string name, string containerId)
    {
        var pod = await Pods.RunAsync(Backend, Pods.Pod("default", name, Node), ("app", containerId));
        await Pods.EventuallyAsync(() => _informer.Get(ObjectKey.Of(pod))?.Metadata.ResourceVersion == pod.Metadata.ResourceVersion, "the pod");
        return pod;
    }

    /// <summary>Reports the id of the pod's container <c>app</c>, once the directory knows it.</summary>
    protected async Task ReportContainerAsync(V1Pod pod, string containerId)
    {
        await Pods.ReportAsync(Backend, pod, ("app", containerId));
        await Pods.EventuallyAsync(() => Directory.TryGet(containerId, out _), "the container");
    }
}
