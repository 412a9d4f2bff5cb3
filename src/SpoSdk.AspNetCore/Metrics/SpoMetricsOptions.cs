using System.Diagnostics.Metrics;

namespace SpoSdk.AspNetCore.Metrics;

/// <summary>What <see cref="MetricsEndpointExtensions.MapSpoMetrics"/> serves, and how callers are let in.</summary>
public sealed class SpoMetricsOptions
{
    /// <summary>Upstream's path of the SPO daemon counters.</summary>
    public const string DefaultSpodPath = "/metrics-spod";

    /// <summary>controller-runtime's path of the reconcile and work-queue metrics.</summary>
    public const string DefaultRuntimePath = "/metrics";

    /// <summary>
    /// Where the SPO counters (meter <c>SpoSdk.Spod</c>: <c>security_profiles_operator_*</c> and the audit
    /// pipeline's own counters) are served; upstream's <c>/metrics-spod</c>.
    /// </summary>
    public string SpodPath { get; set; } = DefaultSpodPath;

    /// <summary>
    /// Where the controller metrics (meter <c>SpoSdk</c>: <c>controller_runtime_*</c>, <c>workqueue_*</c>) are
    /// served, as controller-runtime serves them at <c>/metrics</c>; null leaves them unmapped (for a host whose
    /// own <c>/metrics</c> is taken).
    /// </summary>
    public string? RuntimePath { get; set; } = DefaultRuntimePath;

    /// <summary>
    /// Whether callers must present a bearer token that the cluster authenticates (TokenReview) and authorises for
    /// <c>get</c> on the path (SubjectAccessReview), as controller-runtime's <c>WithAuthenticationAndAuthorization</c>
    /// filter does. Even when true, the check is skipped while the SPOD sets <c>enableInsecureMetricsAccess</c>,
    /// and, with the in-memory backend (which has no users to review), for requests on a loopback address.
    /// </summary>
    public bool RequireAuthorization { get; set; } = true;

    /// <summary>How long an authenticated token is remembered (controller-runtime: one minute).</summary>
    public TimeSpan AuthenticationCacheDuration { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long an allowed user and path is remembered (controller-runtime: five minutes).</summary>
    public TimeSpan AllowCacheDuration { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long a rejected token or a denied user and path is remembered (controller-runtime: 30 seconds).</summary>
    public TimeSpan DenyCacheDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The most review answers remembered; past it, expired ones go first, then all (a flood of made-up tokens cannot grow memory).</summary>
    public int MaxCachedReviews { get; set; } = 4096;

    /// <summary>
    /// Histogram bucket bounds by instrument; null (the default) uses the instrument's advice, then upstream's
    /// buckets for the known controller-runtime and work-queue histograms, then Prometheus' defaults.
    /// </summary>
    public Func<Instrument, double[]?>? HistogramBuckets { get; set; }
}
