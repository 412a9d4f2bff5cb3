using System.Diagnostics.Metrics;

namespace SpoSdk.Runtime.Controllers;

/// <summary>The reconcile metrics controller-runtime reports, under the same names; labels are controller names and results only.</summary>
public sealed class ControllerMetrics
{
    private readonly Counter<long> _total;
    private readonly Counter<long> _errors;
    private readonly Counter<long> _terminalErrors;
    private readonly Histogram<double> _time;

    /// <summary>Creates the instruments on a meter of the SDK instance.</summary>
    public ControllerMetrics(Meter meter)
    {
        ArgumentNullException.ThrowIfNull(meter);
        _total = meter.CreateCounter<long>("controller_runtime_reconcile_total", description: "Total number of reconciliations per controller");
        _errors = meter.CreateCounter<long>("controller_runtime_reconcile_errors_total", description: "Total number of reconciliation errors per controller");
        _terminalErrors = meter.CreateCounter<long>("controller_runtime_terminal_reconcile_errors_total", description: "Total number of terminal reconciliation errors per controller");
        _time = meter.CreateHistogram<double>("controller_runtime_reconcile_time_seconds", "s", "Length of time per reconciliation per controller");
    }

    internal void Reconciled(string controller, string result, TimeSpan took)
    {
        var tag = new KeyValuePair<string, object?>("controller", controller);
        _total.Add(1, tag, new KeyValuePair<string, object?>("result", result));
        _time.Record(took.TotalSeconds, tag);
        if (result == "error")
        {
            _errors.Add(1, tag);
        }
        else if (result == "terminal_error")
        {
            _terminalErrors.Add(1, tag);
        }
    }
}
