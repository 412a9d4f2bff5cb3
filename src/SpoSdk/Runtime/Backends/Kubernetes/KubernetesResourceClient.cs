using System.Globalization;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using k8s;
using k8s.Models;
using SpoSdk.Api.Serialization;

namespace SpoSdk.Runtime.Backends.Kubernetes;

/// <summary>
/// A typed client for one resource type over a Kubernetes API server; see <see cref="KubernetesBackend"/>.
/// URLs follow <see cref="ResourceType"/> (core group under <c>/api</c>, namespaced or cluster-scoped
/// shapes); bodies are written and read with SpoSdk's own JSON options.
/// </summary>
/// <typeparam name="T">The model type.</typeparam>
internal sealed class KubernetesResourceClient<T> : IResourceClient<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    // Short enough to notice a dead connection, long enough not to break a slow server's stream.
    private static readonly TimeSpan WatchGrace = TimeSpan.FromSeconds(30);

    // A server that ends every watch at once must not turn the reconnect loop into a busy loop.
    private static readonly TimeSpan ReconnectPause = TimeSpan.FromSeconds(1);

    private readonly KubernetesApiConnection _api;
    private readonly KubernetesBackendOptions _options;
    private readonly string _groupVersionPath;

    public KubernetesResourceClient(KubernetesApiConnection api, KubernetesBackendOptions options)
    {
        _api = api;
        _options = options;
        Type = ResourceType.Of<T>();
        _groupVersionPath = Type.Group.Length == 0 ? "/api/" + Type.Version : "/apis/" + Type.Group + "/" + Type.Version;
    }

    public ResourceType Type { get; }

    public async Task<T?> GetAsync(ObjectKey key, CancellationToken cancellationToken = default)
    {
        if (!IsAddressable(key))
        {
            return null;
        }

        try
        {
            return await _api.RequestAsync(HttpMethod.Get, ObjectPath(key.Namespace, key.Name), null, Describe("get", key), ReadObjectAsync, cancellationToken).ConfigureAwait(false);
        }
        catch (ResourceNotFoundException)
        {
            return null;
        }
    }

    public async Task<ResourceList<T>> ListAsync(string? @namespace = null, ListOptions? options = null, CancellationToken cancellationToken = default)
    {
        if (options is { IsPaged: true })
        {
            // The caller pages: one request, its continue token handed back, an expired one reported (410).
            return await ListPageAsync(@namespace, options, options.Limit ?? 0, options.Continue, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            return await ListPagesAsync(@namespace, options, _options.PageSize, cancellationToken).ConfigureAwait(false);
        }
        catch (ResourceGoneException)
        {
            // A continue token outlived the server's history; as client-go's pager does, list in one go.
            return await ListPagesAsync(@namespace, options, 0, cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task<T> CreateAsync(T obj, CancellationToken cancellationToken = default)
    {
        var (ns, name) = Locate(obj, needName: false);
        return await _api.RequestAsync(HttpMethod.Post, CollectionPath(ns), Serialize(obj), Describe("create", new ObjectKey(ns, name)), ReadObjectAsync, cancellationToken).ConfigureAwait(false);
    }

    public async Task<T> UpdateAsync(T obj, CancellationToken cancellationToken = default)
    {
        var (ns, name) = Locate(obj, needName: true);
        return await _api.RequestAsync(HttpMethod.Put, ObjectPath(ns, name), Serialize(obj), Describe("update", new ObjectKey(ns, name)), ReadObjectAsync, cancellationToken).ConfigureAwait(false);
    }

    public async Task<T> UpdateStatusAsync(T obj, CancellationToken cancellationToken = default)
    {
        // Kinds without a status subresource (Event, Lease) keep status in the object itself.
        var (ns, name) = Locate(obj, needName: true);
        var path = Type.HasStatusSubresource ? ObjectPath(ns, name) + "/status" : ObjectPath(ns, name);
        return await _api.RequestAsync(HttpMethod.Put, path, Serialize(obj), Describe("update status of", new ObjectKey(ns, name)), ReadObjectAsync, cancellationToken).ConfigureAwait(false);
    }

    public Task<T> PatchAsync(ObjectKey key, ResourcePatch patch, CancellationToken cancellationToken = default) =>
        PatchAsync(key, patch, status: false, cancellationToken);

    public Task<T> PatchStatusAsync(ObjectKey key, ResourcePatch patch, CancellationToken cancellationToken = default) =>
        PatchAsync(key, patch, status: Type.HasStatusSubresource, cancellationToken);

    public async Task<T> ApplyAsync(T obj, ApplyOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var (ns, name) = Locate(obj, needName: true);
        if (string.IsNullOrEmpty(options.FieldManager))
        {
            // Refused here as the server would refuse it, without a round trip.
            throw new ResourceBadRequestException("PATCH, application/apply-patch+yaml requires fieldManager to be set");
        }

        var query = new StringBuilder();
        Append(query, "fieldManager", options.FieldManager);
        Append(query, "force", options.Force ? "true" : null);

        // JSON is YAML: the body goes as JSON under the apply content type, as client-go sends it.
        return await _api.RequestAsync(HttpMethod.Patch, ObjectPath(ns, name) + query, Serialize(obj), Describe("apply", new ObjectKey(ns, name)), ReadObjectAsync, cancellationToken, ApplyOptions.MediaType).ConfigureAwait(false);
    }

    private async Task<T> PatchAsync(ObjectKey key, ResourcePatch patch, bool status, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(patch);
        if (!IsAddressable(key))
        {
            throw new ResourceNotFoundException(Type.Kind + " \"" + key + "\" not found");
        }

        var body = JsonSerializer.SerializeToUtf8Bytes(patch.Body, SpoJsonOptions.Lenient);
        var path = ObjectPath(key.Namespace, key.Name) + (status ? "/status" : string.Empty);
        return await _api.RequestAsync(HttpMethod.Patch, path, body, Describe(status ? "patch status of" : "patch", key), ReadObjectAsync, cancellationToken, patch.MediaType).ConfigureAwait(false);
    }

    public Task<bool> DeleteAsync(ObjectKey key, CancellationToken cancellationToken = default) =>
        DeleteAsync(key, null, cancellationToken);

    public async Task<bool> DeleteAsync(ObjectKey key, DeleteOptions? options, CancellationToken cancellationToken = default)
    {
        if (!IsAddressable(key))
        {
            return false;
        }

        try
        {
            // The answer (a Status or the object) is read, so a server that stalls mid-body times out too.
            return await _api.RequestAsync(HttpMethod.Delete, ObjectPath(key.Namespace, key.Name), DeleteBody(options), Describe("delete", key), DrainAsync, cancellationToken).ConfigureAwait(false);
        }
        catch (ResourceNotFoundException)
        {
            return false;
        }
    }

    public IAsyncEnumerable<WatchEvent<T>> WatchAsync(string? @namespace, string resourceVersion, CancellationToken cancellationToken = default) =>
        WatchAsync(@namespace, resourceVersion, null, cancellationToken);

    public async IAsyncEnumerable<WatchEvent<T>> WatchAsync(string? @namespace, string resourceVersion, ListOptions? selector, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var version = resourceVersion;
        var timeoutSeconds = Math.Max(1, (int)_options.WatchTimeout.TotalSeconds);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var query = new StringBuilder("?watch=true&allowWatchBookmarks=true&timeoutSeconds=").Append(timeoutSeconds.ToString(CultureInfo.InvariantCulture));
            Append(query, "resourceVersion", version);
            Append(query, "labelSelector", selector?.LabelSelector);
            Append(query, "fieldSelector", FieldSelector(selector, @namespace));

            // The server ends the request after timeoutSeconds; a stream silent for much longer is a dead
            // connection, abandoned so the loop reconnects from the last version seen.
            using var stalled = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            stalled.CancelAfter(_options.WatchTimeout + WatchGrace);
            using var response = await _api.SendAsync(HttpMethod.Get, CollectionPath(Type.IsNamespaced ? @namespace : null) + query, null, stalled.Token).ConfigureAwait(false);
            await using var stream = await response.Content.ReadAsStreamAsync(stalled.Token).ConfigureAwait(false);
            await using var frames = new WatchFrameReader(stream, _options.MaxWatchEventBytes);
            var started = Environment.TickCount64;
            var events = 0;
            while (await NextFrameAsync(frames, stalled.Token, cancellationToken).ConfigureAwait(false) is { } frame)
            {
                WatchEvent<T> change;
                using (frame)
                {
                    change = ToWatchEvent(frame.RootElement);
                }

                version = change.ResourceVersion;
                events++;
                yield return change;
            }

            if (events == 0 && Environment.TickCount64 - started < ReconnectPause.TotalMilliseconds)
            {
                await Task.Delay(ReconnectPause, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    // Null at the end of the stream or when the connection stalled; cancellation by the caller propagates.
    private static async Task<JsonDocument?> NextFrameAsync(WatchFrameReader frames, CancellationToken stalled, CancellationToken cancellationToken)
    {
        try
        {
            return await frames.ReadAsync(stalled).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
        catch (IOException) when (stalled.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    private WatchEvent<T> ToWatchEvent(JsonElement root)
    {
        var type = root.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        if (!root.TryGetProperty("object", out var obj) || obj.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidDataException("a watch event has no object");
        }

        switch (type)
        {
            case "ADDED":
            case "MODIFIED":
            case "DELETED":
                var item = Complete(obj.Deserialize<T>(SpoJsonOptions.Lenient) ?? throw new InvalidDataException("a watch event's object is null"));
                var eventType = type == "ADDED" ? WatchEventType.Added : type == "MODIFIED" ? WatchEventType.Modified : WatchEventType.Deleted;
                return new WatchEvent<T>(eventType, item, item.Metadata?.ResourceVersion ?? string.Empty);
            case "BOOKMARK":
                var version = obj.TryGetProperty("metadata", out var metadata) && metadata.ValueKind == JsonValueKind.Object
                    && metadata.TryGetProperty("resourceVersion", out var rv) && rv.ValueKind == JsonValueKind.String
                        ? rv.GetString()!
                        : throw new InvalidDataException("a bookmark has no resourceVersion");
                return new WatchEvent<T>(WatchEventType.Bookmark, null, version);
            case "ERROR":
                // 410 Expired/Gone here is the usual way a watch from a compacted version ends.
                throw KubernetesApiConnection.FromStatus(obj, 500, "InternalError");
            default:
                throw new InvalidDataException("unknown watch event type '" + type + "'");
        }
    }

    private async Task<ResourceList<T>> ListPagesAsync(string? @namespace, ListOptions? options, int pageSize, CancellationToken cancellationToken)
    {
        var items = new List<T>();
        string? continueToken = null;
        string resourceVersion;
        do
        {
            var page = await ListPageAsync(@namespace, options, pageSize, continueToken, cancellationToken).ConfigureAwait(false);
            items.AddRange(page.Items);
            resourceVersion = page.ResourceVersion;
            continueToken = page.Continue;
        }
        while (!string.IsNullOrEmpty(continueToken));

        return new ResourceList<T>(items, resourceVersion);
    }

    private async Task<ResourceList<T>> ListPageAsync(string? @namespace, ListOptions? options, int limit, string? continueToken, CancellationToken cancellationToken)
    {
        var query = new StringBuilder();
        Append(query, "labelSelector", options?.LabelSelector);
        Append(query, "fieldSelector", FieldSelector(options, @namespace));
        Append(query, "limit", limit > 0 ? limit.ToString(CultureInfo.InvariantCulture) : null);
        Append(query, "continue", continueToken);
        var what = "list " + Type.Plural + (string.IsNullOrEmpty(@namespace) ? string.Empty : " in namespace \"" + @namespace + "\"");
        var page = await _api.RequestAsync(HttpMethod.Get, CollectionPath(Type.IsNamespaced ? @namespace : null) + query, null, what, ReadListPageAsync, cancellationToken).ConfigureAwait(false);
        var next = page.Metadata?.Continue;
        return new ResourceList<T>((page.Items ?? []).Select(Complete).ToList(), page.Metadata?.ResourceVersion ?? string.Empty, string.IsNullOrEmpty(next) ? null : next);
    }

    private static void Append(StringBuilder query, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            query.Append(query.Length == 0 ? '?' : '&').Append(name).Append('=').Append(Uri.EscapeDataString(value));
        }
    }

    private string FieldSelector(ListOptions? options, string? @namespace) =>
        string.Join(',', new[] { options?.FieldSelector, OutsideNamespaces(@namespace) }.Where(f => !string.IsNullOrEmpty(f)));

    // A cluster-scoped object is in no namespace, so asking for one namespace's finds none (as the
    // in-memory cluster answers); the URL has no namespace, so the server filters on the field.
    private string? OutsideNamespaces(string? @namespace) =>
        !Type.IsNamespaced && !string.IsNullOrEmpty(@namespace) ? "metadata.namespace=" + @namespace : null;

    private bool IsAddressable(ObjectKey key) =>
        !string.IsNullOrEmpty(key.Name) && (!Type.IsNamespaced || !string.IsNullOrEmpty(key.Namespace));

    // The namespace and name an object is sent to; refused locally as the in-memory cluster refuses them.
    private (string? Namespace, string Name) Locate(T obj, bool needName)
    {
        ArgumentNullException.ThrowIfNull(obj);
        var name = obj.Metadata?.Name ?? string.Empty;
        var ns = Type.IsNamespaced ? obj.Metadata?.NamespaceProperty : null;
        var problems = new List<(string, string)>();
        if (needName && name.Length == 0)
        {
            problems.Add(("metadata.name", "Required value: name is required"));
        }

        if (Type.IsNamespaced && string.IsNullOrEmpty(ns))
        {
            problems.Add(("metadata.namespace", "Required value: a namespaced object needs a namespace"));
        }

        return problems.Count > 0
            ? throw new ResourceInvalidException(Type.Kind + " \"" + name + "\" is invalid", problems)
            : (ns, name);
    }

    private string CollectionPath(string? @namespace) =>
        @namespace is null
            ? _groupVersionPath + "/" + Type.Plural
            : _groupVersionPath + "/namespaces/" + Uri.EscapeDataString(@namespace) + "/" + Type.Plural;

    private string ObjectPath(string? @namespace, string name) => CollectionPath(Type.IsNamespaced ? @namespace : null) + "/" + Uri.EscapeDataString(name);

    // Background is the API server's default for most kinds; sent explicitly, as kubectl does.
    private static byte[] DeleteBody(DeleteOptions? options)
    {
        var body = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "DeleteOptions",
            ["propagationPolicy"] = (options?.PropagationPolicy ?? DeletePropagation.Background).ToString(),
        };
        if (options is { PreconditionUid: not null } or { PreconditionResourceVersion: not null })
        {
            var preconditions = new JsonObject();
            if (options.PreconditionUid is { } uid)
            {
                preconditions["uid"] = uid;
            }

            if (options.PreconditionResourceVersion is { } version)
            {
                preconditions["resourceVersion"] = version;
            }

            body["preconditions"] = preconditions;
        }

        return JsonSerializer.SerializeToUtf8Bytes(body, SpoJsonOptions.Lenient);
    }

    private byte[] Serialize(T obj)
    {
        // Through a node so apiVersion and kind are right without touching the caller's object.
        var json = JsonSerializer.SerializeToNode(obj, typeof(T), SpoJsonOptions.Lenient)!.AsObject();
        json["apiVersion"] = Type.ApiVersion;
        json["kind"] = Type.Kind;
        return JsonSerializer.SerializeToUtf8Bytes(json, SpoJsonOptions.Lenient);
    }

    private static async Task<ListPage> ReadListPageAsync(HttpResponseMessage response, CancellationToken cancellationToken) =>
        await response.Content.ReadFromJsonAsync<ListPage>(SpoJsonOptions.Lenient, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidDataException("the list response is empty");

    private static async Task<bool> DrainAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        await response.Content.LoadIntoBufferAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    // What a timeout names: the verb and the object, e.g. get seccompprofiles "x" or patch pods "ns/p".
    private string Describe(string verb, ObjectKey key) =>
        verb + " " + Type.Plural + (string.IsNullOrEmpty(key.Name) ? string.Empty : " \"" + key + "\"");

    private async Task<T> ReadObjectAsync(HttpResponseMessage response, CancellationToken cancellationToken) =>
        Complete(await response.Content.ReadFromJsonAsync<T>(SpoJsonOptions.Lenient, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidDataException("the API server answered with an empty object"));

    // List items of core kinds come without apiVersion and kind; callers get them filled in.
    private T Complete(T obj)
    {
        if (string.IsNullOrEmpty(obj.ApiVersion))
        {
            obj.ApiVersion = Type.ApiVersion;
        }

        if (string.IsNullOrEmpty(obj.Kind))
        {
            obj.Kind = Type.Kind;
        }

        return obj;
    }

    private sealed class ListPage
    {
        [JsonPropertyName("metadata")]
        public ListPageMetadata? Metadata { get; set; }

        [JsonPropertyName("items")]
        public List<T>? Items { get; set; }
    }

    // Our own shape rather than V1ListMeta, whose property names change with the client's generator.
    private sealed class ListPageMetadata
    {
        [JsonPropertyName("resourceVersion")]
        public string? ResourceVersion { get; set; }

        [JsonPropertyName("continue")]
        public string? Continue { get; set; }
    }
}
