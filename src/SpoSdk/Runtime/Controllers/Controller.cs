using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SpoSdk.Runtime.Informers;
using SpoSdk.Runtime.Queue;

namespace SpoSdk.Runtime.Controllers;

/// <summary>Settings of a controller.</summary>
public sealed record ControllerOptions
{
    /// <summary>How many keys are reconciled at once (never the same key twice). Default 1, as controller-runtime.</summary>
    public int MaxConcurrentReconciles { get; init; } = 1;

    /// <summary>Retry delays; null for controller-runtime's default.</summary>
    public IRateLimiter<ObjectKey>? RateLimiter { get; init; }
}

/// <summary>
/// Ties an informer to a reconciler through a keyed, rate-limited queue, as controller-runtime
/// does: events become keys; workers take keys and reconcile; errors retry with backoff,
/// RequeueAfter re-adds after the delay, success forgets the key's failures. Secondary watches
/// map other objects' events to keys of this controller.
/// </summary>
/// <typeparam name="T">The model type reconciled.</typeparam>
public sealed class Controller<T> : IDisposable
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly Informer<T> _informer;
    private readonly IReconciler<T> _reconciler;
    private readonly ControllerOptions _options;
    private readonly TimeProvider _time;
    private readonly ControllerMetrics? _metrics;
    private readonly WorkQueueMetrics? _queueMetrics;
    private readonly ILogger _logger;
    private readonly List<Func<Task>> _syncs = new();
    private readonly List<IDisposable> _handlers = new();

    /// <summary>Creates a controller; <see cref="RunAsync"/> starts it.</summary>
    public Controller(
        string name,
        Informer<T> informer,
        IReconciler<T> reconciler,
        ControllerOptions? options = null,
        TimeProvider? time = null,
        ControllerMetrics? metrics = null,
        WorkQueueMetrics? queueMetrics = null,
        ILogger? logger = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(informer);
        ArgumentNullException.ThrowIfNull(reconciler);
        Name = name;
        _informer = informer;
        _reconciler = reconciler;
        _options = options ?? new ControllerOptions();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(_options.MaxConcurrentReconciles);
        _time = time ?? TimeProvider.System;
        _metrics = metrics;
        _queueMetrics = queueMetrics;
        _logger = logger ?? NullLogger.Instance;
        Queue = new WorkQueue<ObjectKey>(name, _options.RateLimiter ?? RateLimiters.Default<ObjectKey>(_time), _time, queueMetrics);
        _handlers.Add(informer.AddHandler(e => Queue.Add(ObjectKey.Of(e.Object))));
        _syncs.Add(() => informer.WaitForSyncAsync());
    }

    /// <summary>The controller's name, used in metrics and logs.</summary>
    public string Name { get; }

    /// <summary>The queue of keys to reconcile.</summary>
    public WorkQueue<ObjectKey> Queue { get; }

    /// <summary>Reconciles the keys <paramref name="map"/> returns whenever an object of another type changes.</summary>
    public Controller<T> Watches<TOther>(Informer<TOther> other, Func<TOther, IEnumerable<ObjectKey>> map)
        where TOther : class, IKubernetesObject<V1ObjectMeta>
    {
        ArgumentNullException.ThrowIfNull(other);
        ArgumentNullException.ThrowIfNull(map);
        _handlers.Add(other.AddHandler(e =>
        {
            foreach (var key in map(e.Object))
            {
                Queue.Add(key);
            }
        }));
        _syncs.Add(() => other.WaitForSyncAsync());
        return this;
    }

    /// <summary>
    /// Waits for the informers to sync, then reconciles until <paramref name="cancellationToken"/>
    /// ends; in-flight reconciles see the cancellation and finish before this returns.
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var stop = cancellationToken.Register(Queue.ShutDown);
        try
        {
            foreach (var sync in _syncs)
            {
                await sync().WaitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return;
        }

        var workers = Enumerable.Range(0, _options.MaxConcurrentReconciles).Select(_ => Task.Run(() => WorkAsync(cancellationToken), CancellationToken.None));
        await Task.WhenAll(workers).ConfigureAwait(false);
    }

    /// <summary>Shuts the queue down and stops hearing the informers (they may outlive this controller).</summary>
    public void Dispose()
    {
        foreach (var handler in _handlers)
        {
            handler.Dispose();
        }

        Queue.Dispose();
    }

    private async Task WorkAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            (bool Ok, ObjectKey Key) next;
            try
            {
                next = await Queue.TryGetAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (ObjectDisposedException)
            {
                return;
            }

            if (!next.Ok)
            {
                return;
            }

            try
            {
                // Once stopped (or leadership is lost) the queue only drains: whoever runs next relists and
                // reconciles these keys, and this instance must not write any more.
                if (!cancellationToken.IsCancellationRequested)
                {
                    await ReconcileOneAsync(next.Key, cancellationToken).ConfigureAwait(false);
                }
            }
            finally
            {
                Queue.Done(next.Key);
            }
        }
    }

    private async Task ReconcileOneAsync(ObjectKey key, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        string result;
        try
        {
            var outcome = await _reconciler.ReconcileAsync(key, cancellationToken).ConfigureAwait(false);
            if (outcome.RequeueAfter is { } delay)
            {
                Queue.AddAfter(key, delay);
                result = "requeue_after";
            }
            else
            {
                result = "success";
            }

            // Only once the requeue is in place: were it to throw, the retry below keeps the failures it earned.
            Queue.Forget(key);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Shutting down or leadership lost: the key is picked up again by whoever runs next.
            result = "error";
        }
        catch (TerminalReconcileException ex)
        {
            Queue.Forget(key);
            _logger.LogError(ex, "Reconcile of {Controller} {Key} failed for good", Name, key);
            result = "terminal_error";
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _logger.LogWarning(ex, "Reconcile of {Controller} {Key} failed; retrying", Name, key);
            Queue.AddRateLimited(key);
            result = "error";
        }

        var took = _time.GetElapsedTime(started);
        _metrics?.Reconciled(Name, result, took);
        _queueMetrics?.Worked(Name, took);
    }
}
