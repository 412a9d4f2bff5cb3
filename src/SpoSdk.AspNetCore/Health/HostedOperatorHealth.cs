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
/// <see cref="ISpoOperatorHealth"/> from what the SDK exposes: the host has started (so the operator's
/// <c>StartAsync</c> ran and its informers exist), is not stopping, and the <see cref="InformerFactory"/>'s
/// informers have all synced; leadership from the instance's <see cref="SpoOperatorHealth"/>.
/// </summary>
public sealed class HostedOperatorHealth : ISpoOperatorHealth
{
    private readonly InformerFactory _informers;
    private readonly SpoOperatorHealth? _state;
    private readonly IHostApplicationLifetime? _lifetime;

    /// <summary>
    /// Reads <paramref name="informers"/> and <paramref name="state"/> (without it leadership is unknown);
    /// without a <paramref name="lifetime"/> the host is taken as started.
    /// </summary>
    public HostedOperatorHealth(InformerFactory informers, SpoOperatorHealth? state = null, IHostApplicationLifetime? lifetime = null)
    {
        ArgumentNullException.ThrowIfNull(informers);
        _informers = informers;
        _state = state;
        _lifetime = lifetime;
    }

    /// <inheritdoc />
    public bool InformersSynced
    {
        get
        {
            if (_lifetime is { } lifetime && (!lifetime.ApplicationStarted.IsCancellationRequested || lifetime.ApplicationStopping.IsCancellationRequested))
            {
                return false;
            }

            // Without a token, WaitForSyncAsync hands back the informers' own sync tasks: nothing waits here.
            return _informers.WaitForSyncAsync(CancellationToken.None).IsCompletedSuccessfully;
        }
    }

    /// <inheritdoc />
    public bool? IsLeader => _state?.Current is { ManagerRole: true, LeaderElection: true } current ? current.IsLeader : null;
}
