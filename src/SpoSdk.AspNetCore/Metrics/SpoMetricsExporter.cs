using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;
using Prometheus;
using SpoSdk.Audit.Metrics;

namespace SpoSdk.AspNetCore.Metrics;

/// <summary>
/// One SDK instance's metrics in Prometheus form: a <see cref="CollectorRegistry"/> for the SPO counters and
/// one for the controller metrics, each fed from the instance's own <see cref="IMeterFactory"/> only (never
/// prometheus-net's process-wide default registry, which also holds no process or runtime metrics here).
/// </summary>
public sealed class SpoMetricsExporter : IDisposable
{
    /// <summary>The meter of the controller and work-queue metrics.</summary>
    public const string RuntimeMeterName = "SpoSdk";

    // controller-runtime's reconcile_time_seconds buckets and client-go's work-queue buckets (1e-8 s × 10^k),
    // so dashboards built for upstream read these histograms unchanged.
    private static readonly double[] ReconcileBuckets =
        [0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60];

    private static readonly double[] PrometheusDefaultBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private static readonly double[] WorkQueueBuckets = Histogram.ExponentialBuckets(1e-8, 10, 10);

    private readonly MeterCollectorBridge _spod;
    private readonly MeterCollectorBridge _runtime;

    /// <summary>Starts listening to the instance's meters (instruments made before or after both count).</summary>
    public SpoMetricsExporter(IMeterFactory meterFactory, IOptions<SpoMetricsOptions>? options = null)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var configured = options?.Value.HistogramBuckets;
        Func<Instrument, double[]> buckets = instrument => configured?.Invoke(instrument) ?? DefaultBuckets(instrument);
        SpodRegistry = Prometheus.Metrics.NewCustomRegistry();
        RuntimeRegistry = Prometheus.Metrics.NewCustomRegistry();

        // Go's promhttp counts scrapes of /metrics-spod (upstream's e2e test looks for it); its codes start at zero.
        ScrapeRequests = Prometheus.Metrics.WithCustomRegistry(SpodRegistry).CreateCounter("promhttp_metric_handler_requests_total", "Total number of scrapes by HTTP status code.", "code");
        foreach (var code in new[] { "200", "500", "503" })
        {
            ScrapeRequests.WithLabels(code);
        }

        _spod = new MeterCollectorBridge(meterFactory, [SpodMetrics.MeterName], SpodRegistry, buckets);
        _runtime = new MeterCollectorBridge(meterFactory, [RuntimeMeterName], RuntimeRegistry, buckets);
    }

    /// <summary>The SPO counters (meter <see cref="SpodMetrics.MeterName"/>), served at <see cref="SpoMetricsOptions.SpodPath"/>.</summary>
    public CollectorRegistry SpodRegistry { get; }

    /// <summary>The controller metrics (meter <see cref="RuntimeMeterName"/>), served at <see cref="SpoMetricsOptions.RuntimePath"/>.</summary>
    public CollectorRegistry RuntimeRegistry { get; }

    internal Counter ScrapeRequests { get; }

    /// <inheritdoc />
    public void Dispose()
    {
        _spod.Dispose();
        _runtime.Dispose();
    }

    private static double[] DefaultBuckets(Instrument instrument)
    {
        if (instrument is Histogram<double> { Advice.HistogramBucketBoundaries: { Count: > 0 } advised })
        {
            return [.. advised];
        }

        return instrument.Name switch
        {
            "controller_runtime_reconcile_time_seconds" => ReconcileBuckets,
            "workqueue_queue_duration_seconds" or "workqueue_work_duration_seconds" => WorkQueueBuckets,
            _ => PrometheusDefaultBuckets,
        };
    }
}
