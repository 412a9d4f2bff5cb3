using Microsoft.Extensions.Hosting;
using SpoSdk.Hosting;

namespace SpoSdk.AspNetCore.Health;

/// <summary>What the health endpoints need to know about the SDK instance (a seam: a host may supply its own).</summary>
public interface ISpoOperatorHealth
{
    /// <summary>Whether the operator runs and every informer has filled its cache (readiness).</summary>
    bool InformersSynced { get; }

    /// <summary>
    /// Whether this instance holds the manager's leader lease: true leader, false follower, null when no leader
    /// election runs. Reported by <c>/readyz</c> but never failing it (see <see cref="SpoHealthChecks"/>).
    /// </summary>
    bool? IsLeader { get; }
}

/// <summary>
/// <see cref="ISpoOperatorHealth"/> from the instance's own <see cref="SpoOperatorHealth"/>: ready once the host has
/// started, the operator runs and its informers have synced, and no longer once the host is stopping; leadership as
/// the instance reports it.
/// </summary>
public sealed class HostedOperatorHealth : ISpoOperatorHealth
{
    private readonly SpoOperatorHealth _state;
    private readonly IHostApplicationLifetime? _lifetime;

    /// <summary>Reads <paramref name="state"/>; without a <paramref name="lifetime"/> the host is taken as started.</summary>
    public HostedOperatorHealth(SpoOperatorHealth state, IHostApplicationLifetime? lifetime = null)
    {
        ArgumentNullException.ThrowIfNull(state);
        _state = state;
        _lifetime = lifetime;
    }

    /// <inheritdoc />
    public bool InformersSynced =>
        (_lifetime is not { } lifetime || (lifetime.ApplicationStarted.IsCancellationRequested && !lifetime.ApplicationStopping.IsCancellationRequested))
        && _state.Current.IsReady;

    /// <inheritdoc />
    public bool? IsLeader => _state.Current is { ManagerRole: true, LeaderElection: true } current ? current.IsLeader : null;
}
