namespace SpoSdk.Audit;

/// <summary>
/// What the pipeline knows about where an event came from: the node and, once the container resolver has
/// found it, the pod and container. Every part may be missing (the offline <c>spoc audit</c> has none).
/// </summary>
public sealed record AuditEnrichment
{
    /// <summary>The node name (upstream's <c>NODE_NAME</c>).</summary>
    public string? NodeName { get; init; }

    /// <summary>The pod's namespace.</summary>
    public string? Namespace { get; init; }

    /// <summary>The pod name.</summary>
    public string? PodName { get; init; }

    /// <summary>The container name.</summary>
    public string? ContainerName { get; init; }

    /// <summary>The 64-hex container id.</summary>
    public string? ContainerId { get; init; }

    /// <summary>The recording token from the pod's <c>io.containers.trace-logs/&lt;ctr&gt;</c> or <c>io.containers.trace-avcs/&lt;ctr&gt;</c> annotation; printed as SELinux <c>profile</c>.</summary>
    public string? RecordProfile { get; init; }
}
