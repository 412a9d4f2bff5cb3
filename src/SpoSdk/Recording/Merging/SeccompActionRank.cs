using SpoSdk.Api.V1;

namespace SpoSdk.Recording.Merging;

/// <summary>
/// How restrictive a seccomp action is, as upstream's merger ranks them: KILL_PROCESS (0) &lt; KILL =
/// KILL_THREAD (1) &lt; TRAP (2) &lt; ERRNO (3) &lt; NOTIFY (4) &lt; TRACE (5) &lt; LOG (6) &lt; ALLOW (7). An
/// action this SDK does not know ranks −1, the most restrictive, so a typo can never widen a profile.
/// </summary>
public static class SeccompActionRank
{
    /// <summary>The rank of <paramref name="action"/>; higher is less restrictive.</summary>
    public static int Of(SeccompAction action) => action.Value switch
    {
        "SCMP_ACT_KILL_PROCESS" => 0,
        "SCMP_ACT_KILL" or "SCMP_ACT_KILL_THREAD" => 1,
        "SCMP_ACT_TRAP" => 2,
        "SCMP_ACT_ERRNO" => 3,
        "SCMP_ACT_NOTIFY" => 4,
        "SCMP_ACT_TRACE" => 5,
        "SCMP_ACT_LOG" => 6,
        "SCMP_ACT_ALLOW" => 7,
        _ => -1,
    };

    /// <summary>The less restrictive of two actions; on a tie the first wins.</summary>
    public static SeccompAction LessRestrictive(SeccompAction first, SeccompAction second) => Of(second) > Of(first) ? second : first;

    /// <summary>The more restrictive of two actions; on a tie the first wins.</summary>
    public static SeccompAction MoreRestrictive(SeccompAction first, SeccompAction second) => Of(second) < Of(first) ? second : first;
}
