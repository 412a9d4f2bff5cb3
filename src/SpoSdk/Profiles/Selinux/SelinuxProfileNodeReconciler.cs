using Microsoft.Extensions.Logging;
using SpoSdk.Api.V1;
using SpoSdk.Audit.Metrics;
using SpoSdk.Node;
using SpoSdk.Node.Files;
using SpoSdk.Profiles.NodeStatus;
using SpoSdk.Runtime.Backends;
using SpoSdk.Runtime.Events;
using SpoSdk.Runtime.Informers;
using SpoSdk.Translators;
using SpoSdk.Translators.Selinux;

namespace SpoSdk.Profiles.Selinux;

/// <summary>
/// The node side of a SelinuxProfile (runtime.md §2): translated to CIL by
/// <see cref="SelinuxProfileCilTranslator"/> (§2.3: deterministic, <c>@self</c>, inherits, permissive
/// mode, the SPOD's allow and deny lists) and installed as <see cref="SelinuxPolicyNodeReconciler{TProfile}"/>
/// says; gated by <see cref="SelinuxGate.ForProfiles"/>. An inherit of a SelinuxProfile that does not
/// exist yet is retried; every other translation error waits for a change.
/// </summary>
public sealed class SelinuxProfileNodeReconciler : SelinuxPolicyNodeReconciler<SelinuxProfile>
{
    /// <summary>Creates the reconciler.</summary>
    public SelinuxProfileNodeReconciler(
        IClusterBackend backend,
        Informer<SelinuxProfile> profiles,
        Informer<SecurityProfilesOperatorDaemon>? spod,
        Informer<SecurityProfileNodeStatus>? statuses,
        INodeFileSystem files,
        NodeOptions node,
        NodeFileClaims claims,
        ISelinuxPolicyInstaller installer,
        IEventRecorder events,
        ILogger<SelinuxProfileNodeReconciler>? logger = null,
        SpodMetrics? metrics = null)
        : base(backend, profiles, spod, statuses, files, node, claims, installer, events, logger, metrics)
    {
    }

    /// <inheritdoc />
    protected override ProfileRefusal? Refusal(SelinuxProfile profile, SecurityProfilesOperatorDaemon? spod) => SelinuxGate.ForProfiles(spod, Node);

    /// <inheritdoc />
    protected override bool IsDisabled(SelinuxProfile profile) => profile.Spec?.State == SelinuxProfileSpecState.Disabled;

    /// <inheritdoc />
    protected override TranslationResult Translate(SelinuxProfile profile, SecurityProfilesOperatorDaemon? spod) =>
        SelinuxProfileCilTranslator.Translate(profile, SelinuxPolicyOptions.FromSpod(spod), Find);
}
