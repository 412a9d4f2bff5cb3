namespace SpoSdk.Runtime.Controllers;

/// <summary>
/// Brings the world in line with one object, level-based: it gets only the key, reads the current
/// state itself (from an informer) and must be idempotent — a reconcile that finds nothing to do
/// writes nothing. Throwing means "retry with backoff", unless it is a <see cref="TerminalReconcileException"/>.
/// </summary>
/// <typeparam name="T">The model type of the objects reconciled.</typeparam>
public interface IReconciler<T>
{
    /// <summary>Reconciles the object at <paramref name="key"/> (which may no longer exist).</summary>
    Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken cancellationToken);
}

/// <summary>How a reconcile ended.</summary>
/// <param name="RequeueAfter">Reconcile again after this delay (failures are forgotten), or never when null.</param>
public readonly record struct ReconcileResult(TimeSpan? RequeueAfter)
{
    /// <summary>Done until something changes.</summary>
    public static ReconcileResult Done => default;

    /// <summary>Reconcile again after <paramref name="delay"/>.</summary>
    public static ReconcileResult After(TimeSpan delay) => new(delay);
}

/// <summary>A failure that retrying cannot fix (e.g. an invalid object); logged and counted, not retried.</summary>
public sealed class TerminalReconcileException(string message, Exception? inner = null) : Exception(message, inner);
