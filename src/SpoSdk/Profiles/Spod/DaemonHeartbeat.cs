using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SpoSdk.Runtime;
using SpoSdk.Runtime.Backends;

namespace SpoSdk.Profiles.Spod;

/// <summary>What one daemon's heartbeat Lease says.</summary>
/// <param name="NodeName">The node the daemon runs on.</param>
/// <param name="SpodGeneration">The SPOD generation the daemon runs with (0: it has seen no SPOD).</param>
/// <param name="RenewTime">When the daemon last renewed the Lease.</param>
/// <param name="Duration">How long the Lease holds after a renewal.</param>
public sealed record DaemonHeartbeatView(string NodeName, long SpodGeneration, DateTimeOffset RenewTime, TimeSpan Duration)
{
    /// <summary>When the Lease stops holding unless renewed.</summary>
    public DateTimeOffset ExpiresAt => RenewTime + Duration;

    /// <summary>Whether the daemon counts as running at <paramref name="now"/>.</summary>
    public bool IsLive(DateTimeOffset now) => now < ExpiresAt;
}

/// <summary>
/// How the daemon role of an SDK instance tells the manager "the daemon runs on node X": a
/// <c>coordination.k8s.io/v1</c> Lease per node in the operator namespace — the in-process
/// counterpart of a ready spod DaemonSet pod. No new CRD: Leases are what kubelets use for the
/// same purpose (<c>kube-node-lease</c>).
/// </summary>
/// <remarks>
/// <para>The Lease is named <c>spod-&lt;node&gt;</c> (hashed when that is too long), labelled
/// <c>spo.x-k8s.io/daemon-heartbeat=true</c>, <c>spec.holderIdentity</c> = node name,
/// <c>spec.leaseDurationSeconds</c> = 40, renewed every 10 s, and annotated
/// <c>spo.x-k8s.io/spod-generation</c> with the SPOD generation the daemon runs with (written at
/// once when it changes), so the manager can tell a rollout of new settings from a running daemon.</para>
/// <para>It is first written once the instance's informers have synced and its node controllers
/// run; a clean stop deletes it; a crashed daemon's Lease expires. Renewals are the only periodic
/// writes of the SDK, one small object per node.</para>
/// </remarks>
public sealed class DaemonHeartbeat
{
    /// <summary>The label every heartbeat Lease carries (value <c>true</c>).</summary>
    public const string HeartbeatLabel = "spo.x-k8s.io/daemon-heartbeat";

    /// <summary>The annotation holding the SPOD generation the daemon runs with.</summary>
    public const string SpodGenerationAnnotation = "spo.x-k8s.io/spod-generation";

    /// <summary>How long a Lease holds after a renewal (the kubelet's node Lease uses 40 s too).</summary>
    public static readonly TimeSpan DefaultLeaseDuration = TimeSpan.FromSeconds(40);

    private const int MaxNameLength = 253;

    private readonly IResourceClient<V1Lease> _leases;
    private readonly SpodSettingsProvider _settings;
    private readonly TimeProvider _time;
    private readonly TimeSpan _duration;
    private readonly ILogger _logger;
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    /// <summary>Creates the heartbeat of the daemon on <paramref name="nodeName"/>.</summary>
    /// <param name="backend">Where the Lease is written.</param>
    /// <param name="operatorNamespace">The operator namespace (the Lease's namespace).</param>
    /// <param name="nodeName">This daemon's node.</param>
    /// <param name="settings">This instance's SPOD settings: their generation goes on the Lease.</param>
    /// <param name="time">The clock.</param>
    /// <param name="leaseDuration">How long a renewal holds (default 40 s); renewals come every quarter of it.</param>
    /// <param name="logger">Where failures to renew are logged.</param>
    public DaemonHeartbeat(IClusterBackend backend, string operatorNamespace, string nodeName, SpodSettingsProvider settings, TimeProvider? time = null, TimeSpan? leaseDuration = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentException.ThrowIfNullOrEmpty(operatorNamespace);
        ArgumentException.ThrowIfNullOrEmpty(nodeName);
        ArgumentNullException.ThrowIfNull(settings);
        _leases = backend.Resource<V1Lease>();
        _settings = settings;
        _time = time ?? TimeProvider.System;
        _duration = leaseDuration ?? DefaultLeaseDuration;
        ArgumentOutOfRangeException.ThrowIfLessThan(_duration, TimeSpan.FromSeconds(1), nameof(leaseDuration));
        _logger = logger ?? NullLogger.Instance;
        NodeName = nodeName;
        Key = new ObjectKey(operatorNamespace, LeaseName(nodeName));
        _settings.Changed += (_, change) =>
        {
            if (change.Previous.Generation != change.Current.Generation)
            {
                _wake.Writer.TryWrite(true);
            }
        };
    }

    /// <summary>This daemon's node.</summary>
    public string NodeName { get; }

    /// <summary>The Lease's key.</summary>
    public ObjectKey Key { get; }

    /// <summary>The Lease name for a node: <c>spod-&lt;node&gt;</c>, or a prefix of it plus a hash when longer than 253 characters.</summary>
    public static string LeaseName(string nodeName)
    {
        ArgumentException.ThrowIfNullOrEmpty(nodeName);
        var name = "spod-" + nodeName;
        if (name.Length <= MaxNameLength)
        {
            return name;
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(nodeName)))[..16];
        return name[..(MaxNameLength - hash.Length - 1)].TrimEnd('-', '.') + "-" + hash;
    }

    /// <summary>What a Lease says, or null when it is not a daemon heartbeat (or is unreadable).</summary>
    public static DaemonHeartbeatView? Read(V1Lease lease)
    {
        ArgumentNullException.ThrowIfNull(lease);
        if (lease.Metadata?.Label(HeartbeatLabel) != "true" || lease.Spec?.HolderIdentity is not { Length: > 0 } node || lease.Spec.RenewTime is not { } renewed)
        {
            return null;
        }

        var generation = long.TryParse(lease.Metadata.Annotation(SpodGenerationAnnotation), NumberStyles.None, CultureInfo.InvariantCulture, out var g) ? g : 0;
        var duration = TimeSpan.FromSeconds(lease.Spec.LeaseDurationSeconds ?? (int)DefaultLeaseDuration.TotalSeconds);
        var renewedUtc = renewed.Kind == DateTimeKind.Local ? renewed.ToUniversalTime() : DateTime.SpecifyKind(renewed, DateTimeKind.Utc);
        return new DaemonHeartbeatView(node, generation, new DateTimeOffset(renewedUtc), duration);
    }

    /// <summary>Writes the Lease now and renews it until <paramref name="cancellationToken"/> ends; then deletes it.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var delay = _duration / 4;
                try
                {
                    await BeatAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    // Stopped while a write was in flight: a stop, not a failure.
                    break;
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    // The API server may be away for a while (a request timeout included): try again soon, well before the Lease runs out.
                    _logger.LogWarning(ex, "Cannot renew the daemon heartbeat Lease {Lease}", Key);
                    delay = TimeSpan.FromSeconds(1);
                }

                using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                var woken = _wake.Reader.WaitToReadAsync(wait.Token).AsTask();
                await Task.WhenAny(Task.Delay(delay, _time, wait.Token), woken).ConfigureAwait(false);
                await wait.CancelAsync().ConfigureAwait(false);
                _wake.Reader.TryRead(out _);
            }
        }
        finally
        {
            await StopAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Writes the Lease once: creates it, or renews it with the current SPOD generation.</summary>
    public async Task BeatAsync(CancellationToken cancellationToken)
    {
        var generation = _settings.Current.Generation.ToString(CultureInfo.InvariantCulture);
        var now = _time.GetUtcNow().UtcDateTime;
        var renewed = await _leases.UpdateWithRetryAsync(Key, lease => Renew(lease, generation, now), cancellationToken).ConfigureAwait(false);
        if (renewed is not null)
        {
            return;
        }

        try
        {
            await _leases.CreateAsync(New(generation, now), cancellationToken).ConfigureAwait(false);
        }
        catch (ResourceAlreadyExistsException)
        {
            // Created between our read and our create (a restart racing its own old run): renew it.
            await _leases.UpdateWithRetryAsync(Key, lease => Renew(lease, generation, now), cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task StopAsync()
    {
        // A clean stop says so at once instead of letting the Lease run out.
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _leases.DeleteAsync(Key, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _logger.LogInformation(ex, "Cannot delete the daemon heartbeat Lease {Lease}; it expires on its own", Key);
        }
    }

    private bool Renew(V1Lease lease, string generation, DateTime now)
    {
        lease.Metadata.Labels ??= new Dictionary<string, string>();
        lease.Metadata.Labels[HeartbeatLabel] = "true";
        lease.Metadata.Annotations ??= new Dictionary<string, string>();
        lease.Metadata.Annotations[SpodGenerationAnnotation] = generation;
        lease.Spec ??= new V1LeaseSpec();
        if (lease.Spec.HolderIdentity != NodeName)
        {
            lease.Spec.HolderIdentity = NodeName;
            lease.Spec.AcquireTime = now;
        }

        lease.Spec.LeaseDurationSeconds = (int)_duration.TotalSeconds;
        lease.Spec.RenewTime = now;
        return true;
    }

    private V1Lease New(string generation, DateTime now) => new()
    {
        ApiVersion = "coordination.k8s.io/v1",
        Kind = "Lease",
        Metadata = new V1ObjectMeta
        {
            Name = Key.Name,
            NamespaceProperty = Key.Namespace,
            Labels = new Dictionary<string, string> { [HeartbeatLabel] = "true" },
            Annotations = new Dictionary<string, string> { [SpodGenerationAnnotation] = generation },
        },
        Spec = new V1LeaseSpec
        {
            HolderIdentity = NodeName,
            AcquireTime = now,
            RenewTime = now,
            LeaseDurationSeconds = (int)_duration.TotalSeconds,
        },
    };
}
