namespace SpoSdk.Admission;

/// <summary>Upstream's webhook names and paths, exactly.</summary>
public static class SpoWebhooks
{
    /// <summary>The binding webhook's name.</summary>
    public const string BindingName = "binding.spo.io";

    /// <summary>The binding webhook's path.</summary>
    public const string BindingPath = "/mutate-v1-pod-binding";

    /// <summary>The recording webhook's name.</summary>
    public const string RecordingName = "recording.spo.io";

    /// <summary>The recording webhook's path.</summary>
    public const string RecordingPath = "/mutate-v1-pod-recording";

    /// <summary>The exec-metadata webhook's name (pods/exec and pods/ephemeralcontainers).</summary>
    public const string ExecMetadataName = "execmetadata.spo.io";

    /// <summary>The second exec-metadata webhook's name (kubectl-debug node pods), same path.</summary>
    public const string NodeDebuggingPodName = "nodedebuggingpod.spo.io";

    /// <summary>The exec-metadata path.</summary>
    public const string ExecMetadataPath = "/mutate-v1-exec-metadata";

    /// <summary>The RawSelinuxProfile validating webhook's name.</summary>
    public const string RawSelinuxProfileValidationName = "rawselinuxprofile-validation.spo.io";

    /// <summary>The RawSelinuxProfile validating webhook's path.</summary>
    public const string RawSelinuxProfileValidationPath = "/validate-rawselinuxprofile";
}

/// <summary>What a pod webhook does when writing its bookkeeping (activeWorkloads, lock finalizer) fails.</summary>
public enum BookkeepingFailurePolicy
{
    /// <summary>Refuse the request with 500, as upstream does (vectors B21, B22, B24, R9, R12, R13).</summary>
    Deny,

    /// <summary>Let the request through with a warning; the bookkeeping stays behind.</summary>
    Allow,
}

/// <summary>How often and how patiently the binding webhook looks for a profile that is missing or has no status yet.</summary>
/// <param name="Attempts">Lookups in all (at least 1).</param>
/// <param name="InitialDelay">The wait after the first lookup.</param>
/// <param name="Factor">How much each further wait grows.</param>
public sealed record RetryPolicy(int Attempts, TimeSpan InitialDelay, double Factor)
{
    /// <summary>Upstream's <c>util.Retry</c>: 5 lookups, waits of 0.5 s growing ×1.5 (about 4 s in all).</summary>
    public static RetryPolicy Upstream { get; } = new(5, TimeSpan.FromMilliseconds(500), 1.5);

    /// <summary>One lookup, no waiting.</summary>
    public static RetryPolicy None { get; } = new(1, TimeSpan.Zero, 1);

    /// <summary>The wait after lookup <paramref name="attempt"/> (1-based).</summary>
    public TimeSpan DelayAfter(int attempt) => TimeSpan.FromTicks((long)(InitialDelay.Ticks * Math.Pow(Factor, attempt - 1)));
}
