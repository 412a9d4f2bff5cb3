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
public sealed class SpodStatusReconciler : IReconciler<SecurityProfilesOperatorDaemon>
{
    private const string HeartbeatIndex = "spo-daemon-heartbeat";

    private readonly IResourceClient<SecurityProfilesOperatorDaemon> _client;
    private readonly Informer<SecurityProfilesOperatorDaemon> _spods;
    private readonly Informer<V1Lease> _heartbeats;
    private readonly ExpectedNodes _expected;
    private readonly ObjectKey _spodKey;
    private readonly TimeProvider _time;

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

        var beats = _heartbeats.ByIndex(HeartbeatIndex, "true").Select(DaemonHeartbeat.Read).OfType<DaemonHeartbeatView>().ToList();
        var status = SpodRollout.Evaluate(spod.Status?.State, SpodSettings.From(spod), _expected.Current, beats, _time.GetUtcNow());
        if (Apply(spod, status))
        {
            // The cache says it differs: write, re-evaluating against the stored object on a conflict.
            await _client.UpdateStatusWithRetryAsync(key, stored => Apply(stored, status), cancellationToken).ConfigureAwait(false);
        }

        return status.RecheckAfter is { } later ? ReconcileResult.After(later) : ReconcileResult.Done;
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
