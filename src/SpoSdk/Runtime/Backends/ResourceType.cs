using k8s;
using k8s.Models;
using SpoSdk.Api.Schema;

namespace SpoSdk.Runtime.Backends;

/// <summary>
/// How a .NET model type maps to an API resource: group, version, kind, plural and scope. Known for
/// every SPO kind (from the generated models) and for the core kinds the operator reads and writes.
/// </summary>
/// <param name="Group">The API group; empty for the core group.</param>
/// <param name="Version">The version.</param>
/// <param name="Kind">The kind.</param>
/// <param name="Plural">The plural resource name used in URLs.</param>
/// <param name="IsNamespaced">Whether objects live in namespaces.</param>
/// <param name="ModelType">The .NET model.</param>
/// <param name="HasStatusSubresource">Whether status is written separately from the rest.</param>
public sealed record ResourceType(string Group, string Version, string Kind, string Plural, bool IsNamespaced, Type ModelType, bool HasStatusSubresource)
{
    /// <summary>The <c>apiVersion</c> value.</summary>
    public string ApiVersion => Group.Length == 0 ? Version : Group + "/" + Version;

    /// <summary>The resource type of an SPO kind version.</summary>
    public static ResourceType From(SpoKindInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        return new(info.Group, info.Version, info.Kind, info.Plural, info.IsNamespaced, info.ModelType, HasStatusSubresource: true);
    }

    /// <summary>The resource type of <typeparamref name="T"/>: a generated SPO model or a known core kind.</summary>
    public static ResourceType Of<T>()
        where T : IKubernetesObject<V1ObjectMeta> => Of(typeof(T));

    /// <summary>The resource type of a model type.</summary>
    public static ResourceType Of(Type modelType)
    {
        ArgumentNullException.ThrowIfNull(modelType);
        if (Api.Serialization.SpoKindRegistry.Default.Kinds.FirstOrDefault(k => k.ModelType == modelType) is { } spo)
        {
            return From(spo);
        }

        return CoreTypes.TryGetValue(modelType, out var core)
            ? core
            : throw new ArgumentException(modelType.Name + " is not a resource type SpoSdk knows", nameof(modelType));
    }

    // The core kinds the operator works with; their plurals are fixed by Kubernetes.
    private static readonly Dictionary<Type, ResourceType> CoreTypes = new()
    {
        [typeof(V1Pod)] = new(string.Empty, "v1", "Pod", "pods", true, typeof(V1Pod), true),
        [typeof(V1Node)] = new(string.Empty, "v1", "Node", "nodes", false, typeof(V1Node), true),
        [typeof(V1Namespace)] = new(string.Empty, "v1", "Namespace", "namespaces", false, typeof(V1Namespace), true),
        [typeof(Corev1Event)] = new(string.Empty, "v1", "Event", "events", true, typeof(Corev1Event), false),
        [typeof(V1Lease)] = new("coordination.k8s.io", "v1", "Lease", "leases", true, typeof(V1Lease), false),
        [typeof(V1CustomResourceDefinition)] = new("apiextensions.k8s.io", "v1", "CustomResourceDefinition", "customresourcedefinitions", false, typeof(V1CustomResourceDefinition), true),
    };
}
