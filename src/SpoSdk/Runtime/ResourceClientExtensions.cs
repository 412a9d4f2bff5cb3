using k8s;
using k8s.Models;
using SpoSdk.Runtime.Backends;

namespace SpoSdk.Runtime;

/// <summary>Read-modify-write helpers that retry on 409 Conflict, as controllers must.</summary>
public static class ResourceClientExtensions
{
    private const int Attempts = 5;

    /// <summary>
    /// Reads the object, lets <paramref name="change"/> edit it, and writes it back only when the
    /// edit returned true; on a conflict it reads again and retries. Returns the object as stored,
    /// or null when it does not exist.
    /// </summary>
    public static Task<T?> UpdateWithRetryAsync<T>(this IResourceClient<T> client, ObjectKey key, Func<T, bool> change, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject<V1ObjectMeta> =>
        WriteWithRetryAsync(client, key, change, client.UpdateAsync, cancellationToken);

    /// <summary>As <see cref="UpdateWithRetryAsync{T}"/>, through the status subresource.</summary>
    public static Task<T?> UpdateStatusWithRetryAsync<T>(this IResourceClient<T> client, ObjectKey key, Func<T, bool> change, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject<V1ObjectMeta> =>
        WriteWithRetryAsync(client, key, change, client.UpdateStatusAsync, cancellationToken);

    private static async Task<T?> WriteWithRetryAsync<T>(IResourceClient<T> client, ObjectKey key, Func<T, bool> change, Func<T, CancellationToken, Task<T>> write, CancellationToken cancellationToken)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(change);
        for (var attempt = 1; ; attempt++)
        {
            var current = await client.GetAsync(key, cancellationToken).ConfigureAwait(false);
            if (current is null || !change(current))
            {
                return current;
            }

            try
            {
                return await write(current, cancellationToken).ConfigureAwait(false);
            }
            catch (ResourceConflictException) when (attempt < Attempts)
            {
                // Someone else wrote first: read their version and apply the change again.
            }
        }
    }
}

/// <summary>Finalizer helpers that say whether they changed anything, as controller-runtime's do.</summary>
public static class Finalizers
{
    /// <summary>Whether the object carries <paramref name="finalizer"/>.</summary>
    public static bool Contains(IKubernetesObject<V1ObjectMeta> obj, string finalizer)
    {
        ArgumentNullException.ThrowIfNull(obj);
        return obj.Metadata.Finalizers?.Contains(finalizer) == true;
    }

    /// <summary>Adds <paramref name="finalizer"/>; true when it was not there.</summary>
    public static bool Add(IKubernetesObject<V1ObjectMeta> obj, string finalizer)
    {
        ArgumentNullException.ThrowIfNull(obj);
        if (Contains(obj, finalizer))
        {
            return false;
        }

        obj.Metadata.Finalizers = [.. obj.Metadata.Finalizers ?? [], finalizer];
        return true;
    }

    /// <summary>Removes <paramref name="finalizer"/>; true when it was there.</summary>
    public static bool Remove(IKubernetesObject<V1ObjectMeta> obj, string finalizer)
    {
        ArgumentNullException.ThrowIfNull(obj);
        if (!Contains(obj, finalizer))
        {
            return false;
        }

        obj.Metadata.Finalizers = obj.Metadata.Finalizers!.Where(f => f != finalizer).ToList();
        return true;
    }
}

/// <summary>Reads labels and annotations, which KubernetesClient models keep as nullable <c>IDictionary</c>s.</summary>
public static class MetadataValues
{
    /// <summary>The label's value, or null.</summary>
    public static string? Label(this V1ObjectMeta metadata, string key) => ValueOf(metadata?.Labels, key);

    /// <summary>The annotation's value, or null.</summary>
    public static string? Annotation(this V1ObjectMeta metadata, string key) => ValueOf(metadata?.Annotations, key);

    private static string? ValueOf(IDictionary<string, string>? values, string key) =>
        values is not null && values.TryGetValue(key, out var value) ? value : null;
}
