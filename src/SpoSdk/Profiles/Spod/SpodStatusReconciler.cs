using k8s.Models;
using SpoSdk.Api.V1;
using SpoSdk.Runtime;
using SpoSdk.Runtime.Backends;
using SpoSdk.Runtime.Controllers;
using SpoSdk.Runtime.Informers;

namespace SpoSdk.Profiles.Spod;

/// <summary>
/// The manager side of the SPOD: reports <c>status.state</c> and the Ready condition
/// (<see cref="SpodRollout"/>) from the expected nodes and the daemons' heartbeat Leases. Reads
/// the caches only; writes the status subresource with conflict retry, and only when the state,
/// reason, message or observed generation differ. Only the SPOD named by the settings is
/// reconciled; other SecurityProfilesOperatorDaemon objects are left alone, as upstream.
/// </summary>
/// <remarks>
/// A heartbeat holds for its <c>leaseDurationSeconds</c> from when this manager saw its <c>renewTime</c> change,
/// on the manager's own clock, as the node lifecycle controller treats kubelet Leases (and
/// <see cref="Runtime.Leader.LeaderElector"/> the leader Lease): the <c>renewTime</c> written on the daemon's node
/// is never compared with this clock, so a node clock that is behind cannot keep a running daemon from counting, nor
/// one that is ahead keep a dead daemon counting.
/// </remarks>
public sealed class SpodStatusReconciler : IReconciler<SecurityProfilesOperatorDaemon>
{
    private const string HeartbeatIndex = "spo-daemon-heartbeat";

    private readonly IResourceClient<SecurityProfilesOperatorDaemon> _client;
    private readonly Informer<SecurityProfilesOperatorDaemon> _spods;
    private readonly Informer<V1Lease> _heartbeats;
    private readonly ExpectedNodes _expected;
    private readonly ObjectKey _spodKey;
    private readonly TimeProvider _time;

    // Per heartbeat Lease (by uid): the renewTime last seen and when, as a timestamp of _time.
    private readonly Dictionary<string, (DateTimeOffset RenewTime, long SeenAt)> _seen = new(StringComparer.Ordinal);

    /// <summary>Creates the reconciler.</summary>
    /// <param name="backend">Where the status is written.</param>
    /// <param name="settings">The SPOD settings (their informer and the SPOD's key).</param>
    /// <param name="heartbeats">An informer over the operator namespace's Leases.</param>
    /// <param name="expected">The nodes that should run the daemon.</param>
    /// <param name="time">The clock, for heartbeat expiry and condition times.</param>
    public SpodStatusReconciler(IClusterBackend backend, SpodSettingsProvider settings, Informer<V1Lease> heartbeats, ExpectedNodes expected, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(heartbeats);
        ArgumentNullException.ThrowIfNull(expected);
        _client = backend.Resource<SecurityProfilesOperatorDaemon>();
        _spods = settings.Informer;
        _spodKey = settings.Key;
        _heartbeats = heartbeats;
        _heartbeats.AddIndex(HeartbeatIndex, l => l.Metadata.Label(DaemonHeartbeat.HeartbeatLabel) == "true" ? ["true"] : []);
        _expected = expected;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>The SPOD's key: what the controller's secondary watches (heartbeats, expected nodes) enqueue.</summary>
    public ObjectKey SpodKey => _spodKey;

    /// <inheritdoc />
    public async Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken cancellationToken)
    {
        if (key != _spodKey || _spods.Get(key) is not { } spod)
        {
            return ReconcileResult.Done;
        }

        var now = _time.GetUtcNow();
        var beats = Observe(_heartbeats.ByIndex(HeartbeatIndex, "true"), now);
        var status = SpodRollout.Evaluate(spod.Status?.State, SpodSettings.From(spod), _expected.Current, beats, now);
        if (Apply(spod, status))
        {
            // The cache says it differs: write, re-evaluating against the stored object on a conflict.
            await _client.UpdateStatusWithRetryAsync(key, stored => Apply(stored, status), cancellationToken).ConfigureAwait(false);
        }

        return status.RecheckAfter is { } later ? ReconcileResult.After(later) : ReconcileResult.Done;
    }

    // The heartbeats, each dated from when this manager saw its renewTime change (expressed on this manager's clock).
    private List<DaemonHeartbeatView> Observe(IEnumerable<V1Lease> leases, DateTimeOffset now)
    {
        var beats = new List<DaemonHeartbeatView>();
        var stamp = _time.GetTimestamp();
        lock (_seen)
        {
            var present = new HashSet<string>(StringComparer.Ordinal);
            foreach (var lease in leases)
            {
                if (DaemonHeartbeat.Read(lease) is not { } beat)
                {
                    continue;
                }

                var id = lease.Metadata.Uid ?? lease.Metadata.NamespaceProperty + "/" + lease.Metadata.Name;
                present.Add(id);
                if (!_seen.TryGetValue(id, out var seen) || seen.RenewTime != beat.RenewTime)
                {
                    seen = (beat.RenewTime, stamp);
                    _seen[id] = seen;
                }

                beats.Add(beat with { RenewTime = now - _time.GetElapsedTime(seen.SeenAt, stamp) });
            }

            foreach (var gone in _seen.Keys.Where(k => !present.Contains(k)).ToList())
            {
                _seen.Remove(gone);
            }
        }

        return beats;
    }

    // Sets the status; false when it already says exactly this (nothing to write).
    private bool Apply(SecurityProfilesOperatorDaemon spod, SpodRolloutStatus status)
    {
        var current = spod.Status ??= new SecurityProfilesOperatorDaemonStatus();
        var ready = status.IsReady ? "True" : "False";
        var generation = spod.Metadata.Generation;
        var condition = current.Conditions?.FirstOrDefault(c => c.Type == "Ready");
        if (current.State == status.State && condition is not null && condition.Status.Value == ready && condition.Reason == status.Reason
            && condition.Message == status.Message && condition.ObservedGeneration == generation)
        {
            return false;
        }

        current.State = status.State;
        current.Conditions = (current.Conditions ?? []).Where(c => c.Type != "Ready").Append(new SpodCondition
        {
            Type = "Ready",
            Status = SpodConditionStatus.FromValue(ready),
            Reason = status.Reason,
            Message = status.Message,
            LastTransitionTime = condition?.Status.Value == ready && condition.LastTransitionTime is { } since ? since : _time.GetUtcNow().UtcDateTime,
            ObservedGeneration = generation,
        }).ToList();
        return true;
    }
}
