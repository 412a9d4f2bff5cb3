using System.Buffers;
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

    // The response is built from parsed input by code that always closes what it opens: the
    // writer's per-token structure checks would only repeat that.
    private static readonly JsonWriterOptions ResponseWriterOptions = new() { SkipValidation = true, MaxDepth = 256 };

    private readonly SpoConverter _converter;

    /// <summary>Creates a handler over a converter.</summary>
    public ConversionReviewHandler(SpoConverter converter)
    {
        ArgumentNullException.ThrowIfNull(converter);
        _converter = converter;
    }

    /// <summary>Handles one review given as UTF-8 JSON and returns the response review as UTF-8 JSON.</summary>
    public ReadOnlyMemory<byte> Handle(ReadOnlyMemory<byte> requestJson)
    {
        // JSON is UTF-8; checking once here keeps every later string read from throwing on bad bytes.
        if (!System.Text.Unicode.Utf8.IsValid(requestJson.Span))
        {
            return Failure(string.Empty, "malformed ConversionReview: the body is not valid UTF-8");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(requestJson, DocumentOptions);
        }
        catch (JsonException ex)
        {
            return Failure(string.Empty, "malformed ConversionReview: " + ex.Message);
        }

        using (document)
        {
            return Handle(document.RootElement, requestJson.Length);
        }
    }

    /// <summary>Handles one review given as a parsed JSON element.</summary>
    /// <param name="review">The review.</param>
    /// <param name="sizeHint">About how many bytes the response will take (the request's size is a good guess).</param>
    public ReadOnlyMemory<byte> Handle(JsonElement review, int sizeHint = 4096)
    {
        if (review.ValueKind != JsonValueKind.Object || !review.TryGetProperty("request"u8, out var request) || request.ValueKind != JsonValueKind.Object)
        {
            return Failure(string.Empty, "malformed ConversionReview: request is missing");
        }

        var uid = request.TryGetProperty("uid"u8, out var uidValue) && uidValue.ValueKind == JsonValueKind.String ? uidValue.GetString()! : string.Empty;
        if (!review.TryGetProperty("kind"u8, out var kind) || !kind.ValueEquals(ReviewKind))
        {
            return Failure(uid, "malformed ConversionReview: kind must be " + ReviewKind);
        }

        if (!request.TryGetProperty("desiredAPIVersion"u8, out var desired) || desired.ValueKind != JsonValueKind.String)
        {
            return Failure(uid, "malformed ConversionReview: request.desiredAPIVersion is missing");
        }

        if (!request.TryGetProperty("objects"u8, out var objects) || objects.ValueKind != JsonValueKind.Array)
        {
            return Failure(uid, "malformed ConversionReview: request.objects is missing");
        }

        var target = desired.GetString()!;
        var batch = _converter.CreateBatch(target);
        var buffer = new ArrayBufferWriter<byte>(Math.Max(sizeHint, 256) + 256);
        using (var writer = new Utf8JsonWriter(buffer, ResponseWriterOptions))
        {
            WriteHeader(writer, uid);
            writer.WritePropertyName("convertedObjects"u8);
            writer.WriteStartArray();
            var index = 0;
            foreach (var obj in objects.EnumerateArray())
            {
                if (ConvertOne(obj, batch, target, index++, writer) is { } failure)
                {
                    return Failure(uid, failure);
                }
            }

            writer.WriteEndArray();
            writer.WriteStartObject("result"u8);
            writer.WriteString("status"u8, "Success");
            writer.WriteEndObject();
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        // The buffer's own memory: a response of hundreds of kilobytes is not copied again.
        return buffer.WrittenMemory;
    }

    // Most objects take the streaming path; the rest are converted as a tree. Returns the failure message, if any.
    private string? ConvertOne(JsonElement element, ConversionBatch batch, string target, int index, Utf8JsonWriter writer)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            return "request.objects[" + index + "] is not an object";
        }

        if (batch.TryWrite(element, writer))
        {
            return null;
        }

        if (RepeatedPropertyName(element) is { } repeated)
        {
            return "request.objects[" + index + "] has the property " + repeated + " twice";
        }

        var obj = JsonObject.Create(element)!;
        try
        {
            _converter.ConvertInPlace(obj, target);
        }
        catch (SpoConversionException ex)
        {
            return "request.objects[" + index + "] " + Describe(obj) + ": " + ex.Message;
        }

        obj.WriteTo(writer);
        return null;
    }

    // A JSON tree cannot hold one name twice (building it would throw), and which value was meant is unclear anyway.
    private static string? RepeatedPropertyName(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var names = new HashSet<string>(StringComparer.Ordinal);
                foreach (var property in element.EnumerateObject())
                {
                    if (!names.Add(property.Name))
                    {
                        return property.Name;
                    }

                    if (RepeatedPropertyName(property.Value) is { } nested)
                    {
                        return property.Name + (nested.StartsWith('[') ? nested : "." + nested);
                    }
                }

                return null;
            case JsonValueKind.Array:
                var i = 0;
                foreach (var item in element.EnumerateArray())
                {
                    if (RepeatedPropertyName(item) is { } nested)
                    {
                        return "[" + i + "]" + (nested.StartsWith('[') ? nested : "." + nested);
                    }

                    i++;
                }

                return null;
            default:
                return null;
        }
    }

    private static string Describe(JsonObject obj) =>
        (obj["kind"]?.ToString() ?? "object") + "/" + ((obj["metadata"] as JsonObject)?["name"]?.ToString() ?? "<unnamed>");

    private static ReadOnlyMemory<byte> Failure(string uid, string message)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            WriteHeader(writer, uid);
            writer.WritePropertyName("convertedObjects"u8);
            writer.WriteStartArray();
            writer.WriteEndArray();
            writer.WriteStartObject("result"u8);
            writer.WriteString("status"u8, "Failure");
            writer.WriteString("message"u8, message);
            writer.WriteEndObject();
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return buffer.WrittenMemory;
    }

    // Opens the review and its response; the caller closes both.
    private static void WriteHeader(Utf8JsonWriter writer, string uid)
    {
        writer.WriteStartObject();
        writer.WriteString("apiVersion"u8, ReviewApiVersion);
        writer.WriteString("kind"u8, ReviewKind);
        writer.WriteStartObject("response"u8);
        writer.WriteString("uid"u8, uid);
    }
}
