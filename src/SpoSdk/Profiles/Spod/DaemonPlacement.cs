using k8s.Models;
using SpoSdk.Api.V1;

namespace SpoSdk.Profiles.Spod;

/// <summary>One toleration of the daemon pods (Kubernetes core/v1 Toleration without <c>tolerationSeconds</c>), immutable.</summary>
/// <param name="Key">The taint key; empty with <c>Exists</c> matches every key.</param>
/// <param name="Operator"><c>Exists</c> or <c>Equal</c> (the default).</param>
/// <param name="Value">The taint value for <c>Equal</c>.</param>
/// <param name="Effect">The taint effect; empty matches every effect.</param>
public sealed record DaemonToleration(string? Key, string? Operator, string? Value, string? Effect)
{
    /// <summary>The toleration of a SPOD's <c>spec.scheduling.tolerations</c> entry.</summary>
    public static DaemonToleration From(SpodToleration toleration)
    {
        ArgumentNullException.ThrowIfNull(toleration);
        return new(toleration.Key, toleration.Operator, toleration.Value, toleration.Effect);
    }
}

/// <summary>
/// Which nodes the spod DaemonSet would place a daemon pod on, kept simple: a node runs the daemon
/// unless it is labelled <c>kubernetes.io/os</c> with another OS than <c>linux</c>, or has a
/// <c>NoSchedule</c>/<c>NoExecute</c> taint that neither the SPOD's tolerations
/// (<c>spec.scheduling.tolerations</c>) nor the tolerations every DaemonSet pod gets from the
/// DaemonSet controller tolerate. Node affinity (<c>spec.scheduling.affinity</c>) and
/// <c>PreferNoSchedule</c> taints are not evaluated; a cordoned node still runs daemons, as with
/// DaemonSets.
/// </summary>
public static class DaemonPlacement
{
    // Added to every DaemonSet pod by the DaemonSet controller (kubernetes pkg/controller/daemon/util).
    private static readonly DaemonToleration[] DaemonSetTolerations =
    [
        new("node.kubernetes.io/not-ready", "Exists", null, "NoExecute"),
        new("node.kubernetes.io/unreachable", "Exists", null, "NoExecute"),
        new("node.kubernetes.io/disk-pressure", "Exists", null, "NoSchedule"),
        new("node.kubernetes.io/memory-pressure", "Exists", null, "NoSchedule"),
        new("node.kubernetes.io/pid-pressure", "Exists", null, "NoSchedule"),
        new("node.kubernetes.io/unschedulable", "Exists", null, "NoSchedule"),
    ];

    /// <summary>Whether the daemon would run on <paramref name="node"/> with <paramref name="settings"/>.</summary>
    public static bool RunsOn(V1Node node, SpodSettings settings)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(settings);
        if (node.Metadata?.Labels is { } labels && labels.TryGetValue("kubernetes.io/os", out var os) && os != "linux")
        {
            return false;
        }

        return (node.Spec?.Taints ?? [])
            .Where(t => t.Effect is "NoSchedule" or "NoExecute")
            .All(t => settings.Tolerations.Any(tol => Tolerates(tol, t)) || DaemonSetTolerations.Any(tol => Tolerates(tol, t)));
    }

    /// <summary>Kubernetes' toleration match: an empty key with <c>Exists</c> matches every taint; an empty effect matches every effect.</summary>
    public static bool Tolerates(DaemonToleration toleration, V1Taint taint)
    {
        ArgumentNullException.ThrowIfNull(toleration);
        ArgumentNullException.ThrowIfNull(taint);
        if (!string.IsNullOrEmpty(toleration.Effect) && toleration.Effect != taint.Effect)
        {
            return false;
        }

        if (!string.IsNullOrEmpty(toleration.Key) && toleration.Key != taint.Key)
        {
            return false;
        }

        return toleration.Operator switch
        {
            "Exists" => true,
            null or "" or "Equal" => !string.IsNullOrEmpty(toleration.Key) && (toleration.Value ?? string.Empty) == (taint.Value ?? string.Empty),
            _ => false,
        };
    }
}
