using System.Text.Json;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SpoSdk.Api.Serialization;
using SpoSdk.Runtime.Backends;
using WatchEventType = SpoSdk.Runtime.Backends.WatchEventType;

namespace SpoSdk.Runtime.Informers;

/// <summary>What changed in an informer's cache.</summary>
public enum InformerEventType
{
    /// <summary>The object appeared.</summary>
    Added,

    /// <summary>The object changed.</summary>
    Updated,

    /// <summary>The object went away.</summary>
    Deleted,
}

/// <summary>One change to an informer's cache; the objects are shared snapshots: do not change them.</summary>
/// <param name="Type">What happened.</param>
/// <param name="Object">The object now (its last state for deletions).</param>
/// <param name="Old">The object before an update.</param>
public sealed record InformerEvent<T>(InformerEventType Type, T Object, T? Old);

/// <summary>What every informer can do, whatever it caches.</summary>
public interface IInformer : IAsyncDisposable
{
    /// <summary>Whether the first list has filled the cache.</summary>
    bool HasSynced { get; }

    /// <summary>Starts listing and watching in the background.</summary>
    void Start(CancellationToken cancellationToken = default);

    /// <summary>Waits until the first list has filled the cache.</summary>
    Task WaitForSyncAsync(CancellationToken cancellationToken = default);
}

/// <summary>Settings of an informer.</summary>
/// <param name="Namespace">Only objects of this namespace; null for all.</param>
/// <param name="Selector">Only objects matching these selectors (e.g. this node's pods).</param>
public sealed record InformerOptions(string? Namespace = null, ListOptions? Selector = null);

/// <summary>
/// A cache of one resource type kept current by list then watch, relisting after 410 Gone or a
/// broken watch (with backoff), and telling handlers what changed. Reconcilers read from it, not
/// from the backend. Reads return copies, so a reconciler may change what it got.
/// </summary>
/// <typeparam name="T">The model type.</typeparam>
public sealed class Informer<T> : IInformer
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly object _gate = new();
    private readonly Dictionary<ObjectKey, T> _cache = new();
    private readonly List<Action<InformerEvent<T>>> _handlers = new();

    // Held while the cache changes and handlers hear of it, or while a new handler takes its snapshot and hears its
    // replay: so a replay never holds a change still to be delivered. Always taken before _gate, never inside it.
    private readonly object _delivery = new();
    private readonly Dictionary<string, (Func<T, IEnumerable<string>> Keys, Dictionary<string, HashSet<ObjectKey>> Entries)> _indexes = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly IResourceClient<T> _client;
    private readonly InformerOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private CancellationTokenSource? _stop;
    private Task? _loop;
    private int _disposed;

    /// <summary>Creates an informer; <see cref="Start"/> begins listing.</summary>
    public Informer(IResourceClient<T> client, InformerOptions? options = null, TimeProvider? time = null, ILogger<Informer<T>>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        _client = client;
        _options = options ?? new InformerOptions();
        _time = time ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>Whether the first list has filled the cache.</summary>
    public bool HasSynced => _synced.Task.IsCompletedSuccessfully;

    /// <summary>
    /// Adds a handler; it first hears an Added for every object already cached. Disposing the
    /// returned handle removes it (a controller that lives for one leadership term lets go of its informers).
    /// </summary>
    public IDisposable AddHandler(Action<InformerEvent<T>> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);

        // The replay holds the delivery lock, so no change reaches the handler before the objects it changes: a
        // deletion that happens meanwhile is delivered after the replay, never before the replayed Added.
        lock (_delivery)
        {
            List<T> existing;
            lock (_gate)
            {
                _handlers.Add(handler);
                existing = [.. _cache.Values];
            }

            foreach (var obj in existing)
            {
                handler(new InformerEvent<T>(InformerEventType.Added, obj, null));
            }
        }

        return new HandlerRegistration(this, handler);
    }

    /// <summary>
    /// Adds an index: <paramref name="keys"/> maps an object to the values it is found under
    /// (e.g. a label's value), so <see cref="ByIndex"/> finds objects without scanning the cache.
    /// </summary>
    public void AddIndex(string name, Func<T, IEnumerable<string>> keys)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(keys);
        lock (_gate)
        {
            var entries = new Dictionary<string, HashSet<ObjectKey>>(StringComparer.Ordinal);
            _indexes.Add(name, (keys, entries));
            foreach (var (key, obj) in _cache)
            {
                Index(entries, keys, key, obj);
            }
        }
    }

    /// <summary>Copies of the cached objects found under <paramref name="value"/> in the index <paramref name="name"/>, ordered by namespace and name.</summary>
    public IReadOnlyList<T> ByIndex(string name, string value)
    {
        List<T> items;
        lock (_gate)
        {
            items = _indexes[name].Entries.TryGetValue(value, out var keys) ? keys.Select(k => _cache[k]).ToList() : [];
        }

        return items
            .OrderBy(o => o.Metadata.NamespaceProperty, StringComparer.Ordinal)
            .ThenBy(o => o.Metadata.Name, StringComparer.Ordinal)
            .Select(Clone)
            .ToList();
    }

    /// <summary>Starts listing and watching in the background until disposed or <paramref name="cancellationToken"/> ends.</summary>
    public void Start(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (_loop is not null)
            {
                return;
            }

            _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            _loop = Task.Run(() => RunAsync(_stop.Token), CancellationToken.None);
        }
    }

    /// <summary>Waits until the first list has filled the cache.</summary>
    public Task WaitForSyncAsync(CancellationToken cancellationToken = default) => _synced.Task.WaitAsync(cancellationToken);

    /// <summary>A copy of the cached object, or null.</summary>
    public T? Get(ObjectKey key)
    {
        lock (_gate)
        {
            return _cache.TryGetValue(key, out var obj) ? Clone(obj) : null;
        }
    }

    /// <summary>The keys of every cached object (no copies made).</summary>
    public IReadOnlyList<ObjectKey> Keys()
    {
        lock (_gate)
        {
            return [.. _cache.Keys];
        }
    }

    /// <summary>Copies of the cached objects that match, ordered by namespace and name.</summary>
    public IReadOnlyList<T> List(Func<T, bool>? predicate = null)
    {
        List<T> items;
        lock (_gate)
        {
            items = _cache.Values.Where(o => predicate is null || predicate(o)).ToList();
        }

        return items
            .OrderBy(o => o.Metadata.NamespaceProperty, StringComparer.Ordinal)
            .ThenBy(o => o.Metadata.Name, StringComparer.Ordinal)
            .Select(Clone)
            .ToList();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        // Owners may share an informer and each dispose it: only the first call stops it.
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Task? loop;
        lock (_gate)
        {
            loop = _loop;
            _stop?.Cancel();
        }

        if (loop is not null)
        {
            await loop.ConfigureAwait(false);
        }

        _stop?.Dispose();
    }

    /// <remarks>
    /// Every relist waits out a backoff, as client-go's reflector does: one that doubles while the list or the watch
    /// keeps failing (a watch refused at once, say by RBAC that grants list but not watch, or a 410 on every watch,
    /// would otherwise relist in a tight loop) and starts over once a watch has delivered something.
    /// </remarks>
    private async Task RunAsync(CancellationToken cancellationToken)
    {
        var initial = TimeSpan.FromMilliseconds(100);
        var backoff = initial;
        while (!cancellationToken.IsCancellationRequested)
        {
            var progress = new WatchProgress();
            try
            {
                var list = await _client.ListAsync(_options.Namespace, _options.Selector, cancellationToken).ConfigureAwait(false);
                Replace(list.Items);
                _synced.TrySetResult();
                await WatchAsync(list.ResourceVersion, progress, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                if (progress.Delivered)
                {
                    backoff = initial;
                }

                if (ex is ResourceGoneException)
                {
                    _logger.LogDebug("Watch of {Type} expired; listing again in {Delay}", _client.Type.Kind, backoff);
                }
                else
                {
                    _logger.LogWarning(ex, "List or watch of {Type} failed; retrying in {Delay}", _client.Type.Kind, backoff);
                }

                try
                {
                    await Task.Delay(backoff, _time, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(30).Ticks));
            }
        }
    }

    private async Task WatchAsync(string resourceVersion, WatchProgress progress, CancellationToken cancellationToken)
    {
        var version = resourceVersion;
        while (!cancellationToken.IsCancellationRequested)
        {
            await foreach (var change in _client.WatchAsync(_options.Namespace, version, _options.Selector, cancellationToken).ConfigureAwait(false))
            {
                progress.Delivered = true;
                version = change.ResourceVersion;
                if (change.Object is null || change.Type == WatchEventType.Bookmark)
                {
                    continue;
                }

                // The watch has the list's selector: objects that stop matching arrive as deletions and leave the cache.
                Apply(change.Type, change.Object);
            }
        }
    }

    private void Replace(IReadOnlyList<T> items)
    {
        // The cache change and its delivery are one step (see Notify).
        lock (_delivery)
        {
            var events = new List<InformerEvent<T>>();
            lock (_gate)
            {
                var fresh = items.ToDictionary(ObjectKey.Of);
                foreach (var (key, old) in _cache.Where(p => !fresh.ContainsKey(p.Key)).ToList())
                {
                    Store(key, null);
                    events.Add(new InformerEvent<T>(InformerEventType.Deleted, old, null));
                }

                foreach (var (key, obj) in fresh)
                {
                    if (_cache.TryGetValue(key, out var old))
                    {
                        if (old.Metadata.ResourceVersion != obj.Metadata.ResourceVersion)
                        {
                            events.Add(new InformerEvent<T>(InformerEventType.Updated, obj, old));
                        }
                    }
                    else
                    {
                        events.Add(new InformerEvent<T>(InformerEventType.Added, obj, null));
                    }

                    Store(key, obj);
                }
            }

            Notify(events);
        }
    }

    private void Apply(WatchEventType type, T obj)
    {
        var key = ObjectKey.Of(obj);
        lock (_delivery)
        {
            InformerEvent<T>? change;
            lock (_gate)
            {
                _cache.TryGetValue(key, out var old);
                if (type == WatchEventType.Deleted)
                {
                    Store(key, null);
                    change = new InformerEvent<T>(InformerEventType.Deleted, obj, old);
                }
                else
                {
                    Store(key, obj);
                    change = new InformerEvent<T>(old is null ? InformerEventType.Added : InformerEventType.Updated, obj, old);
                }
            }

            Notify([change]);
        }
    }

    // Every cache change goes through here, under the lock, so the indexes never disagree with the cache.
    private void Store(ObjectKey key, T? obj)
    {
        if (_cache.Remove(key, out var old))
        {
            foreach (var (keys, entries) in _indexes.Values)
            {
                foreach (var value in keys(old))
                {
                    if (entries.TryGetValue(value, out var set) && set.Remove(key) && set.Count == 0)
                    {
                        entries.Remove(value);
                    }
                }
            }
        }

        if (obj is not null)
        {
            _cache[key] = obj;
            foreach (var (keys, entries) in _indexes.Values)
            {
                Index(entries, keys, key, obj);
            }
        }
    }

    private static void Index(Dictionary<string, HashSet<ObjectKey>> entries, Func<T, IEnumerable<string>> keys, ObjectKey key, T obj)
    {
        foreach (var value in keys(obj))
        {
            if (!entries.TryGetValue(value, out var set))
            {
                entries[value] = set = new HashSet<ObjectKey>();
            }

            set.Add(key);
        }
    }

    private void Notify(List<InformerEvent<T>> events)
    {
        // Handlers hear changes one at a time and in order, and not while a new handler's replay runs (AddHandler).
        // The callers hold the delivery lock from before they change the cache: a handler added meanwhile either
        // took its snapshot before the change (and hears it here) or after this delivery (and has it in the snapshot),
        // never both. The handler list is read inside.
        lock (_delivery)
        {
            Action<InformerEvent<T>>[] handlers;
            lock (_gate)
            {
                handlers = [.. _handlers];
            }

            foreach (var change in events)
            {
                foreach (var handler in handlers)
                {
                    try
                    {
                        handler(change);
                    }
                    catch (Exception ex) when (ex is not OutOfMemoryException)
                    {
                        // One broken handler must not starve the others or stop the informer.
                        _logger.LogError(ex, "An informer handler for {Type} failed", _client.Type.Kind);
                    }
                }
            }
        }
    }

    /// <summary>Whether the current watch has delivered anything since the last list.</summary>
    private sealed class WatchProgress
    {
        public bool Delivered { get; set; }
    }

    private static T Clone(T obj) =>
        JsonSerializer.SerializeToNode(obj, SpoJsonOptions.Lenient).Deserialize<T>(SpoJsonOptions.Lenient)!;

    private sealed class HandlerRegistration(Informer<T> informer, Action<InformerEvent<T>> handler) : IDisposable
    {
        public void Dispose()
        {
            lock (informer._gate)
            {
                informer._handlers.Remove(handler);
            }
        }
    }
}
