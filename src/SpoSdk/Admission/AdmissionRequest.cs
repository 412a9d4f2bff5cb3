using System.Text.Json;

namespace SpoSdk.Admission;

/// <summary>The AdmissionReview versions the API server may send; the response must use the same one.</summary>
public enum AdmissionReviewVersion
{
    /// <summary><c>admission.k8s.io/v1</c>.</summary>
    V1,

    /// <summary><c>admission.k8s.io/v1beta1</c>, what upstream's webhook configurations ask for.</summary>
    V1Beta1,
}

/// <summary>What the request does to the object.</summary>
public enum AdmissionOperation
{
    /// <summary>An operation this SDK does not know; handlers refuse or ignore it.</summary>
    Unknown,

    /// <summary>The object is being created.</summary>
    Create,

    /// <summary>The object is being replaced or patched.</summary>
    Update,

    /// <summary>The object is being deleted (<see cref="AdmissionRequest.OldObject"/> holds it).</summary>
    Delete,

    /// <summary>A connect subresource such as <c>pods/exec</c>.</summary>
    Connect,
}

/// <summary>A group, version and kind, as in <c>request.kind</c>.</summary>
/// <param name="Group">The API group; empty for the core group.</param>
/// <param name="Version">The version.</param>
/// <param name="Kind">The kind.</param>
public readonly record struct GroupVersionKind(string Group, string Version, string Kind);

/// <summary>A group, version and resource, as in <c>request.resource</c>.</summary>
/// <param name="Group">The API group; empty for the core group.</param>
/// <param name="Version">The version.</param>
/// <param name="Resource">The plural resource name.</param>
public readonly record struct GroupVersionResource(string Group, string Version, string Resource);

/// <summary>
/// The <c>request</c> of an AdmissionReview (v1 or v1beta1, which share the shape). The objects are
/// the parsed JSON as the API server sent it, never a typed round trip, so a patch computed from them
/// cannot drop fields this SDK does not model.
/// </summary>
/// <remarks>
/// <see cref="Object"/> and <see cref="OldObject"/> live in a <see cref="JsonDocument"/> owned by
/// whoever decoded the review (<see cref="AdmissionReviewProcessor"/>): a handler reads them while it
/// runs and must not keep them afterwards.
/// </remarks>
public sealed class AdmissionRequest
{
    /// <summary>Creates a request; <see cref="AdmissionReviewCodec"/> builds them from reviews.</summary>
    public AdmissionRequest(string uid, AdmissionOperation operation)
    {
        ArgumentNullException.ThrowIfNull(uid);
        Uid = uid;
        Operation = operation;
        OperationName = operation.ToString().ToUpperInvariant();
    }

    /// <summary>The review version the request came in; the response is written in the same one.</summary>
    public AdmissionReviewVersion ReviewVersion { get; init; } = AdmissionReviewVersion.V1;

    /// <summary>The request's identifier, echoed in the response.</summary>
    public string Uid { get; }

    /// <summary>The operation.</summary>
    public AdmissionOperation Operation { get; }

    /// <summary>The operation as sent (meaningful when <see cref="Operation"/> is <see cref="AdmissionOperation.Unknown"/>).</summary>
    public string OperationName { get; init; }

    /// <summary>The kind of <see cref="Object"/>, e.g. <c>/v1, Kind=Pod</c> or <c>PodExecOptions</c>.</summary>
    public GroupVersionKind Kind { get; init; }

    /// <summary>The resource being admitted, e.g. <c>pods</c>.</summary>
    public GroupVersionResource Resource { get; init; }

    /// <summary>The subresource (<c>exec</c>, <c>ephemeralcontainers</c>), or empty.</summary>
    public string SubResource { get; init; } = string.Empty;

    /// <summary>
    /// The object's name. Empty on a CREATE whose object only has <c>generateName</c>: the API server
    /// generates names after mutating admission.
    /// </summary>
    public string Name { get; init; } = string.Empty;

    /// <summary>The namespace, or empty for cluster-scoped objects.</summary>
    public string Namespace { get; init; } = string.Empty;

    /// <summary>The object after the operation (CREATE, UPDATE, CONNECT); <see cref="JsonValueKind.Undefined"/> when absent.</summary>
    public JsonElement Object { get; init; }

    /// <summary>The object before the operation (UPDATE, DELETE); <see cref="JsonValueKind.Undefined"/> when absent.</summary>
    public JsonElement OldObject { get; init; }

    /// <summary>Whether the API server will not persist the result; handlers then make no side effects.</summary>
    public bool DryRun { get; init; }

    /// <summary>The requesting user's name, for messages.</summary>
    public string UserName { get; init; } = string.Empty;

    /// <summary>Whether <see cref="Object"/> holds a JSON object.</summary>
    public bool HasObject => Object.ValueKind == JsonValueKind.Object;

    /// <summary>Whether <see cref="OldObject"/> holds a JSON object.</summary>
    public bool HasOldObject => OldObject.ValueKind == JsonValueKind.Object;

    /// <summary>Parses an operation name as the API server spells it (<c>CREATE</c>, …).</summary>
    public static AdmissionOperation ParseOperation(string? name) => name switch
    {
        "CREATE" => AdmissionOperation.Create,
        "UPDATE" => AdmissionOperation.Update,
        "DELETE" => AdmissionOperation.Delete,
        "CONNECT" => AdmissionOperation.Connect,
        _ => AdmissionOperation.Unknown,
    };
}
