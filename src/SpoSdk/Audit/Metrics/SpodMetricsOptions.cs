namespace SpoSdk.Audit.Metrics;

/// <summary>Options of <see cref="SpodMetrics"/> (bindable with <c>IOptions</c>).</summary>
public sealed class SpodMetricsOptions
{
    /// <summary>The value a label takes once it has seen <see cref="MaxValuesPerLabel"/> distinct values.</summary>
    public const string OverflowValue = "_overflow";

    /// <summary>
    /// Distinct values each free-text label (<c>node</c>, <c>namespace</c>, <c>pod</c>, <c>container</c>,
    /// <c>syscall</c>, <c>scontext</c>, <c>tcontext</c>, <c>profile</c>, <c>operation</c>, <c>apparmor</c>,
    /// <c>mount_namespace</c>) may take in this SDK instance; later new values are reported as <see cref="OverflowValue"/>.
    /// Bounds memory and series however hostile or churning the audit log is (upstream #3245).
    /// </summary>
    public int MaxValuesPerLabel { get; set; } = 1000;
}
