using System.Diagnostics.Metrics;

namespace SpoSdk.Runtime.Queue;

/// <summary>
/// The work-queue metrics client-go reports, under the same names: depth, adds, retries, time
/// waiting and time being worked on, labelled only by the queue's name (a bounded set).
/// </summary>
public sealed class WorkQueueMetrics
{
    private readonly object _gate = new();
    private readonly List<Func<(string Name, int Depth)>> _queues = new();
    private readonly Counter<long> _adds;
    private readonly Counter<long> _retries;
    private readonly Histogram<double> _queueDuration;
    private readonly Histogram<double> _workDuration;

    /// <summary>Creates the instruments on a meter of the SDK instance.</summary>
    public WorkQueueMetrics(Meter meter)
    {
        ArgumentNullException.ThrowIfNull(meter);
        _adds = meter.CreateCounter<long>("workqueue_adds_total", description: "Total number of adds handled by workqueue");
        _retries = meter.CreateCounter<long>("workqueue_retries_total", description: "Total number of retries handled by workqueue");
        _queueDuration = meter.CreateHistogram<double>("workqueue_queue_duration_seconds", "s", "How long in seconds an item stays in workqueue before being requested");
        _workDuration = meter.CreateHistogram<double>("workqueue_work_duration_seconds", "s", "How long in seconds processing an item from workqueue takes");
        meter.CreateObservableGauge("workqueue_depth", Depths, description: "Current depth of workqueue");
    }

    internal void Register<TKey>(WorkQueue<TKey> queue)
        where TKey : notnull
    {
        lock (_gate)
        {
            _queues.Add(DepthOf(queue));
        }
    }

    internal void Unregister<TKey>(WorkQueue<TKey> queue)
        where TKey : notnull
    {
        lock (_gate)
        {
            _queues.RemoveAll(q => q().Name == queue.Name);
        }
    }

    internal void Added(string name) => _adds.Add(1, new KeyValuePair<string, object?>("name", name));

    internal void Retried(string name) => _retries.Add(1, new KeyValuePair<string, object?>("name", name));

    internal void Waited(string name, TimeSpan waited) => _queueDuration.Record(waited.TotalSeconds, new KeyValuePair<string, object?>("name", name));

    /// <summary>Records how long one key was worked on.</summary>
    public void Worked(string name, TimeSpan worked) => _workDuration.Record(worked.TotalSeconds, new KeyValuePair<string, object?>("name", name));

    private static Func<(string, int)> DepthOf<TKey>(WorkQueue<TKey> queue)
        where TKey : notnull => () => (queue.Name, queue.Count);

    private IEnumerable<Measurement<int>> Depths()
    {
        List<Func<(string Name, int Depth)>> queues;
        lock (_gate)
        {
            queues = [.. _queues];
        }

        foreach (var queue in queues)
        {
            var (name, depth) = queue();
            yield return new Measurement<int>(depth, new KeyValuePair<string, object?>("name", name));
        }
    }
}
