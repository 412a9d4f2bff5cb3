using k8s;
using k8s.Models;

namespace SpoSdk.Api.Schema;

/// <summary>
/// A top-level object of one of the Security Profiles Operator kinds, in any served version.
/// Implemented by every generated root model.
/// </summary>
public interface ISpoObject : IKubernetesObject<V1ObjectMeta>, ISchemaValidatable
{
    /// <summary>Static facts about the kind and version of this object.</summary>
    SpoKindInfo KindInfo { get; }

    /// <summary>Fills unset fields that have schema defaults, the way the API server defaults an object it stores.</summary>
    void ApplyDefaults();
}

/// <summary>A generated model node that can check itself against its OpenAPI schema.</summary>
public interface ISchemaValidatable
{
    /// <summary>
    /// Adds every schema violation of this node and its children to <paramref name="context"/>,
    /// with JSON paths relative to the context's current position.
    /// </summary>
    void Validate(SchemaValidationContext context);
}

/// <summary>
/// A generated string-backed enum: keeps the exact wire value, including values the schema does not know.
/// </summary>
/// <typeparam name="TSelf">The generated enum type.</typeparam>
public interface ISpoStringEnum<TSelf> : IEquatable<TSelf>
    where TSelf : struct, ISpoStringEnum<TSelf>
{
    /// <summary>The wire value; <see langword="null"/> only for the default (unset) value.</summary>
    string? Value { get; }

    /// <summary>Whether the value is one the schema lists.</summary>
    bool IsKnown { get; }

    /// <summary>The values the schema lists, in schema order.</summary>
    static abstract IReadOnlyList<string> KnownValues { get; }

    /// <summary>Wraps a wire value, known or not.</summary>
    static abstract TSelf FromValue(string value);
}
