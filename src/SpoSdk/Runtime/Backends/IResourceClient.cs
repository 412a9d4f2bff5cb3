using k8s;
using k8s.Models;

namespace SpoSdk.Runtime.Backends;

/// <summary>
/// Reads and writes objects of one resource type on a backend (in-memory or a Kubernetes API
/// server), with Kubernetes semantics: resourceVersion checks (409), finalizers holding deletion,
/// watches that end with <see cref="ResourceGoneException"/> (410) when the history is gone.
/// Objects passed in are not kept and objects returned are the caller's to change.
/// </summary>
/// <typeparam name="T">The model type.</typeparam>
public interface IResourceClient<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    /// <summary>The resource type this client serves.</summary>
    ResourceType Type { get; }

    /// <summary>The object, or null when it does not exist.</summary>
    Task<T?> GetAsync(ObjectKey key, CancellationToken cancellationToken = default);

    /// <summary>All objects (of one namespace, or all when <paramref name="namespace"/> is null), with the list's resourceVersion.</summary>
    Task<ResourceList<T>> ListAsync(string? @namespace = null, ListOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Creates the object. Throws <see cref="ResourceAlreadyExistsException"/> or <see cref="ResourceInvalidException"/>.</summary>
    Task<T> CreateAsync(T obj, CancellationToken cancellationToken = default);

    /// <summary>
    /// Replaces the object's metadata and spec (not its status). A resourceVersion that is not the
    /// stored one gives <see cref="ResourceConflictException"/>.
    /// </summary>
    Task<T> UpdateAsync(T obj, CancellationToken cancellationToken = default);

    /// <summary>Replaces the object's status only; resourceVersion checked as in <see cref="UpdateAsync"/>.</summary>
    Task<T> UpdateStatusAsync(T obj, CancellationToken cancellationToken = default);

    /// <summary>
    /// Patches the object on the server's latest version (a JSON merge patch or a JSON patch, not a
    /// strategic one: custom resources take none). A patch carrying <c>metadata.resourceVersion</c> is a
    /// precondition (<see cref="ResourceConflictException"/>); a failing <c>test</c> op is <see cref="ResourceInvalidException"/>.
    /// </summary>
    Task<T> PatchAsync(ObjectKey key, ResourcePatch patch, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException(GetType().Name + " cannot patch");

    /// <summary>
    /// Patches the object's status (the status subresource) on the server's latest version, as
    /// <see cref="PatchAsync"/> patches the rest; metadata and spec in the patch are ignored.
    /// </summary>
    Task<T> PatchStatusAsync(ObjectKey key, ResourcePatch patch, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException(GetType().Name + " cannot patch status");

    /// <summary>
    /// Server-side apply: creates the object when absent, otherwise merges <paramref name="obj"/> (only the
    /// fields the caller cares about) into it and records <see cref="ApplyOptions.FieldManager"/> as the owner of
    /// those fields; fields it applied before and now omits are removed unless another manager owns them.
    /// A field another manager owns with a different value is <see cref="ResourceConflictException"/> (409, a
    /// <c>FieldManagerConflict</c> cause per field) unless <see cref="ApplyOptions.Force"/>; status is not touched;
    /// a <c>metadata.resourceVersion</c> in <paramref name="obj"/> is a precondition; managed fields in it are
    /// refused (400), as the API server refuses them. Re-applying the same object changes nothing (no new resourceVersion).
    /// </summary>
    Task<T> ApplyAsync(T obj, ApplyOptions options, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException(GetType().Name + " cannot apply");

    /// <summary>
    /// Deletes the object: at once when it has no finalizers, otherwise by setting its
    /// deletionTimestamp (the last finalizer's removal then deletes it). False when it did not exist.
    /// </summary>
    Task<bool> DeleteAsync(ObjectKey key, CancellationToken cancellationToken = default);

    /// <summary>
    /// As <see cref="DeleteAsync(ObjectKey, CancellationToken)"/>, with a propagation policy and preconditions:
    /// an object whose uid or resourceVersion is not the expected one is left alone (<see cref="ResourceConflictException"/>).
    /// A client that cannot honour the options throws <see cref="NotSupportedException"/>.
    /// </summary>
    Task<bool> DeleteAsync(ObjectKey key, DeleteOptions? options, CancellationToken cancellationToken = default) =>
        options is null || options == DeleteOptions.Default
            ? DeleteAsync(key, cancellationToken)
            : throw new NotSupportedException(GetType().Name + " cannot delete with options");

    /// <summary>
    /// The changes after <paramref name="resourceVersion"/>, until cancelled. Throws
    /// <see cref="ResourceGoneException"/> when that version is too old to resume from (list again).
    /// </summary>
    IAsyncEnumerable<WatchEvent<T>> WatchAsync(string? @namespace, string resourceVersion, CancellationToken cancellationToken = default);

    /// <summary>
    /// As <see cref="WatchAsync(string?, string, CancellationToken)"/>, seeing only objects that match
    /// <paramref name="selector"/> (e.g. <c>spec.nodeName=worker-1</c>): an object that starts to match is
    /// reported as <see cref="WatchEventType.Added"/> and one that stops matching as
    /// <see cref="WatchEventType.Deleted"/>, as the API server reports them. A client that cannot filter
    /// throws <see cref="NotSupportedException"/> rather than report objects outside the selection.
    /// </summary>
    IAsyncEnumerable<WatchEvent<T>> WatchAsync(string? @namespace, string resourceVersion, ListOptions? selector, CancellationToken cancellationToken = default) =>
        string.IsNullOrWhiteSpace(selector?.LabelSelector) && string.IsNullOrWhiteSpace(selector?.FieldSelector)
            ? WatchAsync(@namespace, resourceVersion, cancellationToken)
            : throw new NotSupportedException(GetType().Name + " cannot watch with a selector");
}

/// <summary>What happens to an object's dependents (objects whose ownerReferences name it) when it is deleted.</summary>
public enum DeletePropagation
{
    /// <summary>The object goes now; the garbage collector deletes dependents afterwards (the default).</summary>
    Background,

    /// <summary>The object stays (with a deletionTimestamp) until its blocking dependents are gone.</summary>
    Foreground,

    /// <summary>The object goes; dependents stay, their owner reference removed.</summary>
    Orphan,
}

/// <summary>Options of a delete.</summary>
/// <param name="PropagationPolicy">What happens to dependents; null for <see cref="DeletePropagation.Background"/>.</param>
/// <param name="PreconditionUid">Delete only the object with this uid (not a newer one of the same name).</param>
/// <param name="PreconditionResourceVersion">Delete only if the object is still at this resourceVersion.</param>
public sealed record DeleteOptions(DeletePropagation? PropagationPolicy = null, string? PreconditionUid = null, string? PreconditionResourceVersion = null)
{
    /// <summary>No preconditions, background propagation.</summary>
    public static DeleteOptions Default { get; } = new();
}

/// <summary>How a patch body is read.</summary>
public enum ResourcePatchType
{
    /// <summary>JSON merge patch (RFC 7386, <c>application/merge-patch+json</c>): objects merge, null removes.</summary>
    Merge,

    /// <summary>JSON patch (RFC 6902, <c>application/json-patch+json</c>): a list of operations.</summary>
    Json,
}

/// <summary>A patch to send.</summary>
/// <param name="Type">How <paramref name="Body"/> is read.</param>
/// <param name="Body">The patch: an object for a merge patch, an array of operations for a JSON patch.</param>
public sealed record ResourcePatch(ResourcePatchType Type, System.Text.Json.Nodes.JsonNode Body)
{
    /// <summary>A JSON merge patch.</summary>
    public static ResourcePatch Merge(System.Text.Json.Nodes.JsonNode body) => new(ResourcePatchType.Merge, body);

    /// <summary>A JSON patch.</summary>
    public static ResourcePatch Json(System.Text.Json.Nodes.JsonNode body) => new(ResourcePatchType.Json, body);

    /// <summary>The HTTP content type of this patch.</summary>
    public string MediaType => Type == ResourcePatchType.Json ? "application/json-patch+json" : "application/merge-patch+json";
}

/// <summary>Options of a list call.</summary>
/// <param name="LabelSelector">A label selector in Kubernetes syntax (<c>a=b,c!=d,e</c>).</param>
/// <param name="FieldSelector">A field selector; backends support at least <c>metadata.name</c>, <c>metadata.namespace</c> and <c>spec.nodeName</c> for pods.</param>
/// <param name="Limit">
/// At most this many objects: the list is then one page, and <see cref="ResourceList{T}.Continue"/> reads
/// the next. Null (or with neither this nor <paramref name="Continue"/>): every object at once.
/// </param>
/// <param name="Continue">The <see cref="ResourceList{T}.Continue"/> token of the previous page; <see cref="ResourceGoneException"/> when it expired (list again).</param>
public sealed record ListOptions(string? LabelSelector = null, string? FieldSelector = null, int? Limit = null, string? Continue = null)
{
    /// <summary>Whether this asks for one page rather than the whole list.</summary>
    public bool IsPaged => Limit is > 0 || !string.IsNullOrEmpty(Continue);
}

/// <summary>A list of objects and the resourceVersion to watch from.</summary>
/// <param name="Items">The objects.</param>
/// <param name="ResourceVersion">The version of the collection at the time of the list (for later pages: of the first page).</param>
/// <param name="Continue">The token that reads the next page; null on the last page.</param>
public sealed record ResourceList<T>(IReadOnlyList<T> Items, string ResourceVersion, string? Continue = null);

/// <summary>What a watch reports.</summary>
public enum WatchEventType
{
    /// <summary>An object was created.</summary>
    Added,

    /// <summary>An object changed.</summary>
    Modified,

    /// <summary>An object was deleted (the object is its last state).</summary>
    Deleted,

    /// <summary>No object changed; the collection reached <see cref="WatchEvent{T}.ResourceVersion"/>.</summary>
    Bookmark,
}

/// <summary>One change seen by a watch.</summary>
/// <param name="Type">What happened.</param>
/// <param name="Object">The object (null for bookmarks).</param>
/// <param name="ResourceVersion">The collection's resourceVersion after the change.</param>
public sealed record WatchEvent<T>(WatchEventType Type, T? Object, string ResourceVersion);
