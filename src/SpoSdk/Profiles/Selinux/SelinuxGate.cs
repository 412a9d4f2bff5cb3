using SpoSdk.Api.V1;
using SpoSdk.Node;
using SpoSdk.Profiles.NodeStatus;

namespace SpoSdk.Profiles.Selinux;

/// <summary>
/// Whether the operator's SPOD lets this node install SELinux policies. Embedded semantics:
/// calling <c>AddSelinux()</c> is the host's opt-in, standing where upstream's "on for OpenShift"
/// platform default stands, so SelinuxProfiles are installed unless the SPOD says
/// <c>spec.selinux.enable: false</c> (no SPOD object at all also means on). RawSelinuxProfiles carry
/// arbitrary CIL, so they need an explicit <c>spec.selinux.enableRawSelinuxProfiles: true</c> on
/// the SPOD (upstream treats unset as true); without it they are refused with a status error.
/// </summary>
public static class SelinuxGate
{
    /// <summary>Why SelinuxProfiles are refused, or null when they may be installed.</summary>
    public static ProfileRefusal? ForProfiles(SecurityProfilesOperatorDaemon? spod, NodeOptions node)
    {
        ArgumentNullException.ThrowIfNull(node);
        return spod?.Spec?.Selinux?.Enable == false
            ? new ProfileRefusal("SelinuxDisabled", "SELinux support is off: SecurityProfilesOperatorDaemon " + Spod(node) + " sets spec.selinux.enable=false")
            : null;
    }

    /// <summary>Why RawSelinuxProfiles are refused, or null when they may be installed.</summary>
    public static ProfileRefusal? ForRawProfiles(SecurityProfilesOperatorDaemon? spod, NodeOptions node)
    {
        if (ForProfiles(spod, node) is { } off)
        {
            return off;
        }

        if (spod?.Spec?.Selinux?.EnableRawSelinuxProfiles == true)
        {
            return null;
        }

        var why = spod is null ? "there is no SecurityProfilesOperatorDaemon " + Spod(node) : "SecurityProfilesOperatorDaemon " + Spod(node) + " does not set it";
        return new ProfileRefusal("RawSelinuxProfilesDisabled", "RawSelinuxProfiles are off: they need spec.selinux.enableRawSelinuxProfiles=true on the SPOD, and " + why);
    }

    private static string Spod(NodeOptions node) => node.OperatorNamespace + "/" + node.SpodName;
}
