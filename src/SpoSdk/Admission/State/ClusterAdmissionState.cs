using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SpoSdk.Api.Naming;
using SpoSdk.Api.V1;
using SpoSdk.Runtime;
using SpoSdk.Runtime.Backends;
using SpoSdk.Runtime.Informers;

namespace SpoSdk.Admission.State;

/// <summary>
/// The webhooks' state over a cluster backend (in-memory or Kubernetes): bindings, recordings and
/// profiles from informers, indexed as their events arrive so admission reads without copying or
/// calling the API; pods and namespaces read on demand (they are never cached, see #1385); and the
/// bookkeeping written through the backend's clients with read-fresh, write-on-change and retry on 409.
/// </summary>
/// <remarks>
/// The informers start on first use, or earlier through <see cref="StartAsync"/>; a lookup waits for
/// the first list (within the admission's time budget), so a webhook that has just started does not
/// answer from an empty cache.
/// </remarks>
public sealed class ClusterAdmissionState : IAdmissionLookups, IWorkloadBookkeeping, IAsyncDisposable
{
    // Conflicts left once this process's writers take turns come from other writers (another webhook replica, a
    // controller): retried with a growing, jittered pause, as upstream retries (it pauses 10 ms, five times).
    private const int WriteAttempts = 8;
    private static readonly TimeSpan FirstConflictPause = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan LongestConflictPause = TimeSpan.FromMilliseconds(320);

    private readonly KeyedGate<(Type Kind, ObjectKey Key)> _writers = new();

    private readonly IClusterBackend _backend;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string _eventSource;
    private readonly object _startGate = new();
    private readonly Informer<ProfileBinding> _bindingInformer;
    private readonly Informer<ProfileRecording> _recordingInformer;
    private readonly Informer<SeccompProfile> _seccompInformer;
    private readonly Informer<SelinuxProfile> _selinuxInformer;
    private readonly Informer<AppArmorProfile> _appArmorInformer;
    private readonly NamespacedIndex<ProfileBinding> _bindings = new();
    private readonly NamespacedIndex<ProfileRecording> _recordings = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(ProfileBindingProfileKind, string), BindableProfile> _profiles = new();
    private readonly CancellationTokenSource _stop = new();
    private int _disposed;

    // The operator's informers when shared; null when this state made (and owns) its own.
    private readonly Hosting.InformerFactory? _sharedInformers;
    private Task? _synced;

    /// <summary>Creates the state; nothing is listed until <see cref="StartAsync"/> or the first lookup.</summary>
    /// <param name="backend">The cluster.</param>
    /// <param name="eventSource">The component name on the Events it writes.</param>
    /// <param name="time">The clock.</param>
    /// <param name="loggers">Logging.</param>
    /// <param name="informers">
    /// The SDK instance's shared informers (as the hosted operator registers them), so the webhooks
    /// read the operator's caches instead of keeping their own; null makes private ones.
    /// </param>
    public ClusterAdmissionState(IClusterBackend backend, string eventSource = "security-profiles-operator-webhook", TimeProvider? time = null, ILoggerFactory? loggers = null, Hosting.InformerFactory? informers = null)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentException.ThrowIfNullOrEmpty(eventSource);
        _backend = backend;
        _eventSource = eventSource;
        _time = time ?? TimeProvider.System;
        loggers ??= NullLoggerFactory.Instance;
        _logger = loggers.CreateLogger<ClusterAdmissionState>();
        _sharedInformers = informers;
        _bindingInformer = informers?.For<ProfileBinding>() ?? new(backend.Resource<ProfileBinding>(), time: _time, logger: loggers.CreateLogger<Informer<ProfileBinding>>());
        _recordingInformer = informers?.For<ProfileRecording>() ?? new(backend.Resource<ProfileRecording>(), time: _time, logger: loggers.CreateLogger<Informer<ProfileRecording>>());
        _seccompInformer = informers?.For<SeccompProfile>() ?? new(backend.Resource<SeccompProfile>(), time: _time, logger: loggers.CreateLogger<Informer<SeccompProfile>>());
        _selinuxInformer = informers?.For<SelinuxProfile>() ?? new(backend.Resource<SelinuxProfile>(), time: _time, logger: loggers.CreateLogger<Informer<SelinuxProfile>>());
        _appArmorInformer = informers?.For<AppArmorProfile>() ?? new(backend.Resource<AppArmorProfile>(), time: _time, logger: loggers.CreateLogger<Informer<AppArmorProfile>>());
        _bindingInformer.AddHandler(_bindings.Apply);
        _recordingInformer.AddHandler(_recordings.Apply);
        _seccompInformer.AddHandler(e => ApplyProfile(e.Type, ProfileBindingProfileKind.SeccompProfile, e.Object.Metadata.Name, e.Object.Status?.Status?.Value is { Length: > 0 }, e.Object.Status?.LocalhostProfile, null));
        _selinuxInformer.AddHandler(e => ApplyProfile(e.Type, ProfileBindingProfileKind.SelinuxProfile, e.Object.Metadata.Name, e.Object.Status?.Status?.Value is { Length: > 0 }, null, e.Object.Status?.Usage));
        _appArmorInformer.AddHandler(e => ApplyProfile(e.Type, ProfileBindingProfileKind.AppArmorProfile, e.Object.Metadata.Name, e.Object.Status?.Status?.Value is { Length: > 0 }, null, null));
    }

    /// <summary>Starts the informers and waits until each has listed once.</summary>
    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        lock (_startGate)
        {
            if (_synced is null)
            {
                // Shared informers belong to the operator: disposing this state must not stop them, but the operator's
                // stop must, even when this state starts them first (an informer starts once).
                var lifetime = _sharedInformers?.Lifetime ?? _stop.Token;
                _bindingInformer.Start(lifetime);
                _recordingInformer.Start(lifetime);
                _seccompInformer.Start(lifetime);
                _selinuxInformer.Start(lifetime);
                _appArmorInformer.Start(lifetime);
                _synced = Task.WhenAll(
                    _bindingInformer.WaitForSyncAsync(_stop.Token),
                    _recordingInformer.WaitForSyncAsync(_stop.Token),
                    _seccompInformer.WaitForSyncAsync(_stop.Token),
                    _selinuxInformer.WaitForSyncAsync(_stop.Token),
                    _appArmorInformer.WaitForSyncAsync(_stop.Token));
            }
        }

        return _synced.WaitAsync(cancellationToken);
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<ProfileBinding>> ListProfileBindingsAsync(string @namespace, CancellationToken cancellationToken)
    {
        await StartAsync(cancellationToken).ConfigureAwait(false);
        return _bindings.List(@namespace);
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<ProfileRecording>> ListProfileRecordingsAsync(string @namespace, CancellationToken cancellationToken)
    {
        await StartAsync(cancellationToken).ConfigureAwait(false);
        return _recordings.List(@namespace);
    }

    /// <inheritdoc />
    public async ValueTask<BindableProfile?> GetProfileAsync(ProfileBindingProfileKind kind, string name, CancellationToken cancellationToken)
    {
        await StartAsync(cancellationToken).ConfigureAwait(false);
        return _profiles.GetValueOrDefault((kind, name));
    }

    /// <inheritdoc />
    public async ValueTask<bool> HasOtherLivePodsAsync(string @namespace, string generateName, string excludingName, CancellationToken cancellationToken)
    {
        var pods = await _backend.Resource<V1Pod>().ListAsync(@namespace, cancellationToken: cancellationToken).ConfigureAwait(false);
        return pods.Items.Any(p => p.Metadata.GenerateName == generateName && p.Metadata.Name != excludingName && p.Metadata.DeletionTimestamp is null);
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyDictionary<string, string>?> GetNamespaceLabelsAsync(string @namespace, CancellationToken cancellationToken)
    {
        var ns = await _backend.Resource<V1Namespace>().GetAsync(ObjectKey.Cluster(@namespace), cancellationToken).ConfigureAwait(false);
        return ns is null ? null : (IReadOnlyDictionary<string, string>)(ns.Metadata.Labels ?? new Dictionary<string, string>());
    }

    /// <inheritdoc />
    public ValueTask AddWorkloadAsync(WorkloadOwnerKind kind, ObjectKey owner, string workload, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(workload);

        // Steady state — another replica of a tracked Deployment — is settled from the cache without
        // an API read. The cache can only be behind by a removal made moments ago, and missing that
        // unlocks the owner early, never locks it for good.
        var cached = kind == WorkloadOwnerKind.ProfileBinding
            ? Tracks(_bindings.Get(owner), b => b.Status?.ActiveWorkloads, workload, SpoFinalizers.ActiveWorkloadLock)
            : Tracks(_recordings.Get(owner), r => r.Status?.ActiveWorkloads, workload, SpoFinalizers.ActiveRecordingLock);
        if (cached)
        {
            return ValueTask.CompletedTask;
        }

        return kind == WorkloadOwnerKind.ProfileBinding
            ? ChangeAsync(_backend.Resource<ProfileBinding>(), owner, b => (b.Status ??= new()).ActiveWorkloads ??= [], SpoFinalizers.ActiveWorkloadLock, add: [workload], remove: [], cancellationToken)
            : ChangeAsync(_backend.Resource<ProfileRecording>(), owner, r => (r.Status ??= new()).ActiveWorkloads ??= [], SpoFinalizers.ActiveRecordingLock, add: [workload], remove: [], cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask RemoveWorkloadsAsync(WorkloadOwnerKind kind, ObjectKey owner, IReadOnlyCollection<string> workloads, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(workloads);
        return kind == WorkloadOwnerKind.ProfileBinding
            ? ChangeAsync(_backend.Resource<ProfileBinding>(), owner, b => (b.Status ??= new()).ActiveWorkloads ??= [], SpoFinalizers.ActiveWorkloadLock, add: [], remove: workloads, cancellationToken)
            : ChangeAsync(_backend.Resource<ProfileRecording>(), owner, r => (r.Status ??= new()).ActiveWorkloads ??= [], SpoFinalizers.ActiveRecordingLock, add: [], remove: workloads, cancellationToken);
    }

    /// <inheritdoc />
    public async ValueTask WarnAsync(WorkloadOwnerKind kind, ObjectKey owner, string reason, string message, CancellationToken cancellationToken)
    {
        try
        {
            var now = _time.GetUtcNow().UtcDateTime;
            var type = kind == WorkloadOwnerKind.ProfileBinding ? ResourceType.Of<ProfileBinding>() : ResourceType.Of<ProfileRecording>();
            await _backend.Resource<Corev1Event>().CreateAsync(
                new Corev1Event
                {
                    Metadata = new V1ObjectMeta { Name = owner.Name + "." + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8)), NamespaceProperty = owner.Namespace },
                    InvolvedObject = new V1ObjectReference { ApiVersion = type.ApiVersion, Kind = type.Kind, Name = owner.Name, NamespaceProperty = owner.Namespace },
                    Reason = reason,
                    Message = message,
                    Type = "Warning",
                    Source = new V1EventSource { Component = _eventSource },
                    ReportingComponent = _eventSource,
                    FirstTimestamp = now,
                    LastTimestamp = now,
                    Count = 1,
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            _logger.LogDebug(ex, "Could not record event {Reason} for {Owner}", reason, owner);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        // The container disposes this once per service it is registered as (itself, the lookups, the bookkeeping).
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        if (_sharedInformers is null)
        {
            await _bindingInformer.DisposeAsync().ConfigureAwait(false);
            await _recordingInformer.DisposeAsync().ConfigureAwait(false);
            await _seccompInformer.DisposeAsync().ConfigureAwait(false);
            await _selinuxInformer.DisposeAsync().ConfigureAwait(false);
            await _appArmorInformer.DisposeAsync().ConfigureAwait(false);
        }

        _stop.Dispose();
    }

    private static bool Tracks<T>(T? owner, Func<T, IList<string>?> workloadsOf, string workload, string finalizer)
        where T : class, IKubernetesObject<V1ObjectMeta> =>
        owner is not null && workloadsOf(owner)?.Contains(workload) == true && owner.Metadata.Finalizers?.Contains(finalizer) == true;

    private void ApplyProfile(InformerEventType type, ProfileBindingProfileKind kind, string name, bool hasStatus, string? localhostProfile, string? usage)
    {
        if (type == InformerEventType.Deleted)
        {
            _profiles.TryRemove((kind, name), out _);
        }
        else
        {
            _profiles[(kind, name)] = new BindableProfile(kind, name, hasStatus, localhostProfile, usage);
        }
    }

    // Read fresh, change the list and the finalizer, write what changed (status first, as upstream),
    // and start over from a fresh read on a conflict. This process's writers of one owner take turns.
    private async ValueTask ChangeAsync<T>(IResourceClient<T> client, ObjectKey key, Func<T, IList<string>> workloadsOf, string finalizer, IReadOnlyCollection<string> add, IReadOnlyCollection<string> remove, CancellationToken cancellationToken)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        using var turn = await _writers.EnterAsync((typeof(T), key), cancellationToken).ConfigureAwait(false);
        for (var attempt = 1; ; attempt++)
        {
            var current = await client.GetAsync(key, cancellationToken).ConfigureAwait(false);
            if (current is null)
            {
                return;
            }

            if (add.Count > 0 && current.Metadata.DeletionTimestamp is not null && current.Metadata.Finalizers?.Contains(finalizer) != true)
            {
                // Deleted since the cache was read: it tracks no new pod (as the webhooks skip it), and the API server
                // refuses a new finalizer on it.
                return;
            }

            try
            {
                var workloads = workloadsOf(current);
                var changed = false;
                foreach (var workload in add.Where(w => !workloads.Contains(w)))
                {
                    workloads.Add(workload);
                    changed = true;
                }

                foreach (var workload in remove)
                {
                    changed |= workloads.Remove(workload);
                }

                if (changed)
                {
                    current = await client.UpdateStatusAsync(current, cancellationToken).ConfigureAwait(false);
                    workloads = workloadsOf(current);
                }

                var finalizers = current.Metadata.Finalizers ?? [];
                var hasFinalizer = finalizers.Contains(finalizer);
                if (add.Count > 0 && !hasFinalizer)
                {
                    current.Metadata.Finalizers = [.. finalizers, finalizer];
                    await client.UpdateAsync(current, cancellationToken).ConfigureAwait(false);
                }
                else if (add.Count == 0 && hasFinalizer && workloads.Count == 0)
                {
                    current.Metadata.Finalizers = finalizers.Where(f => f != finalizer).ToList();
                    await client.UpdateAsync(current, cancellationToken).ConfigureAwait(false);
                }

                return;
            }
            catch (ResourceConflictException) when (attempt < WriteAttempts)
            {
                // Someone else wrote first: read their version and apply the change again.
                await Task.Delay(ConflictPause(attempt), _time, cancellationToken).ConfigureAwait(false);
            }
            catch (ResourceNotFoundException)
            {
                return;
            }
        }
    }

    private static TimeSpan ConflictPause(int attempt)
    {
        var pause = Math.Min(FirstConflictPause.Ticks << (attempt - 1), LongestConflictPause.Ticks);
        return TimeSpan.FromTicks((long)(pause * (0.5 + Random.Shared.NextDouble())));
    }

    /// <summary>How many owners have a bookkeeping write in progress or waiting (for tests).</summary>
    internal int OwnersBeingWritten => _writers.Count;

    // Per-namespace, name-ordered snapshots built from informer events; a namespace's list is rebuilt
    // only after a change in it, so an admission reads a ready array without copying.
    private sealed class NamespacedIndex<T>
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        private readonly object _gate = new();
        private readonly Dictionary<string, SortedDictionary<string, T>> _objects = new(StringComparer.Ordinal);
        private readonly Dictionary<string, IReadOnlyList<T>> _lists = new(StringComparer.Ordinal);

        public void Apply(InformerEvent<T> change)
        {
            var ns = change.Object.Metadata.NamespaceProperty ?? string.Empty;
            var name = change.Object.Metadata.Name;
            lock (_gate)
            {
                if (!_objects.TryGetValue(ns, out var objects))
                {
                    objects = _objects[ns] = new SortedDictionary<string, T>(StringComparer.Ordinal);
                }

                if (change.Type == InformerEventType.Deleted)
                {
                    objects.Remove(name);
                }
                else
                {
                    objects[name] = change.Object;
                }

                _lists.Remove(ns);
            }
        }

        public T? Get(ObjectKey key)
        {
            lock (_gate)
            {
                return _objects.TryGetValue(key.Namespace ?? string.Empty, out var objects) && objects.TryGetValue(key.Name, out var obj) ? obj : null;
            }
        }

        public IReadOnlyList<T> List(string @namespace)
        {
            lock (_gate)
            {
                if (_lists.TryGetValue(@namespace, out var list))
                {
                    return list;
                }

                list = _objects.TryGetValue(@namespace, out var objects) ? objects.Values.ToArray() : [];
                _lists[@namespace] = list;
                return list;
            }
        }
    }
}
