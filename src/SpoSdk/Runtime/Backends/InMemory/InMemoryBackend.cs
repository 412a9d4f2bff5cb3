using System.Collections.Concurrent;
using k8s;
using k8s.Models;

namespace SpoSdk.Runtime.Backends.InMemory;

/// <summary>
/// The embedded cluster: every kind on one <see cref="InMemoryObjectStore"/>, SPO objects defaulted,
/// validated and pruned like a real API server would, stored in their hub version and converted
/// for clients of legacy versions.
/// </summary>
public sealed class InMemoryBackend : IClusterBackend
{
    private readonly ConcurrentDictionary<Type, object> _clients = new();
    private readonly ObjectAdmission _admission;

    /// <summary>Creates a backend over a store.</summary>
    public InMemoryBackend(InMemoryObjectStore store, ObjectAdmission admission)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(admission);
        Store = store;
        _admission = admission;
    }

    /// <summary>The objects.</summary>
    public InMemoryObjectStore Store { get; }

    /// <inheritdoc />
    public IResourceClient<T> Resource<T>()
        where T : class, IKubernetesObject<V1ObjectMeta> =>
        (IResourceClient<T>)_clients.GetOrAdd(typeof(T), _ => new InMemoryResourceClient<T>(Store, _admission));
}
