using k8s;
using k8s.Models;

namespace SpoSdk.Runtime;

/// <summary>
/// What a reconcile request carries: namespace and name, never the object. Reconcilers read the
/// current state themselves, so a burst of events for one object becomes one reconcile.
/// </summary>
/// <param name="Namespace">The namespace; null for cluster-scoped objects.</param>
/// <param name="Name">The name.</param>
public readonly record struct ObjectKey(string? Namespace, string Name)
{
    /// <summary>The key of an object.</summary>
    public static ObjectKey Of(IKubernetesObject<V1ObjectMeta> obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        return new(string.IsNullOrEmpty(obj.Metadata?.NamespaceProperty) ? null : obj.Metadata.NamespaceProperty, obj.Metadata?.Name ?? string.Empty);
    }

    /// <summary>A cluster-scoped key.</summary>
    public static ObjectKey Cluster(string name) => new(null, name);

    /// <summary><c>namespace/name</c>, or <c>name</c> for cluster-scoped objects.</summary>
    public override string ToString() => Namespace is null ? Name : Namespace + "/" + Name;
}
