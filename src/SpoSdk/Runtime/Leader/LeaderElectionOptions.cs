namespace SpoSdk.Runtime.Leader;

/// <summary>
/// How an SDK instance campaigns for the manager role: the Lease it holds and client-go's timings
/// (controller-runtime's defaults: 15 s lease, 10 s renew deadline, 2 s retry period).
/// </summary>
public sealed class LeaderElectionOptions
{
    /// <summary>The Lease upstream's manager holds (its <c>LeaderElectionID</c>).</summary>
    public const string DefaultLeaseName = "security-profiles-operator-lock";

    /// <summary>The Lease's name (default <see cref="DefaultLeaseName"/>).</summary>
    public string LeaseName { get; set; } = DefaultLeaseName;

    /// <summary>The Lease's namespace; null for the operator namespace.</summary>
    public string? LeaseNamespace { get; set; }

    /// <summary>This candidate's <c>holderIdentity</c>; null for <c>&lt;host&gt;_&lt;random&gt;</c>, unique per instance as client-go's.</summary>
    public string? Identity { get; set; }

    /// <summary>How long a standby waits, after it last saw the Lease change, before taking it over.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long the leader keeps leading without a successful renewal; shorter than <see cref="LeaseDuration"/> so it stops before anyone else may start.</summary>
    public TimeSpan RenewDeadline { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often candidates try to acquire and the leader renews.</summary>
    public TimeSpan RetryPeriod { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Whether a graceful stop hands the Lease back at once (upstream sets <c>LeaderElectionReleaseOnCancel</c>); default true.</summary>
    public bool ReleaseOnCancel { get; set; } = true;

    /// <summary>What is wrong with these options, each message naming the option; empty when none.</summary>
    public IEnumerable<string> Problems()
    {
        if (!Api.Schema.MetadataRules.IsDnsSubdomain(LeaseName ?? string.Empty))
        {
            yield return "LeaderElectionOptions.LeaseName \"" + LeaseName + "\" is not a valid object name";
        }

        if (LeaseNamespace is not null && !Api.Schema.MetadataRules.IsDnsSubdomain(LeaseNamespace))
        {
            yield return "LeaderElectionOptions.LeaseNamespace \"" + LeaseNamespace + "\" is not a valid namespace";
        }

        if (Identity is { Length: 0 })
        {
            yield return "LeaderElectionOptions.Identity is empty: leave it null for a generated one";
        }

        if (RetryPeriod <= TimeSpan.Zero)
        {
            yield return "LeaderElectionOptions.RetryPeriod must be positive";
        }

        if (RenewDeadline <= RetryPeriod)
        {
            yield return "LeaderElectionOptions.RenewDeadline (" + RenewDeadline + ") must be longer than RetryPeriod (" + RetryPeriod + ")";
        }

        if (LeaseDuration <= RenewDeadline)
        {
            yield return "LeaderElectionOptions.LeaseDuration (" + LeaseDuration + ") must be longer than RenewDeadline (" + RenewDeadline + "), or a lost leader could still run when the next one starts";
        }

        if (LeaseDuration < TimeSpan.FromSeconds(1) || LeaseDuration.Ticks % TimeSpan.TicksPerSecond != 0)
        {
            yield return "LeaderElectionOptions.LeaseDuration (" + LeaseDuration + ") must be whole seconds: the Lease stores leaseDurationSeconds";
        }
    }
}
