using SpoSdk.Api.V1;

namespace SpoSdk.Profiles.Spod;

/// <summary>The SPOD status to report: its state and its Ready condition.</summary>
/// <param name="State">The state (<c>Pending</c>, <c>Creating</c>, <c>Updating</c>, <c>Running</c> or <c>Error</c>).</param>
/// <param name="Reason">The Ready condition's reason.</param>
/// <param name="Message">The Ready condition's message: what runs and what is awaited, or what is wrong.</param>
/// <param name="RecheckAfter">When the answer can change without any event (a heartbeat running out), or null.</param>
public sealed record SpodRolloutStatus(SpodState State, string Reason, string Message, TimeSpan? RecheckAfter)
{
    /// <summary>Whether the Ready condition is True (only when <see cref="State"/> is Running).</summary>
    public bool IsReady => State == SpodState.Running;
}

/// <summary>
/// The in-process version of upstream's SPOD state machine (spod controller over the DaemonSet's
/// rollout; condition reasons as api.md §2.3):
/// <list type="table">
/// <item><term>Error / Unavailable</term><description>the configuration is unusable (<see cref="SpodSettings.Problems"/>), whatever runs.</description></item>
/// <item><term>Running / Available (Ready=True)</term><description>every expected node has a live daemon heartbeat with the SPOD's current generation.</description></item>
/// <item><term>Updating / Updating</term><description>not so, after the SPOD had been Running, Updating or Error: new settings rolling out, or a daemon lost.</description></item>
/// <item><term>Creating / Creating</term><description>first rollout, some but not all daemons running.</description></item>
/// <item><term>Pending / Pending</term><description>first rollout, no daemon running yet, or no node to run on.</description></item>
/// </list>
/// </summary>
public static class SpodRollout
{
    private const int NodesNamedInMessage = 5;

    // Past a heartbeat's expiry, so the recheck sees it expired.
    private static readonly TimeSpan ExpiryMargin = TimeSpan.FromMilliseconds(50);

    /// <summary>Evaluates the status from what is known now.</summary>
    /// <param name="previous">The state the SPOD reports now (null when none yet).</param>
    /// <param name="settings">The SPOD's settings (its generation and problems).</param>
    /// <param name="expectedNodes">The nodes that should run the daemon.</param>
    /// <param name="heartbeats">Every daemon heartbeat, its renewal on the same clock as <paramref name="now"/> (<see cref="SpodStatusReconciler"/> dates it from when it saw the renewal).</param>
    /// <param name="now">The time now.</param>
    public static SpodRolloutStatus Evaluate(SpodState? previous, SpodSettings settings, IReadOnlyCollection<string> expectedNodes, IEnumerable<DaemonHeartbeatView> heartbeats, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(expectedNodes);
        ArgumentNullException.ThrowIfNull(heartbeats);
        if (settings.Problems.Count > 0)
        {
            return new SpodRolloutStatus(SpodState.Error, "Unavailable", "invalid configuration: " + string.Join("; ", settings.Problems), null);
        }

        if (expectedNodes.Count == 0)
        {
            return new SpodRolloutStatus(SpodState.Pending, "Pending", "no node to run the daemon on", null);
        }

        var expected = expectedNodes.ToHashSet(StringComparer.Ordinal);
        var live = heartbeats
            .Where(h => expected.Contains(h.NodeName) && h.IsLive(now))
            .GroupBy(h => h.NodeName, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.MaxBy(h => h.RenewTime)!, StringComparer.Ordinal);
        var upToDate = live.Values.Count(h => h.SpodGeneration >= settings.Generation);
        var waiting = expected.Where(n => !live.TryGetValue(n, out var h) || h.SpodGeneration < settings.Generation).Order(StringComparer.Ordinal).ToList();
        TimeSpan? recheck = live.Count == 0 ? null : live.Values.Min(h => h.ExpiresAt) - now + ExpiryMargin;

        if (waiting.Count == 0)
        {
            return new SpodRolloutStatus(SpodState.Running, "Available", $"the daemon runs on all {expected.Count} expected node(s) with SPOD generation {settings.Generation}", recheck);
        }

        var awaited = string.Join(", ", waiting.Take(NodesNamedInMessage)) + (waiting.Count > NodesNamedInMessage ? $" and {waiting.Count - NodesNamedInMessage} more" : string.Empty);
        if (previous == SpodState.Running || previous == SpodState.Updating || previous == SpodState.Error)
        {
            return new SpodRolloutStatus(SpodState.Updating, "Updating", $"{upToDate} of {expected.Count} node(s) run SPOD generation {settings.Generation}; waiting for {awaited}", recheck);
        }

        return live.Count > 0
            ? new SpodRolloutStatus(SpodState.Creating, "Creating", $"the daemon runs on {live.Count} of {expected.Count} node(s); waiting for {awaited}", recheck)
            : new SpodRolloutStatus(SpodState.Pending, "Pending", $"waiting for the daemon on {awaited}", recheck);
    }
}
