using SpoSdk.Api.V1;

namespace SpoSdk.Profiles.Seccomp;

/// <summary>
/// SPOD's <c>security.allowedSyscalls</c> / <c>allowedSeccompActions</c>: when the allow-list is
/// set, every syscall a profile lets through (under the checked actions) must be on it, and the
/// default action may not be a checked one. Upstream's rules and messages (runtime.md §1.4).
/// </summary>
public static class AllowedSyscallsPolicy
{
    private static readonly string[] DefaultCheckedActions = ["SCMP_ACT_ALLOW", "SCMP_ACT_LOG", "SCMP_ACT_TRACE", "SCMP_ACT_NOTIFY"];

    /// <summary>Null when the (base-merged) spec is allowed by the effective SPOD settings; otherwise why not.</summary>
    public static string? Check(SeccompProfileSpec spec, Spod.SpodSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return settings.AllowedSyscalls.Count == 0
            ? null
            : Check(spec, new SecurityProfilesOperatorDaemonSecurity { AllowedSyscalls = [.. settings.AllowedSyscalls], AllowedSeccompActions = settings.AllowedSeccompActions.Select(SpodSeccompAction.FromValue).ToList() });
    }

    /// <summary>Null when the (base-merged) spec is allowed; otherwise why not.</summary>
    public static string? Check(SeccompProfileSpec spec, SecurityProfilesOperatorDaemonSecurity? security)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (security?.AllowedSyscalls is not { Count: > 0 } allowed)
        {
            return null;
        }

        var actions = security.AllowedSeccompActions is { Count: > 0 } configured
            ? configured.Select(a => a.Value ?? string.Empty).ToList()
            : [.. DefaultCheckedActions];
        if (actions.FirstOrDefault(a => !DefaultCheckedActions.Contains(a)) is { } forbidden)
        {
            return "seccomp action not allowed: " + forbidden;
        }

        var allowedSet = allowed.ToHashSet(StringComparer.Ordinal);
        foreach (var action in actions)
        {
            foreach (var rule in (spec.Syscalls ?? []).Where(r => r.Action.Value == action))
            {
                if ((rule.Names ?? []).FirstOrDefault(n => !allowedSet.Contains(n)) is { } name)
                {
                    return "syscall not allowed: " + name;
                }
            }

            if (spec.DefaultAction.Value == action)
            {
                return "seccomp profile not allowed";
            }
        }

        return null;
    }
}
