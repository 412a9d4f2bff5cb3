using SpoSdk.Api.V1;

namespace SpoSdk.Profiles.Defaults;

/// <summary>
/// The profiles the manager keeps in the cluster, as upstream's manager does: today the
/// <c>log-enricher-trace</c> SeccompProfile while the SPOD enables the log enricher, the profile a
/// log-recorded container runs under so that every syscall it makes is logged.
/// </summary>
public static class DefaultProfiles
{
    /// <summary>The name of the log-recording SeccompProfile (cluster-scoped, so its node file is <c>operator/log-enricher-trace.json</c>).</summary>
    public const string LogEnricherTraceName = Admission.Recording.RecordingAnnotations.LogEnricherProfileName;

    /// <summary>The label upstream puts on its default profiles.</summary>
    public const string AppLabel = "app";

    /// <summary>The <see cref="AppLabel"/> value: the operator's name.</summary>
    public const string AppLabelValue = "security-profiles-operator";

    /// <summary>A new copy of the <c>log-enricher-trace</c> profile: allow everything, log every syscall (<c>SCMP_ACT_LOG</c>).</summary>
    public static SeccompProfile LogEnricherTrace() => new()
    {
        Metadata = new() { Name = LogEnricherTraceName, Labels = new Dictionary<string, string> { [AppLabel] = AppLabelValue } },
        Spec = LogEnricherTraceSpec(),
    };

    /// <summary>Whether <paramref name="profile"/> already is the <c>log-enricher-trace</c> profile (its label, and a spec of nothing but <c>SCMP_ACT_LOG</c>).</summary>
    public static bool IsLogEnricherTrace(SeccompProfile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        var spec = profile.Spec;
        return profile.Metadata?.Labels is { } labels && labels.TryGetValue(AppLabel, out var app) && app == AppLabelValue
            && spec is not null
            && spec.DefaultAction.Equals(SeccompAction.ScmpActLog)
            && (spec.State is null || spec.State.Value.Equals(SeccompProfileSpecState.Enabled))
            && spec.BaseProfileName is null
            && spec.Architectures is null or { Count: 0 }
            && spec.Syscalls is null or { Count: 0 }
            && spec.Flags is null or { Count: 0 }
            && spec.ListenerPath is null
            && spec.ListenerMetadata is null
            && spec.UnknownFields is null or { Count: 0 };
    }

    /// <summary>The profile's spec: only the default action, as upstream's.</summary>
    internal static SeccompProfileSpec LogEnricherTraceSpec() => new() { DefaultAction = SeccompAction.ScmpActLog };
}
