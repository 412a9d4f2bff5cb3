using Microsoft.Extensions.Logging;
using SpoSdk.Api.V1;
using SpoSdk.Api.Validation;
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
/// The node side of a RawSelinuxProfile (runtime.md §2.4): the policy checked with
/// <see cref="RawSelinuxPolicyValidator"/>'s v1 rules whatever version the object was written in
/// (v1alpha2 objects reach the node converted to v1, and upstream's daemon checks them with the v1
/// rules too), wrapped as upstream in <c>(block &lt;name&gt;_ …)</c> by
/// <see cref="RawSelinuxProfileCilTranslator"/>, and installed as
/// <see cref="SelinuxPolicyNodeReconciler{TProfile}"/> says; gated by <see cref="SelinuxGate.ForRawProfiles"/>.
/// </summary>
public sealed class RawSelinuxProfileNodeReconciler : SelinuxPolicyNodeReconciler<RawSelinuxProfile>
{
    /// <summary>Creates the reconciler.</summary>
    public RawSelinuxProfileNodeReconciler(
        IClusterBackend backend,
        Informer<RawSelinuxProfile> profiles,
        Informer<SecurityProfilesOperatorDaemon>? spod,
        Informer<SecurityProfileNodeStatus>? statuses,
        INodeFileSystem files,
        NodeOptions node,
        NodeFileClaims claims,
        ISelinuxPolicyInstaller installer,
        IEventRecorder events,
        ILogger<RawSelinuxProfileNodeReconciler>? logger = null,
        SpodMetrics? metrics = null)
        : base(backend, profiles, spod, statuses, files, node, claims, installer, events, logger, metrics)
    {
    }

    /// <inheritdoc />
    protected override ProfileRefusal? Refusal(RawSelinuxProfile profile, SecurityProfilesOperatorDaemon? spod) => SelinuxGate.ForRawProfiles(spod, Node);

    /// <inheritdoc />
    protected override bool IsDisabled(RawSelinuxProfile profile) => profile.Spec?.State == RawSelinuxProfileSpecState.Disabled;

    /// <inheritdoc />
    protected override TranslationResult Translate(RawSelinuxProfile profile, SecurityProfilesOperatorDaemon? spod) =>
        RawSelinuxProfileCilTranslator.Translate(profile);
}
