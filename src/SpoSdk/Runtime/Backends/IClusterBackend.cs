using k8s;
using k8s.Models;

namespace SpoSdk.Runtime.Backends;

/// <summary>Where objects live: the in-memory cluster or a Kubernetes API server.</summary>
public interface IClusterBackend
{
    /// <summary>The client for objects of <typeparamref name="T"/>.</summary>
    IResourceClient<T> Resource<T>()
        where T : class, IKubernetesObject<V1ObjectMeta>;
}
