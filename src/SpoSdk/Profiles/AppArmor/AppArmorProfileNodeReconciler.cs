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
using SpoSdk.Translators;
using SpoSdk.Translators.AppArmor;

namespace SpoSdk.Profiles.AppArmor;

/// <summary>
/// The node side of an AppArmorProfile (runtime.md §3): the abstract translated by
/// <see cref="AppArmorProfileGenerator"/> (crd2armor, §3.2), written to <c>/etc/apparmor.d/&lt;name&gt;</c>
/// (mode 0644) and loaded by the node's <see cref="IAppArmorProfileLoader"/> (§3.3).
/// </summary>
/// <remarks>
/// Gate (embedded semantics): calling <c>AddAppArmor()</c> is the host's opt-in, so with no SPOD
/// object profiles are installed; once a SPOD exists its <c>spec.enableAppArmor</c> rules, and the
/// CRD default there is false, as upstream. Unlike upstream v1.0.0 (§10.5), disabled and partial
/// profiles are not loaded: their file is removed, as for the other kinds.
/// </remarks>
public sealed class AppArmorProfileNodeReconciler : NodeFileProfileReconciler<AppArmorProfile>
{
    /// <summary>Creates the reconciler; see <see cref="NodeFileProfileReconciler{TProfile}"/> for the common parameters.</summary>
    public AppArmorProfileNodeReconciler(
        IClusterBackend backend,
        Informer<AppArmorProfile> profiles,
        Informer<SecurityProfilesOperatorDaemon>? spod,
        Informer<SecurityProfileNodeStatus>? statuses,
        INodeFileSystem files,
        NodeOptions node,
        NodeFileClaims claims,
        IAppArmorProfileLoader loader,
        IEventRecorder events,
        ILogger<AppArmorProfileNodeReconciler>? logger = null,
        SpodMetrics? metrics = null)
        : base(backend, profiles, spod, statuses, files, node, claims, loader, events, logger, metrics is null ? null : NodeProfileMetrics.AppArmor(metrics))
    {
    }

    /// <inheritdoc />
    protected override string CannotSaveReason => "CannotSaveAppArmorProfile";

    /// <inheritdoc />
    protected override string SavedReason => "LoadedAppArmorProfile";

    /// <inheritdoc />
    protected override UnixFileMode FileMode => UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    /// <inheritdoc />
    protected override bool UninstallBeforeFileRemoval => true;

    /// <inheritdoc />
    protected override string HostPath(AppArmorProfile profile) => NodePaths.AppArmorProfile(profile.Metadata.Name);

    /// <inheritdoc />
    protected override ProfileRefusal? Refusal(AppArmorProfile profile, SecurityProfilesOperatorDaemon? spod) =>
        spod is not null && spod.Spec?.EnableAppArmor != true
            ? new ProfileRefusal("AppArmorDisabled", "AppArmor support is off: SecurityProfilesOperatorDaemon " + Node.OperatorNamespace + "/" + Node.SpodName + " does not set spec.enableAppArmor=true")
            : null;

    /// <inheritdoc />
    protected override bool IsDisabled(AppArmorProfile profile) => profile.Spec?.State == AppArmorProfileSpecState.Disabled;

    /// <inheritdoc />
    protected override TranslationResult Translate(AppArmorProfile profile, SecurityProfilesOperatorDaemon? spod) => AppArmorProfileGenerator.Generate(profile);

    /// <inheritdoc />
    /// <remarks>
    /// Upstream refuses a new profile whose name the kernel already has (runtime.md §3.3 step 1), so a host
    /// profile is never replaced. The kernel's list is read under the node root: under any root but
    /// <c>/</c> there is none, and nothing is refused. Upstream checks at generation 1; the claim check
    /// here (only a profile that does not own its file yet) also lets a resync of our own profile pass.
    /// Beyond upstream, a file already at the profile's path that no operator generated is refused too: host files
    /// are named after the binary (<c>usr.sbin.cupsd</c>) but define its path, so the kernel's list does not show
    /// them by that name. A file an operator generated at the path is taken over, even while the kernel has its
    /// profile loaded (a migration from upstream, or a restart before the first status write).
    /// </remarks>
    protected override string? ForeignOccupant(AppArmorProfile profile)
    {
        // A file an operator generated (its marker comment near the top) is not the host's: one written before a
        // restart whose claim was not recorded, or by upstream's operator. Its profile is in the kernel's list too
        // once it was loaded, so the file is looked at first: otherwise such a profile could never be taken over.
        var path = HostPath(profile);
        var existing = Files.ReadAllBytes(path);
        if (existing is not null && IsGenerated(existing))
        {
            return null;
        }

        var prefix = profile.Metadata.Name + " (";
        var loaded = Files.ReadAllBytes(AppArmorKernel.LoadedProfiles);
        foreach (var line in loaded is null ? [] : System.Text.Encoding.UTF8.GetString(loaded).Split('\n'))
        {
            if (line.StartsWith(prefix, StringComparison.Ordinal))
            {
                return "profile exists: the kernel of node " + Node.NodeName + " already has an AppArmor profile named " + profile.Metadata.Name + " that this operator did not install; a host profile is never replaced";
            }
        }

        // A host file at the path, whatever profile it defines (host files are named after the binary, usr.sbin.cupsd,
        // but define /usr/sbin/cupsd): writing would replace it, and deleting the SPO object would remove it.
        return existing is not null
            ? "file exists: " + path + " on node " + Node.NodeName + " was not written by a security profiles operator; a host profile is never replaced"
            : null;
    }

    private static readonly byte[] GeneratedMarker = System.Text.Encoding.UTF8.GetBytes(AppArmorProfileGenerator.GeneratedMarker);

    private static bool IsGenerated(byte[] file) => file.AsSpan(0, Math.Min(file.Length, 512)).IndexOf(GeneratedMarker) >= 0;

    /// <summary>Writes the aggregated state into an AppArmorProfile's status: state and the Ready condition.</summary>
    public static bool ApplyStatus(AppArmorProfile profile, AggregatedProfileStatus aggregated)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(aggregated);
        var status = profile.Status ??= new AppArmorProfileStatus();
        var generation = profile.Metadata.Generation;
        if (aggregated.ReplaceReady(status.Status?.Value, status.Conditions, ownFieldsHold: true, c => (c.Type, c.Status.Value, c.Reason, c.LastTransitionTime), (ready, reason, since) => new AppArmorProfileCondition
        {
            Type = "Ready",
            Status = AppArmorProfileConditionStatus.FromValue(ready),
            Reason = reason,
            Message = string.Empty,
            LastTransitionTime = since,
            ObservedGeneration = generation,
        }) is not { } conditions)
        {
            return false;
        }

        (status.Status, status.Conditions) = (AppArmorProfileState.FromValue(aggregated.State), conditions);
        return true;
    }
}
