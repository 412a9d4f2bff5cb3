using k8s.Models;
using SpoSdk.Api.V1;

namespace SpoSdk.Profiles.Spod;

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
    private static readonly SpodToleration[] DaemonSetTolerations =
    [
        new() { Key = "node.kubernetes.io/not-ready", Operator = "Exists", Effect = "NoExecute" },
        new() { Key = "node.kubernetes.io/unreachable", Operator = "Exists", Effect = "NoExecute" },
        new() { Key = "node.kubernetes.io/disk-pressure", Operator = "Exists", Effect = "NoSchedule" },
        new() { Key = "node.kubernetes.io/memory-pressure", Operator = "Exists", Effect = "NoSchedule" },
        new() { Key = "node.kubernetes.io/pid-pressure", Operator = "Exists", Effect = "NoSchedule" },
        new() { Key = "node.kubernetes.io/unschedulable", Operator = "Exists", Effect = "NoSchedule" },
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
    public static bool Tolerates(SpodToleration toleration, V1Taint taint)
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
