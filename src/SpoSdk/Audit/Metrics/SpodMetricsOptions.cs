namespace SpoSdk.Audit.Metrics;

/// <summary>Options of <see cref="SpodMetrics"/> (bindable with <c>IOptions</c>).</summary>
public sealed class SpodMetricsOptions
{
    /// <summary>
    /// The value a label takes once it has seen <see cref="MaxValuesPerLabel"/> distinct values, and every label of a
    /// counter takes once the counter has <see cref="MaxSeriesPerCounter"/> series.
    /// </summary>
    public const string OverflowValue = "_overflow";

    /// <summary>
    /// Distinct values each free-text label (<c>node</c>, <c>namespace</c>, <c>pod</c>, <c>container</c>,
    /// <c>syscall</c>, <c>scontext</c>, <c>tcontext</c>, <c>profile</c>, <c>operation</c>, <c>apparmor</c>,
    /// <c>mount_namespace</c>) may take in this SDK instance; later new values are reported as <see cref="OverflowValue"/>.
    /// Bounds memory and series however hostile or churning the audit log is (upstream #3245).
    /// </summary>
    public int MaxValuesPerLabel { get; set; } = 1000;

    /// <summary>
    /// Distinct label combinations (series) each audit and bpf counter may take in this SDK instance (default 10,000).
    /// <see cref="MaxValuesPerLabel"/> bounds each label, not their product: the AppArmor audit counter's
    /// <c>profile</c>, <c>operation</c> and <c>apparmor</c> alone could make 10^9 series out of forged records. Past
    /// this cap, a new combination is counted on one series whose every label is <see cref="OverflowValue"/>.
    /// </summary>
    public int MaxSeriesPerCounter { get; set; } = 10_000;
}
