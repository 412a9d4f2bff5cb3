using k8s.Models;
using SpoSdk.Api.Conversion;
using SpoSdk.Api.Serialization;
using SpoSdk.Runtime;
using SpoSdk.Runtime.Backends;
using SpoSdk.Runtime.Backends.InMemory;

namespace SpoSdk.Tests.Audit.Enrichment;

/// <summary>Pods on a backend, as the kubelet would report them, and a way to wait for an informer to see them.</summary>
internal static class Pods
{
    public static InMemoryBackend NewBackend() =>
        new(new InMemoryObjectStore(), new ObjectAdmission(SpoConverter.Default, SpoKindRegistry.Default));

    public static V1Pod Pod(string ns, string name, string node, IDictionary<string, string>? labels = null, IDictionary<string, string>? annotations = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, Labels = labels, Annotations = annotations },
        Spec = new V1PodSpec { NodeName = node, Containers = [new V1Container { Name = "app", Image = "nginx" }] },
    };

    /// <summary>Creates the pod, then reports its containers' statuses (name → id, an empty id meaning still being created).</summary>
    public static async Task<V1Pod> RunAsync(IClusterBackend backend, V1Pod pod, params (string Name, string Id)[] containers)
    {
        var created = await backend.Resource<V1Pod>().CreateAsync(pod);
        return await ReportAsync(backend, created, containers);
    }

    public static async Task<V1Pod> ReportAsync(IClusterBackend backend, V1Pod pod, params (string Name, string Id)[] containers)
    {
        var pods = backend.Resource<V1Pod>();
        var current = (await pods.GetAsync(ObjectKey.Of(pod)))!;
        current.Status = new V1PodStatus
        {
            Phase = "Running",
            InitContainerStatuses = containers.Where(c => c.Name.StartsWith("init", StringComparison.Ordinal)).Select(Status).ToList(),
            ContainerStatuses = containers.Where(c => !c.Name.StartsWith("init", StringComparison.Ordinal) && !c.Name.StartsWith("debug", StringComparison.Ordinal)).Select(Status).ToList(),
            EphemeralContainerStatuses = containers.Where(c => c.Name.StartsWith("debug", StringComparison.Ordinal)).Select(Status).ToList(),
        };
        return await pods.UpdateStatusAsync(current);
    }

    public static async Task EventuallyAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting for " + what);
            await Task.Delay(10);
        }
    }

    private static V1ContainerStatus Status((string Name, string Id) container) => new()
    {
        Name = container.Name,
        Image = "nginx",
        ImageID = "sha256:0",
        Ready = container.Id.Length > 0,
        RestartCount = 0,
        ContainerID = container.Id.Length > 0 ? "containerd://" + container.Id : null,
        State = container.Id.Length > 0
            ? new V1ContainerState { Running = new V1ContainerStateRunning() }
            : new V1ContainerState { Waiting = new V1ContainerStateWaiting { Reason = "ContainerCreating" } },
    };
}
