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
        var condition = status.Conditions?.FirstOrDefault(c => c.Type == "Ready");
        if (aggregated.Matches(status.Status?.Value, condition?.Status.Value, condition?.Reason) && status.Usage == usage)
        {
            return false;
        }

        status.Status = SelinuxProfileState.FromValue(aggregated.State);
        status.Usage = usage;
        status.Conditions = (status.Conditions ?? []).Where(c => c.Type != "Ready").Append(new SelinuxProfileCondition
        {
            Type = "Ready",
            Status = SelinuxProfileConditionStatus.FromValue(aggregated.Ready),
            Reason = aggregated.Reason,
            Message = string.Empty,
            LastTransitionTime = aggregated.TransitionTime(condition?.Status.Value, condition?.LastTransitionTime),
            ObservedGeneration = profile.Metadata.Generation,
        }).ToList();
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
        var condition = status.Conditions?.FirstOrDefault(c => c.Type == "Ready");
        if (aggregated.Matches(status.Status?.Value, condition?.Status.Value, condition?.Reason) && status.Usage == usage)
        {
            return false;
        }

        status.Status = RawSelinuxProfileState.FromValue(aggregated.State);
        status.Usage = usage;
        status.Conditions = (status.Conditions ?? []).Where(c => c.Type != "Ready").Append(new RawSelinuxProfileCondition
        {
            Type = "Ready",
            Status = RawSelinuxProfileConditionStatus.FromValue(aggregated.Ready),
            Reason = aggregated.Reason,
            Message = string.Empty,
            LastTransitionTime = aggregated.TransitionTime(condition?.Status.Value, condition?.LastTransitionTime),
            ObservedGeneration = profile.Metadata.Generation,
        }).ToList();
        return true;
    }
}
