using System.Reflection;
using k8s;
using k8s.Models;

namespace SpoSdk.Runtime.Backends;

/// <summary>Operations on objects whose type is known only at run time (e.g. read from manifests).</summary>
public static class ClusterBackendExtensions
{
    private static readonly MethodInfo CreateOne = typeof(ClusterBackendExtensions).GetMethod(nameof(CreateTypedAsync), BindingFlags.NonPublic | BindingFlags.Static)!;

    /// <summary>Creates <paramref name="obj"/> through the client of its own type.</summary>
    public static Task<IKubernetesObject<V1ObjectMeta>> CreateAsync(this IClusterBackend backend, IKubernetesObject<V1ObjectMeta> obj, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(obj);
        return (Task<IKubernetesObject<V1ObjectMeta>>)CreateOne.MakeGenericMethod(obj.GetType()).Invoke(null, [backend, obj, cancellationToken])!;
    }

    private static async Task<IKubernetesObject<V1ObjectMeta>> CreateTypedAsync<T>(IClusterBackend backend, T obj, CancellationToken cancellationToken)
        where T : class, IKubernetesObject<V1ObjectMeta> =>
        await backend.Resource<T>().CreateAsync(obj, cancellationToken).ConfigureAwait(false);
}
