using System.Text;
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
using SpoSdk.Translators.Selinux;

namespace SpoSdk.Profiles.Selinux;

/// <summary>
/// What SelinuxProfile and RawSelinuxProfile share on the node (runtime.md §2.2, §2.5): the policy
/// module is named after the object, its CIL goes to <c>/etc/selinux.d/&lt;name&gt;.cil</c> (mode
/// 0600, where selinuxd takes it) and the node's <see cref="ISelinuxPolicyInstaller"/> installs it.
/// Both kinds write the same file for one name; <see cref="NodeFileClaims"/> keeps the second off it.
/// A <c>.cil</c> already in that directory that no SPO object wrote (an administrator's module) is never
/// replaced, and the name <c>selinuxrecording</c> is reserved for the recording policy the daemon installs.
/// </summary>
/// <typeparam name="TProfile">SelinuxProfile or RawSelinuxProfile.</typeparam>
public abstract class SelinuxPolicyNodeReconciler<TProfile> : NodeFileProfileReconciler<TProfile>
    where TProfile : class, IKubernetesObject<V1ObjectMeta>
{
    /// <summary>
    /// The policy the daemon's init container installs for SELinux profile recording (runtime.md §2): block
    /// <c>selinuxrecording</c>, whose <c>selinuxrecording.process</c> the recording webhook puts on pods.
    /// </summary>
    public const string RecordingPolicyName = "selinuxrecording";

    private static readonly string RecordingPolicyPath = NodePaths.SelinuxPolicy(RecordingPolicyName);

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
    /// <remarks>The recording policy's file is refused: no profile of either kind may replace it, or remove it when deleted.</remarks>
    protected override string HostPath(TProfile profile)
    {
        var path = NodePaths.SelinuxPolicy(profile.Metadata.Name);
        return path == RecordingPolicyPath
            ? throw new UnsafeNodePathException(RecordingPolicyName + " is reserved for the SELinux recording policy the operator installs on every node (" + RecordingPolicyName + ".cil)")
            : path;
    }

    /// <inheritdoc />
    /// <remarks>
    /// Like AppArmor's host files: a <c>.cil</c> at the profile's path that does not begin as an operator writes a
    /// policy of this name (either kind's form; one written before a restart that lost its claim, or by upstream's
    /// operator, is taken over, and one of the other kind's objects is refused by its claim) is the node's: selinuxd
    /// installs every file of its directory, writing would replace that module, and deleting the SPO object would
    /// remove it.
    /// </remarks>
    protected override string? ForeignOccupant(TProfile profile)
    {
        var name = profile.Metadata.Name;
        var path = HostPath(profile);
        var existing = Files.ReadAllBytes(path);
        return existing is null
            || existing.AsSpan().StartsWith(Encoding.UTF8.GetBytes("(block " + name + "\n(blockinherit "))
            || existing.AsSpan().StartsWith(Encoding.UTF8.GetBytes("(block " + RawSelinuxProfileCilTranslator.BlockName(name) + "\n    "))
            ? null
            : "file exists: " + path + " on node " + Node.NodeName + " holds a policy no security profiles operator wrote; a node policy is never replaced";
    }
}
