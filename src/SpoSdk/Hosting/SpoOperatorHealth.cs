namespace SpoSdk.Hosting;

/// <summary>One look at an SDK instance's state, for <c>/healthz</c>, <c>/readyz</c> and metrics.</summary>
/// <param name="Started">The host has started the operator and not stopped it.</param>
/// <param name="InformersSynced">Every informer has filled its cache once.</param>
/// <param name="ManagerRole">This instance plays the manager role (status aggregation, bookkeeping, default profiles).</param>
/// <param name="DaemonRole">This instance plays the daemon role (node reconcilers, enricher, recorder, heartbeat).</param>
/// <param name="LeaderElection">The manager role runs only while this instance holds the leader Lease.</param>
/// <param name="IsLeader">The manager role's controllers run here now (always true with the manager role and no election).</param>
/// <param name="Leader">The leader Lease's holder last seen, or null (no election, or no holder).</param>
/// <param name="ManagerControllers">How many manager controllers run now (0 on a standby).</param>
/// <param name="DaemonControllers">How many daemon controllers run.</param>
public sealed record SpoOperatorStatus(
    bool Started,
    bool InformersSynced,
    bool ManagerRole,
    bool DaemonRole,
    bool LeaderElection,
    bool IsLeader,
    string? Leader,
    int ManagerControllers,
    int DaemonControllers)
{
    /// <summary>
    /// Ready to serve: started with its caches filled. A standby (not the leader) is ready too, as in
    /// controller-runtime: readiness must not depend on leadership, or a rollout would wait for an election.
    /// </summary>
    public bool IsReady => Started && InformersSynced;
}

/// <summary>
/// The live state of one SDK instance (registered per instance in its service provider): read
/// <see cref="Current"/> for probes and gauges, or subscribe to <see cref="Changed"/>.
/// </summary>
public sealed class SpoOperatorHealth
{
    private readonly object _gate = new();
    private SpoOperatorStatus _current;

    /// <summary>Creates the state of an instance that has not started yet.</summary>
    public SpoOperatorHealth(bool managerRole, bool daemonRole, bool leaderElection) =>
        _current = new SpoOperatorStatus(false, false, managerRole, daemonRole, leaderElection, false, null, 0, 0);

    /// <summary>Raised after <see cref="Current"/> changed (leadership won or lost, started, stopped); keep handlers short.</summary>
    public event EventHandler<SpoOperatorStatus>? Changed;

    /// <summary>The state now.</summary>
    public SpoOperatorStatus Current
    {
        get
        {
            lock (_gate)
            {
                return _current;
            }
        }
    }

    /// <summary>Whether the manager role's controllers run here now.</summary>
    public bool IsLeader => Current.IsLeader;

    internal void Update(Func<SpoOperatorStatus, SpoOperatorStatus> change)
    {
        SpoOperatorStatus next;
        lock (_gate)
        {
            next = change(_current);
            if (next == _current)
            {
                return;
            }

            _current = next;
        }

        Changed?.Invoke(this, next);
    }
}
