using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using SpoSdk.Api.Naming;
using SpoSdk.Api.V1;
using SpoSdk.Audit.Metrics;
using SpoSdk.Node;
using SpoSdk.Node.Files;
using SpoSdk.Profiles.NodeStatus;
using SpoSdk.Runtime.Backends;
using SpoSdk.Runtime.Events;
using SpoSdk.Runtime.Informers;

namespace SpoSdk.Profiles.Selinux;

/// <summary>
/// What SelinuxProfile and RawSelinuxProfile share on the node (runtime.md §2.2, §2.5): the policy
/// module is named after the object, its CIL goes to <c>/etc/selinux.d/&lt;name&gt;.cil</c> (mode
/// 0600, where selinuxd takes it) and the node's <see cref="ISelinuxPolicyInstaller"/> installs it.
/// Both kinds write the same file for one name; <see cref="NodeFileClaims"/> keeps the second off it.
/// </summary>
/// <typeparam name="TProfile">SelinuxProfile or RawSelinuxProfile.</typeparam>
public abstract class SelinuxPolicyNodeReconciler<TProfile> : NodeFileProfileReconciler<TProfile>
    where TProfile : class, IKubernetesObject<V1ObjectMeta>
{
    /// <summary>Creates the reconciler; see <see cref="NodeFileProfileReconciler{TProfile}"/> for the common parameters.</summary>
    protected SelinuxPolicyNodeReconciler(
        IClusterBackend backend,
        Informer<TProfile> profiles,
        Informer<SecurityProfilesOperatorDaemon>? spod,
        Informer<SecurityProfileNodeStatus>? statuses,
        INodeFileSystem files,
        NodeOptions node,
        NodeFileClaims claims,
        ISelinuxPolicyInstaller installer,
        IEventRecorder events,
        ILogger? logger,
        SpodMetrics? metrics = null)
        : base(backend, profiles, spod, statuses, files, node, claims, installer, events, logger, metrics is null ? null : NodeProfileMetrics.Selinux(metrics))
    {
    }

    /// <inheritdoc />
    protected override string CannotSaveReason => "CannotSaveSelinuxPolicy";

    /// <inheritdoc />
    protected override string SavedReason => "SavedSelinuxPolicy";

    /// <inheritdoc />
    protected override UnixFileMode FileMode => UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <inheritdoc />
    protected override string HostPath(TProfile profile) => NodePaths.SelinuxPolicy(profile.Metadata.Name);
}
