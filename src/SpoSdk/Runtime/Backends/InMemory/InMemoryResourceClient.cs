using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using SpoSdk.Api.Serialization;
using SpoSdk.Runtime.Backends.Apply;

namespace SpoSdk.Runtime.Backends.InMemory;

/// <summary>A typed client over the in-memory store; see <see cref="InMemoryBackend"/>.</summary>
/// <typeparam name="T">The model type.</typeparam>
internal sealed class InMemoryResourceClient<T> : IResourceClient<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    // How often a patch is re-applied to a newer object before the conflict reaches the caller.
    private const int PatchAttempts = 5;

    // Who owns the fields this client writes by create, update and patch (operation Update in managedFields).
    private const string FieldManager = "sposdk";

    private readonly InMemoryObjectStore _store;
    private readonly ObjectAdmission _admission;
    private readonly StoreKind _kind;
    private readonly ServerSideApply _apply;

    public InMemoryResourceClient(InMemoryObjectStore store, ObjectAdmission admission)
    {
        _store = store;
        _admission = admission;
        Type = ResourceType.Of<T>();
        _kind = StoreKind.Of(Type);
        _apply = new ServerSideApply(store, admission);
    }

    public ResourceType Type { get; }

    public Task<T?> GetAsync(ObjectKey key, CancellationToken cancellationToken = default) =>
        Cancelled<T?>(cancellationToken) ?? Task.FromResult(_store.Get(_kind, key) is { } json ? FromStore(json) : null);

    public Task<ResourceList<T>> ListAsync(string? @namespace = null, ListOptions? options = null, CancellationToken cancellationToken = default)
    {
        if (Cancelled<ResourceList<T>>(cancellationToken) is { } cancelled)
        {
            return cancelled;
        }

        var selector = ParseSelector(options);
        var page = _store.ListPage(_kind, @namespace, selector, options?.Limit is > 0 and var limit ? limit : 0, options?.Continue);
        return Task.FromResult(new ResourceList<T>(page.Items.Select(FromStore).ToList(), page.ResourceVersion, page.Continue));
    }

    public Task<T> CreateAsync(T obj, CancellationToken cancellationToken = default) =>
        Cancelled<T>(cancellationToken) ?? Task.FromResult(FromStore(_store.Create(_kind, Admit(obj), FieldManager)));

    public Task<T> UpdateAsync(T obj, CancellationToken cancellationToken = default) =>
        Cancelled<T>(cancellationToken) ?? Task.FromResult(FromStore(_store.Update(_kind, Admit(obj), fieldManager: FieldManager)));

    public Task<T> UpdateStatusAsync(T obj, CancellationToken cancellationToken = default) =>
        Cancelled<T>(cancellationToken) ?? Task.FromResult(FromStore(_store.Update(_kind, Admit(obj), statusOnly: _kind.HasStatusSubresource, fieldManager: FieldManager)));

    public Task<T> PatchAsync(ObjectKey key, ResourcePatch patch, CancellationToken cancellationToken = default) =>
        Cancelled<T>(cancellationToken) ?? Patch(key, patch, statusOnly: false);

    public Task<T> PatchStatusAsync(ObjectKey key, ResourcePatch patch, CancellationToken cancellationToken = default) =>
        Cancelled<T>(cancellationToken) ?? Patch(key, patch, statusOnly: _kind.HasStatusSubresource);

    public Task<T> ApplyAsync(T obj, ApplyOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(obj);
        ArgumentNullException.ThrowIfNull(options);
        if (Cancelled<T>(cancellationToken) is { } cancelled)
        {
            return cancelled;
        }

        // Not through admission first: the intent is only the fields the caller set, merged before defaults apply.
        var json = JsonSerializer.SerializeToNode(obj, typeof(T), SpoJsonOptions.Lenient)!.AsObject();
        json["apiVersion"] = Type.ApiVersion;
        json["kind"] = Type.Kind;
        return Task.FromResult(_apply.Apply(_kind, json, options).Deserialize<T>(SpoJsonOptions.Lenient)!);
    }

    /// <summary>
    /// A call whose token is already cancelled fails before it touches the store, as a request an HTTP client
    /// cancels does: work that runs on after a stop or a lost leadership must not write. Null otherwise.
    /// </summary>
    private static Task<TResult>? Cancelled<TResult>(CancellationToken cancellationToken) =>
        cancellationToken.IsCancellationRequested ? Task.FromCanceled<TResult>(cancellationToken) : null;

    private Task<T> Patch(ObjectKey key, ResourcePatch patch, bool statusOnly)
    {
        ArgumentNullException.ThrowIfNull(patch);
        for (var attempt = 1; ; attempt++)
        {
            // Patched in the caller's version, as the API server patches the version it was asked for.
            var current = _store.Get(_kind, key) ?? throw new ResourceNotFoundException(Type.Kind + " \"" + key + "\" not found");
            var presented = _admission.Present(current, Type.ApiVersion);
            var currentVersion = presented["metadata"]?["resourceVersion"]?.GetValue<string>();
            var patched = (patch.Type == ResourcePatchType.Json ? JsonPatches.JsonPatch(presented, patch.Body) : JsonPatches.MergePatch(presented, patch.Body)) as JsonObject
                ?? throw new ResourceBadRequestException("the patch did not give an object");
            if (patched["metadata"] is not JsonObject metadata)
            {
                throw new ResourceInvalidException(Type.Kind + " \"" + key + "\" is invalid", [("metadata", "Required value")]);
            }

            var requested = metadata["resourceVersion"]?.GetValue<string>();
            if (string.IsNullOrEmpty(requested))
            {
                metadata["resourceVersion"] = currentVersion;
            }
            else if (requested != currentVersion)
            {
                // The patch carried a resourceVersion: a precondition, as on the API server.
                throw new ResourceConflictException("Operation cannot be fulfilled on " + Type.Plural + " \"" + key.Name + "\": the object has been modified; please apply your changes to the latest version and try again");
            }

            patched["apiVersion"] = Type.ApiVersion;
            patched["kind"] = Type.Kind;
            try
            {
                return Task.FromResult(FromStore(_store.Update(_kind, _admission.Admit(patched), statusOnly, FieldManager)));
            }
            catch (ResourceConflictException) when (attempt < PatchAttempts && string.IsNullOrEmpty(requested))
            {
                // Someone wrote in between: patch the newer object, as the API server's update loop does.
            }
        }
    }

    public Task<bool> DeleteAsync(ObjectKey key, CancellationToken cancellationToken = default) =>
        Cancelled<bool>(cancellationToken) ?? Task.FromResult(_store.Delete(_kind, key) is not null);

    // No garbage collector runs here and nothing owns SPO objects, so every propagation policy deletes alike.
    public Task<bool> DeleteAsync(ObjectKey key, DeleteOptions? options, CancellationToken cancellationToken = default) =>
        Cancelled<bool>(cancellationToken) ?? Task.FromResult(_store.Delete(_kind, key, options?.PreconditionUid, options?.PreconditionResourceVersion) is not null);

    public IAsyncEnumerable<WatchEvent<T>> WatchAsync(string? @namespace, string resourceVersion, CancellationToken cancellationToken = default) =>
        WatchAsync(@namespace, resourceVersion, null, cancellationToken);

    public async IAsyncEnumerable<WatchEvent<T>> WatchAsync(string? @namespace, string resourceVersion, ListOptions? selector, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var filter = ParseSelector(selector);
        using var watch = _store.Watch(_kind, @namespace, resourceVersion);
        await foreach (var change in watch.ReadAsync(_store.Options.BookmarkInterval, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            var version = change.Version.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (change.Type == WatchEventType.Bookmark)
            {
                yield return new WatchEvent<T>(WatchEventType.Bookmark, null, version);
            }
            else if (change.Through(filter) is { } seen)
            {
                yield return new WatchEvent<T>(seen.Type, FromStore(seen.Object), version);
            }
        }
    }

    private static Selector ParseSelector(ListOptions? options)
    {
        try
        {
            return Selector.From(options);
        }
        catch (FormatException ex)
        {
            throw new ResourceInvalidException(ex.Message, [("selector", ex.Message)]);
        }
    }

    private JsonObject Admit(T obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        var json = JsonSerializer.SerializeToNode(obj, typeof(T), SpoJsonOptions.Lenient)!.AsObject();
        json["apiVersion"] = Type.ApiVersion;
        json["kind"] = Type.Kind;
        return _admission.Admit(json);
    }

    private T FromStore(JsonObject stored) =>
        _admission.Present(stored, Type.ApiVersion).Deserialize<T>(SpoJsonOptions.Lenient)!;
}
