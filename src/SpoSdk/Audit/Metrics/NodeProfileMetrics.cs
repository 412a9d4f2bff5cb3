namespace SpoSdk.Audit.Metrics;

/// <summary>Where a node reconciler of a file-backed profile kind (SELinux, raw SELinux, AppArmor) failed.</summary>
public enum NodeProfileFailure
{
    /// <summary>The profile could not be turned into a node file (unsafe name, translation error).</summary>
    Save,

    /// <summary>The SPOD turns the kind off, or the node's kernel lacks the LSM.</summary>
    NotSupported,

    /// <summary>The node file already belongs to another object.</summary>
    FileConflict,

    /// <summary>The kernel side (selinuxd/semodule, apparmor_parser) refused the written file.</summary>
    Install,

    /// <summary>The kernel side could not remove the profile.</summary>
    Remove,

    /// <summary>The node-side service that installs profiles (selinuxd) could not be reached.</summary>
    Unreachable,

    /// <summary>The profile's SecurityProfileNodeStatus for this node could not be written.</summary>
    NodeStatus,
}

/// <summary>
/// One profile kind's view of <see cref="SpodMetrics"/> for its node reconciler: an operation counts on the
/// kind's <c>*_profile_total</c>, a failure on its <c>*_error_total</c> with one of upstream's fixed reasons.
/// </summary>
/// <remarks>
/// The SDK's failure points do not all exist upstream, so each maps to the nearest upstream reason (never a
/// free-form string, so the label stays bounded): SELinux — save, closed gate and install failures →
/// <c>CannotSaveSelinuxPolicy</c>, a file owned by another object → <c>CannotWritePolicyFile</c>, removal →
/// <c>CannotRemoveSelinuxPolicy</c>, selinuxd out of reach → <c>CannotContactSelinuxd</c>, a node status write →
/// <c>CannotUpdatePolicyStatus</c>; AppArmor — closed gate or a kernel without AppArmor → <c>AppArmorNotSupportedOnNode</c>, removal →
/// <c>CannotUnloadAppArmorProfile</c>, a node status write → <c>CannotUpdateNodeStatus</c>, everything else → <c>CannotLoadAppArmorProfile</c>.
/// </remarks>
public abstract class NodeProfileMetrics
{
    private NodeProfileMetrics()
    {
    }

    /// <summary>The counters of SelinuxProfile and RawSelinuxProfile (both are SELinux policies upstream).</summary>
    public static NodeProfileMetrics Selinux(SpodMetrics metrics) => new SelinuxCounters(metrics ?? throw new ArgumentNullException(nameof(metrics)));

    /// <summary>The counters of AppArmorProfile.</summary>
    public static NodeProfileMetrics AppArmor(SpodMetrics metrics) => new AppArmorCounters(metrics ?? throw new ArgumentNullException(nameof(metrics)));

    /// <summary>The profile was installed (<see cref="ProfileOperation.Update"/>) or removed (<see cref="ProfileOperation.Delete"/>) on the node.</summary>
    public abstract void Changed(ProfileOperation operation);

    /// <summary>The reconciler failed on <paramref name="profile"/> at <paramref name="failure"/>.</summary>
    public abstract void Failed(string profile, NodeProfileFailure failure);

    private sealed class SelinuxCounters(SpodMetrics metrics) : NodeProfileMetrics
    {
        public override void Changed(ProfileOperation operation) => metrics.SelinuxProfileChanged(operation);

        // Upstream's SELinux error counter has no profile label.
        public override void Failed(string profile, NodeProfileFailure failure) => metrics.SelinuxProfileFailed(failure switch
        {
            NodeProfileFailure.FileConflict => SelinuxProfileErrorReason.CannotWritePolicyFile,
            NodeProfileFailure.Remove => SelinuxProfileErrorReason.CannotRemoveSelinuxPolicy,
            NodeProfileFailure.Unreachable => SelinuxProfileErrorReason.CannotContactSelinuxd,
            NodeProfileFailure.NodeStatus => SelinuxProfileErrorReason.CannotUpdatePolicyStatus,
            _ => SelinuxProfileErrorReason.CannotSaveSelinuxPolicy,
        });
    }

    private sealed class AppArmorCounters(SpodMetrics metrics) : NodeProfileMetrics
    {
        public override void Changed(ProfileOperation operation) => metrics.AppArmorProfileChanged(operation);

        public override void Failed(string profile, NodeProfileFailure failure) => metrics.AppArmorProfileFailed(profile, failure switch
        {
            NodeProfileFailure.NotSupported => AppArmorProfileErrorReason.AppArmorNotSupportedOnNode,
            NodeProfileFailure.Remove => AppArmorProfileErrorReason.CannotUnloadAppArmorProfile,
            NodeProfileFailure.NodeStatus => AppArmorProfileErrorReason.CannotUpdateNodeStatus,
            _ => AppArmorProfileErrorReason.CannotLoadAppArmorProfile,
        });
    }
}
