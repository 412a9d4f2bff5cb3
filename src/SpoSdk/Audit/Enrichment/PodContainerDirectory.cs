using k8s.Models;
using SpoSdk.Admission.Recording;
using SpoSdk.Api.Naming;
using SpoSdk.Runtime;
using SpoSdk.Runtime.Backends;
using SpoSdk.Runtime.Informers;

namespace SpoSdk.Audit.Enrichment;

/// <summary>Settings of a <see cref="PodContainerDirectory"/>.</summary>
public sealed record PodContainerDirectoryOptions
{
    /// <summary>This node (upstream's <c>NODE_NAME</c>): only its pods are watched (<c>spec.nodeName=&lt;node&gt;</c>).</summary>
    public required string NodeName { get; init; }

    /// <summary>
    /// SPOD <c>spec.enableMemoryOptimization</c>: watch only pods labelled <c>spo.x-k8s.io/enable-recording=true</c>
    /// (upstream #1385), so a node with many pods does not cache them all. Events of other pods stay unresolved.
    /// </summary>
    public bool EnableMemoryOptimization { get; init; }

    /// <summary>How long the containers of a deleted pod (or replaced by a restart) are still known, for late log lines (upstream caches 1 h).</summary>
    public TimeSpan RemovedContainerRetention { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Removed containers remembered at most (upstream's cache holds 1000).</summary>
    public int RemovedContainerCapacity { get; init; } = 1000;

    /// <summary>The pod informer's settings for these options: all namespaces, this node, and the recording label when memory is optimised.</summary>
    public InformerOptions ToInformerOptions()
    {
        ArgumentException.ThrowIfNullOrEmpty(NodeName);
        return new InformerOptions(
            Namespace: null,
            Selector: new ListOptions(
                LabelSelector: EnableMemoryOptimization ? SpoLabels.EnableRecording + "=true" : null,
                FieldSelector: "spec.nodeName=" + NodeName));
    }
}

/// <summary>
/// Container id → pod, namespace, container name and recording token, kept from an <see cref="Informer{T}"/> of this
/// node's pods: every init, regular and ephemeral container status with an id is known as soon as the informer sees it,
/// and <see cref="ContainerAdded"/> tells the enricher so that events waiting for it can go. The recording token is
/// the pod's <c>io.containers.trace-logs/&lt;container&gt;</c> annotation, else <c>io.containers.trace-avcs/&lt;container&gt;</c>.
/// Thread-safe.
/// </summary>
public sealed class PodContainerDirectory : IDisposable
{
    private readonly object _gate = new();
    private readonly Dictionary<string, AuditEnrichment> _live = new(StringComparer.Ordinal);
    private readonly Dictionary<ObjectKey, string[]> _podContainers = new();
    private readonly LruTtlCache<string, AuditEnrichment> _removed;
    private readonly PodContainerDirectoryOptions _options;
    private bool _disposed;

    /// <summary>
    /// Follows <paramref name="pods"/>, an informer created with <see cref="PodContainerDirectoryOptions.ToInformerOptions"/>
    /// (see <see cref="CreatePodInformer"/>); the caller starts and disposes it.
    /// </summary>
    public PodContainerDirectory(Informer<V1Pod> pods, PodContainerDirectoryOptions options, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(pods);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(options.NodeName);
        _options = options;
        _removed = new LruTtlCache<string, AuditEnrichment>(options.RemovedContainerCapacity, options.RemovedContainerRetention, time ?? TimeProvider.System);
        pods.AddHandler(OnPodChanged);
    }

    /// <summary>Raised with a container id the directory did not know before; called on the informer's thread, so keep it short.</summary>
    public event Action<string>? ContainerAdded;

    /// <summary>The node whose pods these are.</summary>
    public string NodeName => _options.NodeName;

    /// <summary>Containers of live pods known now.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _live.Count;
            }
        }
    }

    /// <summary>The informer of this node's pods (not started).</summary>
    public static Informer<V1Pod> CreatePodInformer(IClusterBackend backend, PodContainerDirectoryOptions options, TimeProvider? time = null, Microsoft.Extensions.Logging.ILogger<Informer<V1Pod>>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(options);
        return new Informer<V1Pod>(backend.Resource<V1Pod>(), options.ToInformerOptions(), time, logger);
    }

    /// <summary>
    /// The 64-hex id in a container status's <c>containerID</c> (<c>containerd://&lt;id&gt;</c>, <c>cri-o://&lt;id&gt;</c>): the
    /// first run of 64 lowercase hex digits, as upstream; null when there is none (the container is still being created).
    /// </summary>
    public static string? ParseContainerId(string? statusContainerId)
    {
        if (string.IsNullOrEmpty(statusContainerId))
        {
            return null;
        }

        var run = 0;
        for (var i = 0; i < statusContainerId.Length; i++)
        {
            run = char.IsAsciiHexDigitLower(statusContainerId[i]) ? run + 1 : 0;
            if (run == CgroupContainerId.IdLength)
            {
                return statusContainerId.Substring(i + 1 - run, run);
            }
        }

        return null;
    }

    /// <summary>What is known of the container (its pod may have gone within <see cref="PodContainerDirectoryOptions.RemovedContainerRetention"/>).</summary>
    public bool TryGet(string containerId, out AuditEnrichment enrichment)
    {
        ArgumentNullException.ThrowIfNull(containerId);
        lock (_gate)
        {
            if (_live.TryGetValue(containerId, out enrichment!))
            {
                return true;
            }
        }

        return _removed.TryGet(containerId, out enrichment!);
    }

    /// <summary>Stops raising <see cref="ContainerAdded"/>; the informer is the caller's to dispose.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
        }
    }

    private void OnPodChanged(InformerEvent<V1Pod> change)
    {
        var key = ObjectKey.Of(change.Object);
        var containers = change.Type == InformerEventType.Deleted ? [] : ContainersOf(change.Object);
        var added = new List<string>();
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            var fresh = containers.Select(c => c.ContainerId!).ToHashSet(StringComparer.Ordinal);
            if (_podContainers.Remove(key, out var before))
            {
                foreach (var id in before.Where(id => !fresh.Contains(id)))
                {
                    // Kept a while: the log lines of a finished container are often read after it is gone.
                    if (_live.Remove(id, out var gone))
                    {
                        _removed.Set(id, gone);
                    }
                }
            }

            foreach (var container in containers)
            {
                var id = container.ContainerId!;
                if (_live.TryAdd(id, container))
                {
                    _removed.Remove(id);
                    added.Add(id);
                }
                else
                {
                    // Annotations or names may have changed; the id stays known.
                    _live[id] = container;
                }
            }

            if (containers.Count > 0)
            {
                _podContainers[key] = [.. fresh];
            }
        }

        foreach (var id in added)
        {
            ContainerAdded?.Invoke(id);
        }
    }

    private List<AuditEnrichment> ContainersOf(V1Pod pod)
    {
        var result = new List<AuditEnrichment>();
        var annotations = pod.Metadata?.Annotations;
        var statuses = (pod.Status?.InitContainerStatuses ?? [])
            .Concat(pod.Status?.ContainerStatuses ?? [])
            .Concat(pod.Status?.EphemeralContainerStatuses ?? []);
        foreach (var status in statuses)
        {
            if (ParseContainerId(status?.ContainerID) is not { } id || string.IsNullOrEmpty(status!.Name))
            {
                continue;
            }

            result.Add(new AuditEnrichment
            {
                NodeName = _options.NodeName,
                Namespace = pod.Metadata?.NamespaceProperty ?? string.Empty,
                PodName = pod.Metadata?.Name ?? string.Empty,
                ContainerName = status.Name,
                ContainerId = id,
                RecordProfile = RecordProfileOf(annotations, status.Name),
            });
        }

        return result;
    }

    // Upstream: the seccomp log-recording annotation wins over the SELinux one; neither → empty.
    private static string RecordProfileOf(IDictionary<string, string>? annotations, string container)
    {
        if (annotations is null)
        {
            return string.Empty;
        }

        return annotations.TryGetValue(RecordingAnnotations.SeccompLogsPrefix + container, out var logs) && !string.IsNullOrEmpty(logs)
            ? logs
            : annotations.TryGetValue(RecordingAnnotations.SelinuxLogsPrefix + container, out var avcs) ? avcs : string.Empty;
    }
}
