using System.Text.Json;
using System.Text.Json.Nodes;
using SpoSdk.Api.Conversion;

namespace SpoSdk.Conversion;

/// <summary>
/// Answers apiextensions.k8s.io/v1 ConversionReview requests, as the API server sends them to a
/// CRD's conversion webhook: echoes the uid, converts every object to the desired apiVersion, and
/// reports any failure in <c>response.result</c>. Never throws for bad input: a malformed review
/// gets a failure result, so the API server shows a reason instead of a transport error.
/// </summary>
public sealed class ConversionReviewHandler
{
    private const string ReviewApiVersion = "apiextensions.k8s.io/v1";
    private const string ReviewKind = "ConversionReview";

    // Reviews are bounded by the API server's request limits; this guards direct callers too.
    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 128 };

    private readonly SpoConverter _converter;

    /// <summary>Creates a handler over a converter.</summary>
    public ConversionReviewHandler(SpoConverter converter)
    {
        ArgumentNullException.ThrowIfNull(converter);
        _converter = converter;
    }

    /// <summary>Handles one review given as UTF-8 JSON and returns the response review as UTF-8 JSON.</summary>
    public byte[] Handle(ReadOnlySpan<byte> requestJson)
    {
        // JSON is UTF-8; checking once here keeps every later string read from throwing on bad bytes.
        if (!System.Text.Unicode.Utf8.IsValid(requestJson))
        {
            return Failure(string.Empty, "malformed ConversionReview: the body is not valid UTF-8");
        }

        JsonNode? review;
        try
        {
            review = JsonNode.Parse(requestJson, documentOptions: DocumentOptions);
        }
        catch (JsonException ex)
        {
            return Failure(string.Empty, "malformed ConversionReview: " + ex.Message);
        }

        return Handle(review);
    }

    /// <summary>Handles one review given as a JSON tree (whose objects are converted in place).</summary>
    public byte[] Handle(JsonNode? review)
    {
        if (review is not JsonObject reviewObject || reviewObject["request"] is not JsonObject request)
        {
            return Failure(string.Empty, "malformed ConversionReview: request is missing");
        }

        var uid = UidOf(request);
        if (reviewObject["kind"]?.GetValueKind() != JsonValueKind.String || reviewObject["kind"]!.GetValue<string>() != ReviewKind)
        {
            return Failure(uid, "malformed ConversionReview: kind must be " + ReviewKind);
        }

        if (request["desiredAPIVersion"] is not JsonValue desired || desired.GetValueKind() != JsonValueKind.String)
        {
            return Failure(uid, "malformed ConversionReview: request.desiredAPIVersion is missing");
        }

        if (request["objects"] is not JsonArray objects)
        {
            return Failure(uid, "malformed ConversionReview: request.objects is missing");
        }

        var target = desired.GetValue<string>();
        for (var i = 0; i < objects.Count; i++)
        {
            if (objects[i] is not JsonObject obj)
            {
                return Failure(uid, "request.objects[" + i + "] is not an object");
            }

            try
            {
                _converter.ConvertInPlace(obj, target);
            }
            catch (SpoConversionException ex)
            {
                return Failure(uid, "request.objects[" + i + "] " + Describe(obj) + ": " + ex.Message);
            }
        }

        return Write(uid, writer =>
        {
            writer.WritePropertyName("convertedObjects");
            objects.WriteTo(writer);
            writer.WriteStartObject("result");
            writer.WriteString("status", "Success");
            writer.WriteEndObject();
        });
    }

    private static string Describe(JsonObject obj) =>
        (obj["kind"]?.ToString() ?? "object") + "/" + (obj["metadata"]?["name"]?.ToString() ?? "<unnamed>");

    private static string UidOf(JsonNode? request) =>
        request is JsonObject obj && obj["uid"] is JsonValue uid && uid.GetValueKind() == JsonValueKind.String ? uid.GetValue<string>() : string.Empty;

    private static byte[] Failure(string uid, string message) => Write(uid, writer =>
    {
        writer.WritePropertyName("convertedObjects");
        writer.WriteStartArray();
        writer.WriteEndArray();
        writer.WriteStartObject("result");
        writer.WriteString("status", "Failure");
        writer.WriteString("message", message);
        writer.WriteEndObject();
    });

    private static byte[] Write(string uid, Action<Utf8JsonWriter> writeResponse)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("apiVersion", ReviewApiVersion);
            writer.WriteString("kind", ReviewKind);
            writer.WriteStartObject("response");
            writer.WriteString("uid", uid);
            writeResponse(writer);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
