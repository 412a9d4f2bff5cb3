using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace SpoSdk.Admission;

/// <summary>
/// Reads AdmissionReview requests (v1 and v1beta1) and writes the matching responses. Decoding is
/// strict about the envelope (apiVersion, kind, uid, request shape) and lenient about everything the
/// handlers do not read, so an API server that adds request fields keeps working.
/// </summary>
public static class AdmissionReviewCodec
{
    /// <summary>The v1 apiVersion.</summary>
    public const string V1ApiVersion = "admission.k8s.io/v1";

    /// <summary>The v1beta1 apiVersion.</summary>
    public const string V1Beta1ApiVersion = "admission.k8s.io/v1beta1";

    private const string ReviewKind = "AdmissionReview";

    // Duplicate keys are refused: the API server never sends them, and a webhook that reads the first
    // while the API server keeps the last would judge a different object than the one stored.
    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 64, AllowDuplicateProperties = false };

    /// <summary>
    /// Decodes a review. On success the caller owns <paramref name="document"/> (dispose it once the
    /// request is handled: the request's objects live in it).
    /// </summary>
    /// <returns>False with <paramref name="error"/> set when the body is not a decodable AdmissionReview.</returns>
    public static bool TryDecode(ReadOnlyMemory<byte> body, [NotNullWhen(true)] out AdmissionRequest? request, [NotNullWhen(true)] out JsonDocument? document, [NotNullWhen(false)] out string? error)
    {
        request = null;
        document = null;

        // JSON is UTF-8; checking once here keeps every later string read from throwing on bad bytes.
        if (!System.Text.Unicode.Utf8.IsValid(body.Span))
        {
            error = "the body is not valid UTF-8";
            return false;
        }

        JsonDocument parsed;
        try
        {
            parsed = JsonDocument.Parse(body, DocumentOptions);
        }
        catch (JsonException ex)
        {
            error = "the body is not JSON: " + ex.Message;
            return false;
        }

        try
        {
            error = Decode(parsed.RootElement, out request);
        }
        catch (Exception ex) when (ex is InvalidOperationException or FormatException or JsonException)
        {
            // Lone surrogate escapes and similar survive parsing but not string reads.
            error = "malformed AdmissionReview: " + ex.Message;
        }

        if (error is not null || request is null)
        {
            parsed.Dispose();
            request = null;
            error ??= "malformed AdmissionReview";
            return false;
        }

        document = parsed;
        return true;
    }

    /// <summary>Writes the response review for <paramref name="request"/>: same apiVersion, its uid.</summary>
    public static byte[] Encode(AdmissionRequest request, AdmissionResponse response)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Encode(request.ReviewVersion, request.Uid, response);
    }

    /// <summary>Writes a response review.</summary>
    public static byte[] Encode(AdmissionReviewVersion version, string uid, AdmissionResponse response)
    {
        ArgumentNullException.ThrowIfNull(uid);
        ArgumentNullException.ThrowIfNull(response);
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            writer.WriteString("apiVersion"u8, version == AdmissionReviewVersion.V1 ? V1ApiVersion : V1Beta1ApiVersion);
            writer.WriteString("kind"u8, ReviewKind);
            writer.WriteStartObject("response"u8);
            writer.WriteString("uid"u8, uid);
            writer.WriteBoolean("allowed"u8, response.Allowed);
            writer.WriteStartObject("status"u8);
            writer.WriteNumber("code"u8, response.Code);
            if (response.Reason is { Length: > 0 } reason)
            {
                writer.WriteString("reason"u8, reason);
            }

            if (response.Message is { Length: > 0 } message)
            {
                writer.WriteString("message"u8, message);
            }

            writer.WriteEndObject();

            // The API server refuses a patch on a denied request, so only allowed responses carry one.
            if (response.Allowed && response.Patch.Count > 0)
            {
                writer.WriteString("patchType"u8, "JSONPatch");
                writer.WriteBase64String("patch"u8, JsonPatchWriter.ToUtf8Json(response.Patch));
            }

            if (response.AuditAnnotations.Count > 0)
            {
                writer.WriteStartObject("auditAnnotations"u8);
                foreach (var (key, value) in response.AuditAnnotations.OrderBy(a => a.Key, StringComparer.Ordinal))
                {
                    writer.WriteString(key, value);
                }

                writer.WriteEndObject();
            }

            if (response.Warnings.Count > 0)
            {
                writer.WriteStartArray("warnings"u8);
                foreach (var warning in response.Warnings)
                {
                    writer.WriteStringValue(warning);
                }

                writer.WriteEndArray();
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static string? Decode(JsonElement root, out AdmissionRequest? request)
    {
        request = null;
        if (root.ValueKind != JsonValueKind.Object)
        {
            return "malformed AdmissionReview: the body is not a JSON object";
        }

        if (!root.TryGetProperty("kind"u8, out var kind) || !kind.ValueEquals(ReviewKind))
        {
            return "not an AdmissionReview: kind must be " + ReviewKind;
        }

        AdmissionReviewVersion version;
        if (!root.TryGetProperty("apiVersion"u8, out var apiVersion) || apiVersion.ValueKind != JsonValueKind.String)
        {
            return "malformed AdmissionReview: apiVersion is missing";
        }
        else if (apiVersion.ValueEquals(V1ApiVersion))
        {
            version = AdmissionReviewVersion.V1;
        }
        else if (apiVersion.ValueEquals(V1Beta1ApiVersion))
        {
            version = AdmissionReviewVersion.V1Beta1;
        }
        else
        {
            return "unsupported AdmissionReview apiVersion " + Quote(apiVersion) + " (expected " + V1ApiVersion + " or " + V1Beta1ApiVersion + ")";
        }

        if (!root.TryGetProperty("request"u8, out var body) || body.ValueKind != JsonValueKind.Object)
        {
            return "malformed AdmissionReview: request is missing";
        }

        if (!body.TryGetProperty("uid"u8, out var uid) || uid.ValueKind != JsonValueKind.String || uid.GetString() is not { Length: > 0 } uidText)
        {
            return "malformed AdmissionReview: request.uid is missing";
        }

        if (!TryString(body, "operation"u8, out var operation) || operation.Length == 0)
        {
            return "malformed AdmissionReview: request.operation is missing";
        }

        if ((Invalid(body, "object"u8) ?? Invalid(body, "oldObject"u8)) is { } badObject)
        {
            return badObject;
        }

        request = new AdmissionRequest(uidText, AdmissionRequest.ParseOperation(operation))
        {
            ReviewVersion = version,
            OperationName = operation,
            Kind = new GroupVersionKind(Field(body, "kind"u8, "group"u8), Field(body, "kind"u8, "version"u8), Field(body, "kind"u8, "kind"u8)),
            Resource = new GroupVersionResource(Field(body, "resource"u8, "group"u8), Field(body, "resource"u8, "version"u8), Field(body, "resource"u8, "resource"u8)),
            SubResource = TryString(body, "subResource"u8, out var sub) ? sub : string.Empty,
            Name = TryString(body, "name"u8, out var name) ? name : string.Empty,
            Namespace = TryString(body, "namespace"u8, out var ns) ? ns : string.Empty,
            Object = body.TryGetProperty("object"u8, out var obj) ? obj : default,
            OldObject = body.TryGetProperty("oldObject"u8, out var old) ? old : default,
            DryRun = body.TryGetProperty("dryRun"u8, out var dry) && dry.ValueKind == JsonValueKind.True,
            UserName = Field(body, "userInfo"u8, "username"u8),
        };
        return null;
    }

    // object and oldObject are objects or null; anything else means the sender is not an API server.
    private static string? Invalid(JsonElement body, ReadOnlySpan<byte> name) =>
        body.TryGetProperty(name, out var value) && value.ValueKind is not (JsonValueKind.Object or JsonValueKind.Null)
            ? "malformed AdmissionReview: request." + System.Text.Encoding.UTF8.GetString(name) + " is not an object"
            : null;

    private static bool TryString(JsonElement obj, ReadOnlySpan<byte> name, out string value)
    {
        if (obj.TryGetProperty(name, out var element) && element.ValueKind == JsonValueKind.String)
        {
            value = element.GetString()!;
            return true;
        }

        value = string.Empty;
        return false;
    }

    private static string Field(JsonElement obj, ReadOnlySpan<byte> outer, ReadOnlySpan<byte> inner) =>
        obj.TryGetProperty(outer, out var nested) && nested.ValueKind == JsonValueKind.Object && TryString(nested, inner, out var value) ? value : string.Empty;

    private static string Quote(JsonElement value)
    {
        var text = value.GetString() ?? string.Empty;
        return "\"" + (text.Length > 100 ? text[..100] + "…" : text) + "\"";
    }
}
