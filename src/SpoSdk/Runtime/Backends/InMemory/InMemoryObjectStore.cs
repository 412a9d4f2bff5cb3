using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using SpoSdk.Api.Schema;
using SpoSdk.Runtime.Backends.Apply;

namespace SpoSdk.Runtime.Backends.InMemory;

/// <summary>
/// The objects of an in-memory cluster, as JSON, with the API server's bookkeeping: uid,
/// creationTimestamp, one resourceVersion counter for everything, generation bumped on spec
/// changes, 409 on a stale update, finalizers holding deletion behind a deletionTimestamp, and
/// watches resumable from a bounded history (410 Gone beyond it). The in-memory backend and the
/// test API server both sit on it. Objects go in and out as copies; thread-safe.
/// </summary>
public sealed class InMemoryObjectStore
{
    /// <summary>What the API server answers (500) to a create that carries a resourceVersion.</summary>
    public const string ResourceVersionOnCreate = "resourceVersion should not be set on objects to be created";

    private readonly object _gate = new();
    private readonly Dictionary<StoredKey, Stored> _objects = new();
    private readonly LinkedList<StoreEvent> _history = new();
    private readonly List<Watcher> _watchers = new();
    private readonly InMemoryStoreOptions _options;
    private readonly TimeProvider _time;
    private readonly ObjectFiles? _files;
    private long _resourceVersion;

    /// <summary>Creates a store, loading persisted objects when a directory is configured.</summary>
    public InMemoryObjectStore(InMemoryStoreOptions? options = null, TimeProvider? time = null)
    {
        _options = options ?? new InMemoryStoreOptions();
        _time = time ?? TimeProvider.System;
        if (_options.PersistenceDirectory is { } directory)
        {
            _files = new ObjectFiles(directory);
            foreach (var (kindKey, objectKey, json) in _files.LoadAll())
            {
                var key = new StoredKey(kindKey, objectKey);
                var version = long.TryParse(json["metadata"]?["resourceVersion"]?.GetValue<string>(), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : 0;
                _objects[key] = new Stored(json, version);
                _resourceVersion = Math.Max(_resourceVersion, version);
            }
        }
    }

    /// <summary>The settings this store was created with.</summary>
    public InMemoryStoreOptions Options => _options;

    /// <summary>The clock of timestamps (creation, deletion, managed fields).</summary>
    internal TimeProvider Time => _time;

    /// <summary>The resourceVersion of the whole store now.</summary>
    public string ResourceVersion
    {
        get
        {
            lock (_gate)
            {
                return Format(_resourceVersion);
            }
        }
    }

    /// <summary>A copy of the object, or null.</summary>
    public JsonObject? Get(StoreKind kind, ObjectKey key)
    {
        lock (_gate)
        {
            return _objects.TryGetValue(new StoredKey(kind.Key, key), out var stored) ? Copy(stored.Json) : null;
        }
    }

    /// <summary>Copies of the objects of a kind (in one namespace when given) that match, sorted by namespace and name, and the store's version.</summary>
    public (IReadOnlyList<JsonObject> Items, string ResourceVersion) List(StoreKind kind, string? @namespace, Selector selector)
    {
        ArgumentNullException.ThrowIfNull(selector);
        lock (_gate)
        {
            return (Matching(kind, @namespace, selector).Select(p => Copy(p.Value.Json)).ToList(), Format(_resourceVersion));
        }
    }

    /// <summary>
    /// One page of <see cref="List"/>: at most <paramref name="limit"/> objects (0: all) after the position
    /// <paramref name="continueToken"/> names, and the token of the next page. Later pages report the first
    /// page's version, so a watch from it replays whatever changed while the pages were read.
    /// A token this store did not issue is <see cref="ResourceBadRequestException"/>.
    /// </summary>
    public StoreListPage ListPage(StoreKind kind, string? @namespace, Selector selector, int limit, string? continueToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        ArgumentNullException.ThrowIfNull(selector);
        var resume = ContinueToken.Decode(continueToken);
        lock (_gate)
        {
            // Only the page's objects are copied: positions are compared on the stored keys.
            var after = Matching(kind, @namespace, selector)
                .Where(p => resume is null || ContinueToken.Compare((p.Key.Key.Namespace ?? string.Empty, p.Key.Key.Name), resume.After) > 0)
                .ToList();
            var version = resume?.ResourceVersion ?? Format(_resourceVersion);
            if (limit == 0 || after.Count <= limit)
            {
                return new StoreListPage(after.Select(p => Copy(p.Value.Json)).ToList(), version, null, 0);
            }

            var page = after.Take(limit).Select(p => Copy(p.Value.Json)).ToList();
            return new StoreListPage(page, version, ContinueToken.Encode(version, ContinueToken.KeyOf(page[^1])), after.Count - limit);
        }
    }

    // The stored objects of a kind that match, in list order (namespace, then name); call under the lock.
    private IEnumerable<KeyValuePair<StoredKey, Stored>> Matching(StoreKind kind, string? @namespace, Selector selector) =>
        _objects
            .Where(p => p.Key.Kind == kind.Key && (@namespace is null || p.Key.Key.Namespace == @namespace) && selector.Matches(p.Value.Json))
            .OrderBy(p => p.Key.Key.Namespace, StringComparer.Ordinal)
            .ThenBy(p => p.Key.Key.Name, StringComparer.Ordinal);

    /// <summary>
    /// Stores a new object; fills uid, creationTimestamp, resourceVersion and generation. With a
    /// <paramref name="fieldManager"/>, that manager owns every field (operation Update); without one the
    /// object's managed fields are kept as given (a server-side apply computed them). An object carrying a
    /// resourceVersion (one that reads as a number other than 0) is refused with a 500
    /// (<see cref="Kubernetes.KubernetesApiException"/>), as the API server's storage refuses it.
    /// </summary>
    public JsonObject Create(StoreKind kind, JsonObject obj, string? fieldManager = null)
    {
        ArgumentNullException.ThrowIfNull(obj);
        var json = Copy(obj);
        var metadata = Metadata(json);
        if (string.IsNullOrEmpty(metadata["name"]?.GetValue<string>()) && metadata["generateName"]?.GetValue<string>() is { Length: > 0 } prefix)
        {
            metadata["name"] = prefix + RandomSuffix();
        }

        var key = KeyOf(kind, json);
        CheckAnnotationSize(kind, key, json);
        if (ulong.TryParse(metadata["resourceVersion"] is JsonValue rv && rv.GetValueKind() == JsonValueKind.String ? rv.GetValue<string>() : null, NumberStyles.None, CultureInfo.InvariantCulture, out var version) && version != 0)
        {
            // What the API server's etcd storage says (ErrResourceVersionSetOnCreate; a 500 whose Status has no reason, which
            // the test API server reproduces); a version it cannot parse, or 0, it lets through and replaces, as here.
            throw new Kubernetes.KubernetesApiException(new ResourceStatus(500, "InternalError", ResourceVersionOnCreate, []));
        }

        lock (_gate)
        {
            if (_objects.ContainsKey(new StoredKey(kind.Key, key)))
            {
                throw new ResourceAlreadyExistsException(kind.Describe(key) + " already exists");
            }

            metadata["uid"] = Guid.NewGuid().ToString();
            metadata["creationTimestamp"] = Timestamp();
            metadata.Remove("deletionTimestamp");
            if (kind.TracksGeneration)
            {
                metadata["generation"] = 1L;
            }

            if (fieldManager is not null)
            {
                FieldOwnership.RecordUpdate(null, json, fieldManager, kind.HasStatusSubresource ? FieldScope.Main : FieldScope.Whole, kind.Schema, _time.GetUtcNow());
            }

            return Commit(kind, key, json, WatchEventType.Added);
        }
    }

    /// <summary>
    /// Replaces an object's metadata and spec (and status too when the kind has no status
    /// subresource, or when <paramref name="statusOnly"/> asks for status alone). With a
    /// <paramref name="fieldManager"/>, that manager becomes the owner of every field the write changed
    /// (operation Update); without one the managed fields are taken as given (a server-side apply computed them).
    /// A write that would change nothing (managed fields computed the same way, their times aside) is not
    /// stored: the stored object comes back with its resourceVersion and no watcher hears of it, as on the API server.
    /// </summary>
    public JsonObject Update(StoreKind kind, JsonObject obj, bool statusOnly = false, string? fieldManager = null)
    {
        ArgumentNullException.ThrowIfNull(obj);
        var json = Copy(obj);
        var key = KeyOf(kind, json);
        lock (_gate)
        {
            if (!_objects.TryGetValue(new StoredKey(kind.Key, key), out var stored))
            {
                throw new ResourceNotFoundException(kind.Describe(key) + " not found");
            }

            var requested = json["metadata"]?["resourceVersion"]?.GetValue<string>();
            if (!string.IsNullOrEmpty(requested) && requested != Format(stored.Version))
            {
                throw new ResourceConflictException("Operation cannot be fulfilled on " + kind.Plural + " \"" + key.Name + "\": the object has been modified; please apply your changes to the latest version and try again");
            }

            var result = statusOnly ? WithStatusOf(Copy(stored.Json), json) : Merged(kind, stored.Json, json);
            CheckAnnotationSize(kind, key, result);
            CheckNoNewFinalizers(kind, key, stored.Json, result);
            var metadata = Metadata(result);
            if (fieldManager is not null)
            {
                var scope = statusOnly ? FieldScope.Status : kind.HasStatusSubresource ? FieldScope.Main : FieldScope.Whole;
                FieldOwnership.RecordUpdate(stored.Json, result, fieldManager, scope, kind.Schema, _time.GetUtcNow());
            }
            else if (statusOnly)
            {
                // A status apply computed the managed fields; they are metadata, which a status write otherwise keeps.
                if (json["metadata"]?["managedFields"] is { } managed)
                {
                    metadata["managedFields"] = managed.DeepClone();
                }
            }

            if (metadata["deletionTimestamp"] is not null && (metadata["finalizers"] as JsonArray) is null or { Count: 0 })
            {
                // The API server deletes without storing this update: the deletion (its watch event and this reply)
                // carries the last stored state, as etcd's previous value, at the deletion's resourceVersion.
                return Remove(kind, key, Copy(stored.Json));
            }

            if (Unchanged(stored.Json, result))
            {
                return Copy(stored.Json);
            }

            return Commit(kind, key, result, WatchEventType.Modified);
        }
    }

    /// <summary>
    /// Deletes an object, or marks it with a deletionTimestamp while finalizers remain. Returns the
    /// object's last state, or null when it did not exist.
    /// </summary>
    public JsonObject? Delete(StoreKind kind, ObjectKey key) => Delete(kind, key, null, null);

    /// <summary>
    /// As <see cref="Delete(StoreKind, ObjectKey)"/>, only when the stored object has uid
    /// <paramref name="expectedUid"/> and resourceVersion <paramref name="expectedResourceVersion"/>
    /// (null: any); otherwise <see cref="ResourceConflictException"/> and nothing changes.
    /// </summary>
    public JsonObject? Delete(StoreKind kind, ObjectKey key, string? expectedUid, string? expectedResourceVersion)
    {
        lock (_gate)
        {
            if (!_objects.TryGetValue(new StoredKey(kind.Key, key), out var stored))
            {
                return null;
            }

            var json = Copy(stored.Json);
            var metadata = Metadata(json);
            Precondition(kind, key, "UID", expectedUid, metadata["uid"]?.GetValue<string>());
            Precondition(kind, key, "ResourceVersion", expectedResourceVersion, metadata["resourceVersion"]?.GetValue<string>());
            if (metadata["finalizers"] is JsonArray { Count: > 0 })
            {
                if (metadata["deletionTimestamp"] is not null)
                {
                    return json;
                }

                metadata["deletionTimestamp"] = Timestamp();
                return Commit(kind, key, json, WatchEventType.Modified);
            }

            return Remove(kind, key, json);
        }
    }

    private static void Precondition(StoreKind kind, ObjectKey key, string what, string? expected, string? actual)
    {
        if (!string.IsNullOrEmpty(expected) && expected != actual)
        {
            // Worded as the API server words it, with the group-qualified resource, so the test API server can pass it on.
            throw new ResourceConflictException("Operation cannot be fulfilled on " + kind.QualifiedPlural + " \"" + key.Name + "\": Precondition failed: " + what + " in precondition: " + expected + ", " + what + " in object meta: " + actual);
        }
    }

    /// <summary>
    /// Starts watching a kind (one namespace or all) after <paramref name="resourceVersion"/>
    /// (empty: from now). "0" is the version a list of the empty store reports, so it replays
    /// everything since, like any other version. Throws <see cref="ResourceGoneException"/> when
    /// the history no longer reaches back that far.
    /// </summary>
    public StoreWatch Watch(StoreKind kind, string? @namespace, string? resourceVersion)
    {
        var channel = Channel.CreateBounded<StoreEvent>(new BoundedChannelOptions(_options.WatcherCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        var watcher = new Watcher(kind, @namespace, channel);
        lock (_gate)
        {
            // "0" is not "now": a list-then-watch on a fresh store would lose what changed in between.
            var from = string.IsNullOrEmpty(resourceVersion) ? _resourceVersion : ParseVersion(resourceVersion);
            if (from < _resourceVersion && (_history.First is null || _history.First.Value.Version > from + 1))
            {
                throw new ResourceGoneException("too old resource version: " + resourceVersion + " (" + Format(_history.First?.Value.Version ?? _resourceVersion) + ")");
            }

            foreach (var change in _history.Where(e => e.Version > from))
            {
                if (!watcher.Offer(change))
                {
                    throw new ResourceGoneException("too many changes since resource version " + resourceVersion + "; list again");
                }
            }

            _watchers.Add(watcher);
        }

        return new StoreWatch(channel.Reader, () => Unsubscribe(watcher), kind, CurrentVersion);
    }

    private JsonObject Merged(StoreKind kind, JsonObject stored, JsonObject incoming)
    {
        var result = Copy(incoming);
        var metadata = Metadata(result);
        var before = Metadata(stored);
        foreach (var owned in new[] { "uid", "creationTimestamp", "deletionTimestamp", "generation" })
        {
            if (before[owned] is { } value)
            {
                metadata[owned] = value.DeepClone();
            }
            else
            {
                metadata.Remove(owned);
            }
        }

        if (kind.HasStatusSubresource)
        {
            result.Remove("status");
            if (stored["status"] is { } status)
            {
                result["status"] = status.DeepClone();
            }
        }

        if (kind.TracksGeneration && !JsonNode.DeepEquals(Content(stored), Content(result)))
        {
            metadata["generation"] = AsLong(before["generation"]) + 1;
        }

        return result;
    }

    // What the API server sets anew on every write is left out: the resourceVersion, and the times of the managed
    // fields (its IgnoreManagedFieldsTimestampsTransformer keeps the old ones when nothing else changed).
    private static bool Unchanged(JsonObject stored, JsonObject result) =>
        JsonNode.DeepEquals(WithoutServerFields(stored), WithoutServerFields(result));

    private static JsonObject WithoutServerFields(JsonObject obj)
    {
        var copy = Copy(obj);
        var metadata = Metadata(copy);
        metadata.Remove("resourceVersion");
        if (FieldOwnership.ManagedFieldsWithoutTimes(copy) is { } managed)
        {
            metadata["managedFields"] = managed;
        }

        return copy;
    }

    // Status writes change the status alone, whatever else the caller sent.
    private static JsonObject WithStatusOf(JsonObject stored, JsonObject incoming)
    {
        stored.Remove("status");
        if (incoming["status"] is { } status)
        {
            stored["status"] = status.DeepClone();
        }

        return stored;
    }

    // What generation counts: everything but metadata and status.
    private static JsonObject Content(JsonObject obj)
    {
        var content = new JsonObject();
        foreach (var (name, value) in obj)
        {
            if (name is not ("metadata" or "status" or "apiVersion" or "kind"))
            {
                content[name] = value?.DeepClone();
            }
        }

        return content;
    }

    private JsonObject Commit(StoreKind kind, ObjectKey key, JsonObject json, WatchEventType type)
    {
        var version = ++_resourceVersion;
        Metadata(json)["resourceVersion"] = Format(version);
        _files?.Write(kind, key, json);
        var storedKey = new StoredKey(kind.Key, key);
        var previous = _objects.TryGetValue(storedKey, out var before) ? before.Json : null;
        _objects[storedKey] = new Stored(json, version);
        Publish(new StoreEvent(kind, key, type, json, version, previous));
        return Copy(json);
    }

    private JsonObject Remove(StoreKind kind, ObjectKey key, JsonObject lastState)
    {
        var version = ++_resourceVersion;
        Metadata(lastState)["resourceVersion"] = Format(version);
        _files?.Delete(kind, key);
        _objects.Remove(new StoredKey(kind.Key, key), out var before);
        Publish(new StoreEvent(kind, key, WatchEventType.Deleted, lastState, version, before?.Json));
        return Copy(lastState);
    }

    private void Publish(StoreEvent change)
    {
        _history.AddLast(change);
        while (_history.Count > _options.WatchHistory)
        {
            _history.RemoveFirst();
        }

        // A watcher that cannot keep up is dropped with 410 and lists again, as a real API server does.
        _watchers.RemoveAll(watcher => !watcher.Offer(change));
    }

    private long CurrentVersion()
    {
        lock (_gate)
        {
            return _resourceVersion;
        }
    }

    private void Unsubscribe(Watcher watcher)
    {
        lock (_gate)
        {
            _watchers.Remove(watcher);
        }

        watcher.Channel.Writer.TryComplete();
    }

    private static ObjectKey KeyOf(StoreKind kind, JsonObject json)
    {
        var metadata = Metadata(json);
        var name = metadata["name"] is JsonValue n && n.GetValueKind() == JsonValueKind.String ? n.GetValue<string>() : string.Empty;
        var ns = metadata["namespace"] is JsonValue s && s.GetValueKind() == JsonValueKind.String ? s.GetValue<string>() : null;
        var problems = new List<(string, string)>();
        if (!MetadataRules.IsDnsSubdomain(name))
        {
            problems.Add(("metadata.name", "Invalid value: \"" + name + "\": must be a lowercase RFC 1123 subdomain"));
        }

        if (kind.IsNamespaced && (string.IsNullOrEmpty(ns) || !MetadataRules.IsDnsLabel(ns)))
        {
            problems.Add(("metadata.namespace", "Invalid value: \"" + ns + "\": a namespaced object needs a valid namespace"));
        }

        if (problems.Count > 0)
        {
            throw new ResourceInvalidException(kind.Kind + " \"" + name + "\" is invalid", problems);
        }

        return new ObjectKey(kind.IsNamespaced ? ns : null, name);
    }

    // As the API server (ValidateAnnotationsSize): annotations over 256 KiB in all are refused, whatever the kind.
    private static void CheckAnnotationSize(StoreKind kind, ObjectKey key, JsonObject json)
    {
        if (json["metadata"]?["annotations"] is not JsonObject annotations)
        {
            return;
        }

        var bytes = MetadataRules.AnnotationBytes(annotations.Select(a => KeyValuePair.Create(a.Key, a.Value is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : a.Value?.ToJsonString() ?? string.Empty)));
        if (bytes > MetadataRules.MaxTotalAnnotationBytes)
        {
            throw new ResourceInvalidException(kind.Kind + " \"" + key.Name + "\" is invalid: metadata.annotations: Too long: must have at most " + MetadataRules.MaxTotalAnnotationBytes.ToString(CultureInfo.InvariantCulture) + " bytes", [("metadata.annotations", "Too long: must have at most " + MetadataRules.MaxTotalAnnotationBytes.ToString(CultureInfo.InvariantCulture) + " bytes")]);
        }
    }

    // The API server's ValidateNoNewFinalizers: an object being deleted can only lose finalizers (a status write keeps them).
    private static void CheckNoNewFinalizers(StoreKind kind, ObjectKey key, JsonObject stored, JsonObject result)
    {
        if (stored["metadata"]?["deletionTimestamp"] is null)
        {
            return;
        }

        var before = FinalizersOf(stored);
        var added = FinalizersOf(result).Where(f => !before.Contains(f)).Distinct().Order(StringComparer.Ordinal).ToList();
        if (added.Count == 0)
        {
            return;
        }

        var message = "Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{" + string.Join(", ", added.Select(f => "\"" + f + "\"")) + "}";
        throw new ResourceInvalidException(kind.Kind + " \"" + key.Name + "\" is invalid: metadata.finalizers: " + message, [("metadata.finalizers", message)]);
    }

    private static List<string> FinalizersOf(JsonObject json) =>
        json["metadata"]?["finalizers"] is JsonArray finalizers
            ? finalizers.Select(f => f is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : f?.ToJsonString() ?? string.Empty).ToList()
            : [];

    // Numbers come back from JSON as whatever width they were written with.
    private static long AsLong(JsonNode? node) =>
        node is JsonValue value && long.TryParse(value.ToJsonString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var number) ? number : 0;

    private static JsonObject Metadata(JsonObject json) =>
        json["metadata"] as JsonObject ?? (JsonObject)(json["metadata"] = new JsonObject());

    private static JsonObject Copy(JsonObject json) => (JsonObject)json.DeepClone();

    private string Timestamp() => _time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string RandomSuffix()
    {
        const string Alphabet = "bcdfghjklmnpqrstvwxz2456789";
        return string.Create(5, 0, static (span, _) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = Alphabet[Random.Shared.Next(Alphabet.Length)];
            }
        });
    }

    private static string Format(long version) => version.ToString(CultureInfo.InvariantCulture);

    private static long ParseVersion(string? text) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var version)
            ? version
            : throw new ResourceInvalidException("invalid resourceVersion \"" + text + "\"", [("metadata.resourceVersion", "must be a resourceVersion this store issued")]);

    private readonly record struct StoredKey(StoreKindKey Kind, ObjectKey Key);

    private sealed record Stored(JsonObject Json, long Version);

    private sealed class Watcher(StoreKind kind, string? @namespace, Channel<StoreEvent> channel)
    {
        public Channel<StoreEvent> Channel { get; } = channel;

        // False when the watcher is full: it is then completed with 410 and must be dropped.
        public bool Offer(StoreEvent change)
        {
            if (change.Kind.Key != kind.Key || (@namespace is not null && change.Key.Namespace != @namespace))
            {
                return true;
            }

            if (Channel.Writer.TryWrite(change))
            {
                return true;
            }

            Channel.Writer.TryComplete(new ResourceGoneException("the watch fell too far behind; list again"));
            return false;
        }
    }
}

/// <summary>A resource kind as the store keys it: by group and kind, whatever version a client speaks.</summary>
/// <param name="Group">The API group.</param>
/// <param name="Kind">The kind.</param>
/// <param name="Plural">The plural, for messages.</param>
/// <param name="IsNamespaced">Whether objects live in namespaces.</param>
/// <param name="HasStatusSubresource">Whether status is written on its own.</param>
/// <param name="TracksGeneration">Whether metadata.generation counts spec changes (custom resources do).</param>
public sealed record StoreKind(string Group, string Kind, string Plural, bool IsNamespaced, bool HasStatusSubresource, bool TracksGeneration)
{
    /// <summary>The store kind of a resource type.</summary>
    public static StoreKind Of(ResourceType type)
    {
        ArgumentNullException.ThrowIfNull(type);
        return new(type.Group, type.Kind, type.Plural, type.IsNamespaced, type.HasStatusSubresource, TracksGeneration: type.Group.Length > 0 && type.HasStatusSubresource);
    }

    internal StoreKindKey Key => new(Group, Kind);

    // List types and map keys for field ownership: the storage version's schema of an SPO kind; none for core kinds.
    internal FieldSchema? Schema => FieldSchemas.Spo.For(Group, Kind, string.Empty);

    internal string Describe(ObjectKey key) => Plural + " \"" + key + "\"";

    // The resource as the API server's messages name it: plural.group, or the plural alone in the core group.
    internal string QualifiedPlural => Group.Length == 0 ? Plural : Plural + "." + Group;
}

/// <summary>One change in the store, or a bookmark (see <see cref="StoreWatch.ReadAsync"/>).</summary>
/// <param name="Kind">The kind of the object.</param>
/// <param name="Key">The object (default for bookmarks).</param>
/// <param name="Type">What happened.</param>
/// <param name="Object">
/// The object after the change (its last state for deletions); for bookmarks only
/// <c>metadata.resourceVersion</c>. Shared: copy before changing.
/// </param>
/// <param name="Version">The store's resourceVersion after the change.</param>
/// <param name="Previous">
/// The object before the change (null for creations and bookmarks), so a filtered watch can tell
/// an object that stopped matching its selector (a deletion to that watcher) from one that started to. Shared.
/// </param>
public sealed record StoreEvent(StoreKind Kind, ObjectKey Key, WatchEventType Type, JsonObject Object, long Version, JsonObject? Previous = null)
{
    /// <summary>
    /// This change as a watch filtered by <paramref name="selector"/> reports it, as the API server's watch cache
    /// does (<see cref="Selector.Visible"/>): an object entering the selection is Added; one leaving it is Deleted
    /// with its previous content (what the watcher last saw), carrying this change's resourceVersion. Null when
    /// the watcher does not see the change; bookmarks pass unchanged.
    /// </summary>
    public StoreEvent? Through(Selector selector)
    {
        ArgumentNullException.ThrowIfNull(selector);
        if (Type == WatchEventType.Bookmark || ReferenceEquals(selector, Selector.Everything))
        {
            return this;
        }

        // A deletion is judged, and sent, by the state the watcher last saw: an update that removes the last finalizer
        // deletes without storing its own content (the API server's watch cache checks only the object before it).
        var visible = Type == WatchEventType.Deleted && Previous is not null
            ? (selector.Matches(Previous) ? WatchEventType.Deleted : null)
            : selector.Visible(Type, Object, Previous);
        if (visible is not { } type)
        {
            return null;
        }

        if (type == WatchEventType.Deleted && Previous is not null)
        {
            var previous = (JsonObject)Previous.DeepClone();
            if (previous["metadata"] is JsonObject metadata)
            {
                metadata["resourceVersion"] = Version.ToString(CultureInfo.InvariantCulture);
            }

            return this with { Type = type, Object = previous };
        }

        return type == Type ? this : this with { Type = type };
    }
}

/// <summary>An open watch: read changes, dispose to stop.</summary>
public sealed class StoreWatch : IDisposable
{
    private readonly Action _stop;
    private readonly StoreKind? _kind;
    private readonly Func<long>? _currentVersion;

    /// <summary>Creates a watch over a change channel; <paramref name="stop"/> runs on dispose. Such a watch makes no bookmarks.</summary>
    public StoreWatch(ChannelReader<StoreEvent> reader, Action stop)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(stop);
        Changes = reader;
        _stop = stop;
    }

    internal StoreWatch(ChannelReader<StoreEvent> reader, Action stop, StoreKind kind, Func<long> currentVersion)
        : this(reader, stop)
    {
        _kind = kind;
        _currentVersion = currentVersion;
    }

    /// <summary>The changes; completes with <see cref="ResourceGoneException"/> when the watcher fell behind.</summary>
    public ChannelReader<StoreEvent> Changes { get; }

    /// <summary>
    /// The changes, and every <paramref name="bookmarkInterval"/> (when set) a
    /// <see cref="WatchEventType.Bookmark"/> carrying the store's version at a moment when every
    /// change up to it has been read, so a client can resume from it. Ends with
    /// <see cref="ResourceGoneException"/> when the watcher fell behind.
    /// </summary>
    public async IAsyncEnumerable<StoreEvent> ReadAsync(TimeSpan? bookmarkInterval, TimeProvider? time = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (bookmarkInterval is not { } interval || interval <= TimeSpan.Zero || _currentVersion is null || _kind is null)
        {
            await foreach (var change in Changes.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return change;
            }

            yield break;
        }

        time ??= TimeProvider.System;
        var due = time.GetTimestamp() + (long)(interval.TotalSeconds * time.TimestampFrequency);
        while (true)
        {
            if (Changes.TryRead(out var change))
            {
                yield return change;
                continue;
            }

            if (time.GetTimestamp() >= due)
            {
                // The version is read before the channel is checked: every change up to it was queued
                // before it could be read, so an empty channel means all of them have been delivered.
                var version = _currentVersion();
                if (!Changes.TryPeek(out _))
                {
                    due = time.GetTimestamp() + (long)(interval.TotalSeconds * time.TimestampFrequency);
                    yield return Bookmark(_kind, version);
                }

                continue;
            }

            var left = time.GetElapsedTime(time.GetTimestamp(), due);
            if (!await WaitAsync(left < TimeSpan.Zero ? TimeSpan.Zero : left, time, cancellationToken).ConfigureAwait(false))
            {
                // Completed: surfaces the Gone error, if any, the way ReadAllAsync does.
                await Changes.Completion.ConfigureAwait(false);
                yield break;
            }
        }
    }

    /// <inheritdoc />
    public void Dispose() => _stop();

    // True when a change may be readable or the wait timed out; false when the channel completed.
    private async Task<bool> WaitAsync(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        using var timer = new CancellationTokenSource(timeout, time);
        using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
        try
        {
            return await Changes.WaitToReadAsync(either.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return true;
        }
    }

    private static StoreEvent Bookmark(StoreKind kind, long version) => new(
        kind,
        default,
        WatchEventType.Bookmark,
        new JsonObject { ["metadata"] = new JsonObject { ["resourceVersion"] = version.ToString(CultureInfo.InvariantCulture) } },
        version);
}

/// <summary>One page of a list.</summary>
/// <param name="Items">Copies of the objects, sorted by namespace and name.</param>
/// <param name="ResourceVersion">The version of the first page.</param>
/// <param name="Continue">The token of the next page; null on the last one.</param>
/// <param name="RemainingItemCount">How many objects later pages hold.</param>
public sealed record StoreListPage(IReadOnlyList<JsonObject> Items, string ResourceVersion, string? Continue, int RemainingItemCount);
