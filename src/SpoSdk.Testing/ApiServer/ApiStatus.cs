using System.Text.Json.Nodes;
using SpoSdk.Runtime.Backends;

namespace SpoSdk.Testing.ApiServer;

/// <summary>An error the server answers with a <c>kind: Status</c> body, as the real API server does.</summary>
internal sealed class ApiError(int code, string reason, string message, JsonObject? details = null) : Exception(message)
{
    public int Code { get; } = code;

    public string Reason { get; } = reason;

    public JsonObject? Details { get; } = details;

    public static ApiError BadRequest(string message) => new(400, "BadRequest", message);

    /// <summary>The error a Status body describes.</summary>
    public static ApiError From(JsonObject status) => new(
        (int)status["code"]!,
        (string?)status["reason"] ?? string.Empty,
        (string)status["message"]!,
        status["details"]?.DeepClone() as JsonObject);

    public static ApiError NotFound(ServedResource resource, string name) =>
        new(404, "NotFound", resource.QualifiedName + " \"" + name + "\" not found", ApiStatus.Details(resource, name));

    public static ApiError NoRoute() => new(404, "NotFound", "the server could not find the requested resource");

    public static ApiError MethodNotAllowed() => new(405, "MethodNotAllowed", "the server does not allow this method on the requested resource");

    public static ApiError UnsupportedMediaType(string contentType, string accepted) =>
        new(415, "UnsupportedMediaType", "the body of the request was in an unknown format - accepted media types include: " + accepted + " (got " + contentType + ")");

    public static ApiError TooLarge(int limit) => new(413, "RequestEntityTooLarge", "the request body is larger than " + limit + " bytes");
}

/// <summary>Status bodies for errors and successful deletions.</summary>
internal static class ApiStatus
{
    public static JsonObject Failure(int code, string reason, string message, JsonObject? details = null)
    {
        var status = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = message,
        };

        // A plain error on the real server has no reason (StatusReasonUnknown is empty and left out).
        if (reason.Length > 0)
        {
            status["reason"] = reason;
        }

        if (details is not null)
        {
            status["details"] = details;
        }

        status["code"] = code;
        return status;
    }

    public static JsonObject Success(ServedResource resource, string name, string? uid)
    {
        var details = Details(resource, name);
        if (uid is not null)
        {
            details["uid"] = uid;
        }

        return new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Success",
            ["details"] = details,
        };
    }

    public static JsonObject Details(ServedResource resource, string? name, string? kind = null)
    {
        var details = new JsonObject();
        if (!string.IsNullOrEmpty(name))
        {
            details["name"] = name;
        }

        details["group"] = resource.Type.Group;
        details["kind"] = kind ?? resource.Type.Plural;
        return details;
    }

    /// <summary>
    /// The Status for an exception from the store or admission, worded as the real API server words
    /// it for <paramref name="resource"/> (null outside a resource request).
    /// </summary>
    public static JsonObject From(Exception exception, ServedResource? resource, string? name)
    {
        var label = resource is null ? "object" : resource.QualifiedName;
        return exception switch
        {
            ApiError error => Failure(error.Code, error.Reason, error.Message, error.Details),
            ResourceNotFoundException when resource is not null =>
                Failure(404, "NotFound", label + " \"" + name + "\" not found", Details(resource, name)),
            ResourceAlreadyExistsException when resource is not null =>
                Failure(409, "AlreadyExists", label + " \"" + name + "\" already exists", Details(resource, name)),
            ResourceConflictException { Status.Causes.Count: > 0 } conflict => Conflict(conflict, resource, name),
            ResourceConflictException when resource is not null =>
                Failure(409, "Conflict", "Operation cannot be fulfilled on " + label + " \"" + name + "\": the object has been modified; please apply your changes to the latest version and try again", Details(resource, name)),
            ResourceInvalidException invalid => Invalid(invalid, resource, name),
            ResourceException other => Failure(other.Code, other.Reason, other.Message, resource is null ? null : Details(resource, name)),
            _ => Failure(500, "InternalError", "Internal error occurred: " + exception.Message),
        };
    }

    // A server-side apply conflict: its message and one FieldManagerConflict cause per field.
    private static JsonObject Conflict(ResourceConflictException conflict, ServedResource? resource, string? name)
    {
        var details = resource is null ? new JsonObject() : Details(resource, name);
        details["causes"] = new JsonArray(conflict.Status.Causes
            .Select(c => (JsonNode)new JsonObject { ["reason"] = c.Reason, ["message"] = c.Message, ["field"] = c.Field })
            .ToArray());
        return Failure(409, "Conflict", conflict.Message, details);
    }

    private static JsonObject Invalid(ResourceInvalidException invalid, ServedResource? resource, string? name)
    {
        var causes = new JsonArray();
        foreach (var (field, text) in invalid.Causes)
        {
            causes.Add(new JsonObject { ["reason"] = CauseReason(text), ["message"] = text, ["field"] = field });
        }

        var listed = invalid.Causes.Select(c => c.Field.Length == 0 ? c.Message : c.Field + ": " + c.Message).ToList();
        var message = resource is null || listed.Count == 0
            ? invalid.Message
            : resource.QualifiedKind + " \"" + name + "\" is invalid: " + (listed.Count == 1 ? listed[0] : "[" + string.Join(", ", listed) + "]");
        var details = resource is null ? new JsonObject() : Details(resource, name, resource.Type.Kind);
        details["causes"] = causes;
        return Failure(422, "Invalid", message, details);
    }

    // The API server's cause types, recognised from the message prefixes field errors use.
    private static string CauseReason(string message) =>
        message.StartsWith("Required value", StringComparison.Ordinal) ? "FieldValueRequired"
        : message.StartsWith("Unsupported value", StringComparison.Ordinal) ? "FieldValueNotSupported"
        : message.StartsWith("Duplicate value", StringComparison.Ordinal) ? "FieldValueDuplicate"
        : message.StartsWith("Too long", StringComparison.Ordinal) || message.StartsWith("Too many", StringComparison.Ordinal) ? "FieldValueTooLong"
        : message.StartsWith("Forbidden", StringComparison.Ordinal) ? "FieldValueForbidden"
        : "FieldValueInvalid";
}
