using SpoSdk.Api.V1;
using SpoSdk.Profiles.NodeStatus;
using SpoSdk.Translators.Selinux;

namespace SpoSdk.Profiles.Selinux;

/// <summary>
/// How the aggregated state is written into SelinuxProfile and RawSelinuxProfile statuses
/// (runtime.md §1.7 step 8): state, the Ready condition and <c>usage</c>, the type pods put in
/// <c>seLinuxOptions.type</c>, set once the policy is installed.
/// </summary>
public static class SelinuxStatusAppliers
{
    /// <summary>For SelinuxProfiles; usage <c>&lt;name&gt;.process</c>.</summary>
    public static bool Apply(SelinuxProfile profile, AggregatedProfileStatus aggregated)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(aggregated);
        var status = profile.Status ??= new SelinuxProfileStatus();
        var usage = aggregated.State == "Installed" ? SelinuxProfileCilTranslator.UsageFor(profile.Metadata.Name) : status.Usage;
        var generation = profile.Metadata.Generation;
        if (aggregated.ReplaceReady(status.Status?.Value, status.Conditions, status.Usage == usage, c => (c.Type, c.Status.Value, c.Reason, c.LastTransitionTime), (ready, reason, since) => new SelinuxProfileCondition
        {
            Type = "Ready",
            Status = SelinuxProfileConditionStatus.FromValue(ready),
            Reason = reason,
            Message = string.Empty,
            LastTransitionTime = since,
            ObservedGeneration = generation,
        }) is not { } conditions)
        {
            return false;
        }

        (status.Status, status.Usage, status.Conditions) = (SelinuxProfileState.FromValue(aggregated.State), usage, conditions);
        return true;
    }

    /// <summary>
    /// For RawSelinuxProfiles; usage <c>&lt;name&gt;_.process</c>, the type the wrapping block really
    /// declares (upstream writes <c>&lt;name&gt;.process</c>, which does not exist for raw policies).
    /// </summary>
    public static bool Apply(RawSelinuxProfile profile, AggregatedProfileStatus aggregated)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(aggregated);
        var status = profile.Status ??= new RawSelinuxProfileStatus();
        var usage = aggregated.State == "Installed" ? RawSelinuxProfileCilTranslator.ProcessType(profile.Metadata.Name) : status.Usage;
        var generation = profile.Metadata.Generation;
        if (aggregated.ReplaceReady(status.Status?.Value, status.Conditions, status.Usage == usage, c => (c.Type, c.Status.Value, c.Reason, c.LastTransitionTime), (ready, reason, since) => new RawSelinuxProfileCondition
        {
            Type = "Ready",
            Status = RawSelinuxProfileConditionStatus.FromValue(ready),
            Reason = reason,
            Message = string.Empty,
            LastTransitionTime = since,
            ObservedGeneration = generation,
        }) is not { } conditions)
        {
            return false;
        }

        (status.Status, status.Usage, status.Conditions) = (RawSelinuxProfileState.FromValue(aggregated.State), usage, conditions);
        return true;
    }
}
