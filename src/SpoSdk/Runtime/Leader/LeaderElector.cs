using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SpoSdk.Runtime.Backends;

namespace SpoSdk.Runtime.Leader;

/// <summary>Says that an instance started or stopped leading.</summary>
/// <param name="IsLeader">Whether this instance leads now.</param>
/// <param name="Leader">The holder this instance last saw on the Lease (itself when leading), or null.</param>
public sealed record LeadershipChange(bool IsLeader, string? Leader);

/// <summary>
/// Campaigns for a <c>coordination.k8s.io/v1</c> Lease as client-go's leader election does, but
/// without ending the process on loss: the work run while leading gets a cancelled token instead
/// and the elector campaigns again.
/// </summary>
/// <remarks>
/// <para>Safety comes from three rules. Every write carries the read <c>resourceVersion</c>, so of two
/// candidates racing for a free Lease exactly one wins (the other gets 409). A standby takes over only
/// after the Lease has not changed for <see cref="LeaderElectionOptions.LeaseDuration"/> measured on its
/// own clock from when it saw the change (so clock skew between hosts does not matter). A leader that has
/// not renewed for <see cref="LeaderElectionOptions.RenewDeadline"/> (shorter) cancels its work and only
/// campaigns again once that work has returned.</para>
/// <para>Cancellation is cooperative: a reconcile in flight finishes or aborts at its next await. Work
/// that ignores its token for longer than LeaseDuration − RenewDeadline can overlap with the next leader;
/// reconcilers here write with resourceVersion checks, so such an overlap costs a 409, not a lost update.</para>
/// </remarks>
public sealed class LeaderElector
{
    private readonly IResourceClient<V1Lease> _leases;
    private readonly LeaderElectionOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly object _gate = new();
    private string? _observedVersion;
    private long _observedAt;
    private TimeSpan _observedDuration;
    private string? _observedHolder;
    private bool _isLeader;

    /// <summary>Creates a candidate for the Lease <paramref name="options"/> names.</summary>
    /// <param name="backend">Where the Lease lives.</param>
    /// <param name="defaultNamespace">The Lease's namespace when the options name none (the operator namespace).</param>
    /// <param name="options">The Lease and timings; checked here.</param>
    /// <param name="time">The clock for every wait and every Lease timestamp.</param>
    /// <param name="logger">Where transitions and failures are logged.</param>
    public LeaderElector(IClusterBackend backend, string defaultNamespace, LeaderElectionOptions options, TimeProvider? time = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentException.ThrowIfNullOrEmpty(defaultNamespace);
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Problems().ToList();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", problems), nameof(options));
        }

        _leases = backend.Resource<V1Lease>();
        _options = options;
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        Identity = options.Identity ?? Environment.MachineName.ToLowerInvariant() + "_" + Guid.NewGuid().ToString("N");
        LeaseKey = new ObjectKey(options.LeaseNamespace ?? defaultNamespace, options.LeaseName);
    }

    /// <summary>Raised when this instance starts or stops leading, or sees another holder on the Lease (on the elector's loop; keep handlers short).</summary>
    public event EventHandler<LeadershipChange>? LeadershipChanged;

    /// <summary>This candidate's <c>holderIdentity</c>.</summary>
    public string Identity { get; }

    /// <summary>The Lease campaigned for.</summary>
    public ObjectKey LeaseKey { get; }

    /// <summary>Whether this instance leads now.</summary>
    public bool IsLeader
    {
        get
        {
            lock (_gate)
            {
                return _isLeader;
            }
        }
    }

    /// <summary>The holder last seen on the Lease, or null when it is free or not read yet.</summary>
    public string? ObservedLeader
    {
        get
        {
            lock (_gate)
            {
                return _observedHolder;
            }
        }
    }

    /// <summary>
    /// Campaigns until <paramref name="cancellationToken"/> ends: while this instance leads,
    /// <paramref name="whileLeading"/> runs with a token that is cancelled when leadership is lost
    /// (or on stop); after it returns the instance campaigns again. On stop the Lease is handed back
    /// when <see cref="LeaderElectionOptions.ReleaseOnCancel"/> is set, after the work has returned.
    /// </summary>
    public async Task RunAsync(Func<CancellationToken, Task> whileLeading, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(whileLeading);
        while (!cancellationToken.IsCancellationRequested)
        {
            // A term is dated from the request that won it, not from its answer (see LeadAsync).
            var attemptedAt = _time.GetTimestamp();
            if (!await TryStepAsync(cancellationToken).ConfigureAwait(false) || AnsweredTooLate(attemptedAt))
            {
                if (!await DelayAsync(_options.RetryPeriod, cancellationToken).ConfigureAwait(false))
                {
                    break;
                }

                continue;
            }

            if (await LeadAsync(whileLeading, attemptedAt, cancellationToken).ConfigureAwait(false))
            {
                // The work ended on its own: let another instance try it rather than restart it here at once.
                await ReleaseAsync().ConfigureAwait(false);
                if (!await DelayAsync(_options.RetryPeriod, cancellationToken).ConfigureAwait(false))
                {
                    break;
                }
            }
        }

        if (_options.ReleaseOnCancel)
        {
            await ReleaseAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// One campaign step: creates the Lease, renews it when this instance holds it, or takes it over when
    /// it is free or has not changed for the lease duration. True when this instance holds it afterwards.
    /// </summary>
    public async Task<bool> TryAcquireOrRenewAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        var lease = await _leases.GetAsync(LeaseKey, cancellationToken).ConfigureAwait(false);
        if (lease is null)
        {
            try
            {
                var created = await _leases.CreateAsync(NewLease(now), cancellationToken).ConfigureAwait(false);
                Observe(created);
                return true;
            }
            catch (ResourceAlreadyExistsException)
            {
                return false;
            }
        }

        Observe(lease);
        lease.Spec ??= new V1LeaseSpec();
        var holder = lease.Spec.HolderIdentity;
        var mine = holder == Identity;
        if (!mine && !string.IsNullOrEmpty(holder) && !ObservedLeaseExpired())
        {
            return false;
        }

        if (!mine)
        {
            // A new holder: a transition, as client-go counts it.
            lease.Spec.AcquireTime = now;
            lease.Spec.LeaseTransitions = (lease.Spec.LeaseTransitions ?? 0) + 1;
        }

        lease.Spec.HolderIdentity = Identity;
        lease.Spec.LeaseDurationSeconds = (int)_options.LeaseDuration.TotalSeconds;
        lease.Spec.RenewTime = now;
        try
        {
            // The read resourceVersion rides along: a candidate that raced us gets 409 and stays standby.
            var updated = await _leases.UpdateAsync(lease, cancellationToken).ConfigureAwait(false);
            Observe(updated);
            return true;
        }
        catch (Exception ex) when (ex is ResourceConflictException or ResourceNotFoundException)
        {
            return false;
        }
    }

    /// <summary>Hands the Lease back (holder cleared) when this instance holds it, so a standby takes over at its next try.</summary>
    public async Task ReleaseAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(_options.RenewDeadline, _time);
            await _leases.UpdateWithRetryAsync(LeaseKey, lease =>
            {
                if (lease.Spec?.HolderIdentity != Identity)
                {
                    return false;
                }

                var now = _time.GetUtcNow().UtcDateTime;
                lease.Spec.HolderIdentity = null;
                lease.Spec.LeaseDurationSeconds = 1;
                lease.Spec.AcquireTime = now;
                lease.Spec.RenewTime = now;
                return true;
            }, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _logger.LogInformation(ex, "Cannot release the leader Lease {Lease}; it expires on its own", LeaseKey);
        }
    }

    // Leads until the Lease is lost or the stop; true when the work ended on its own instead.
    // Renewals are dated from when their request was sent: the server may have committed it at any point until the
    // answer came, and a standby counts the lease duration from the commit, so counting from the answer could let a
    // leader whose answer was slow lead on after a standby has taken over.
    private async Task<bool> LeadAsync(Func<CancellationToken, Task> whileLeading, long acquiredAt, CancellationToken cancellationToken)
    {
        var endedEarly = false;
        var renewedAt = acquiredAt;
        using var term = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        SetLeader(true);
        var work = Task.Run(() => whileLeading(term.Token), CancellationToken.None);
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var untilDeadline = _options.RenewDeadline - _time.GetElapsedTime(renewedAt);
                if (untilDeadline <= TimeSpan.Zero)
                {
                    _logger.LogWarning("Lost the leader Lease {Lease}: not renewed within {Deadline}", LeaseKey, _options.RenewDeadline);
                    break;
                }

                var wait = Task.Delay(untilDeadline < _options.RetryPeriod ? untilDeadline : _options.RetryPeriod, _time, cancellationToken);
                if (await Task.WhenAny(wait, work).ConfigureAwait(false) == work && !cancellationToken.IsCancellationRequested)
                {
                    // The leader's work should run until cancelled; when it ends early, step down so another instance can do it.
                    _logger.LogError(work.Exception, "The manager work ended while leading; stepping down from {Lease}", LeaseKey);
                    endedEarly = true;
                    break;
                }

                if (cancellationToken.IsCancellationRequested)
                {
                    break;
                }

                if (_time.GetElapsedTime(renewedAt) >= _options.RenewDeadline)
                {
                    continue;
                }

                var renewingAt = _time.GetTimestamp();
                if (await TryRenewWithinDeadlineAsync(renewedAt, cancellationToken).ConfigureAwait(false))
                {
                    renewedAt = renewingAt;
                }
                else if (ObservedLeader is { Length: > 0 } other && other != Identity)
                {
                    _logger.LogWarning("Lost the leader Lease {Lease} to {Holder}", LeaseKey, other);
                    break;
                }
            }
        }
        finally
        {
            // Stop the manager work before anything else may claim the Lease: cancel, then wait for it.
            await term.CancelAsync().ConfigureAwait(false);
            try
            {
                await work.ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                if (ex is not OperationCanceledException)
                {
                    _logger.LogError(ex, "The manager work failed while leading {Lease}", LeaseKey);
                }
            }

            SetLeader(false);
        }

        return endedEarly;
    }

    // A renewal that cannot finish before the renew deadline counts as failed, so a hung request never stretches leadership.
    private async Task<bool> TryRenewWithinDeadlineAsync(long renewedAt, CancellationToken cancellationToken)
    {
        var left = _options.RenewDeadline - _time.GetElapsedTime(renewedAt);
        using var timer = new CancellationTokenSource(left > TimeSpan.Zero ? left : TimeSpan.FromTicks(1), _time);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
        try
        {
            return await TryAcquireOrRenewAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            if (!cancellationToken.IsCancellationRequested)
            {
                _logger.LogWarning(ex, "Cannot renew the leader Lease {Lease}", LeaseKey);
            }

            return false;
        }
    }

    private async Task<bool> TryStepAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await TryAcquireOrRenewAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return false;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _logger.LogWarning(ex, "Cannot read or write the leader Lease {Lease}; trying again", LeaseKey);
            return false;
        }
    }

    // An acquisition answered only after the renew deadline (dated from its request) is not a term: a standby may have
    // taken the Lease over meanwhile, and this instance would lead until its first check. The next step reads the Lease again.
    private bool AnsweredTooLate(long attemptedAt)
    {
        if (_time.GetElapsedTime(attemptedAt) < _options.RenewDeadline)
        {
            return false;
        }

        _logger.LogWarning("The answer to acquiring the leader Lease {Lease} came after the renew deadline {Deadline}; not leading on it", LeaseKey, _options.RenewDeadline);
        return true;
    }

    private async Task<bool> DelayAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private V1Lease NewLease(DateTime now) => new()
    {
        ApiVersion = "coordination.k8s.io/v1",
        Kind = "Lease",
        Metadata = new V1ObjectMeta { Name = LeaseKey.Name, NamespaceProperty = LeaseKey.Namespace },
        Spec = new V1LeaseSpec
        {
            HolderIdentity = Identity,
            LeaseDurationSeconds = (int)_options.LeaseDuration.TotalSeconds,
            AcquireTime = now,
            RenewTime = now,
            LeaseTransitions = 0,
        },
    };

    // The clock starts when this instance sees the Lease change, not at the renewTime written by another host.
    private void Observe(V1Lease lease)
    {
        bool holderChanged;
        bool leading;
        string? holder;
        lock (_gate)
        {
            if (lease.Metadata?.ResourceVersion != _observedVersion || _observedVersion is null)
            {
                _observedVersion = lease.Metadata?.ResourceVersion;
                _observedAt = _time.GetTimestamp();
            }

            // The holder's own leaseDurationSeconds, as client-go reads it; ours when it wrote none.
            _observedDuration = lease.Spec?.LeaseDurationSeconds is { } seconds && seconds > 0 ? TimeSpan.FromSeconds(seconds) : _options.LeaseDuration;

            holder = lease.Spec?.HolderIdentity is { Length: > 0 } written ? written : null;
            holderChanged = holder != _observedHolder;
            _observedHolder = holder;
            leading = _isLeader;
        }

        if (holderChanged)
        {
            LeadershipChanged?.Invoke(this, new LeadershipChange(leading, holder));
        }
    }

    private bool ObservedLeaseExpired()
    {
        lock (_gate)
        {
            return _time.GetElapsedTime(_observedAt) >= _observedDuration;
        }
    }

    private void SetLeader(bool leading)
    {
        lock (_gate)
        {
            if (_isLeader == leading)
            {
                return;
            }

            _isLeader = leading;
        }

        _logger.LogInformation(leading ? "Leading {Lease} as {Identity}" : "Stopped leading {Lease} as {Identity}", LeaseKey, Identity);
        LeadershipChanged?.Invoke(this, new LeadershipChange(leading, leading ? Identity : ObservedLeader));
    }
}
