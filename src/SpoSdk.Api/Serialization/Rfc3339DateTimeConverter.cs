using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace SpoSdk.Api.Serialization;

/// <summary>
/// Reads RFC 3339 timestamps (any offset) as UTC and writes them as Kubernetes does:
/// <c>2024-01-02T03:04:05Z</c>, with fractional seconds only when there are any.
/// </summary>
internal sealed class Rfc3339DateTimeConverter : JsonConverter<DateTime>
{
    private static readonly string[] Formats = ["yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", "yyyy-MM-dd'T'HH:mm:ssK"];

    public override DateTime Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw new JsonException("expected an RFC 3339 timestamp string, got " + JsonTokenNames.Describe(reader.TokenType));
        }

        var text = reader.GetString()!;
        if (!DateTimeOffset.TryParseExact(text, Formats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value))
        {
            throw new JsonException("\"" + text + "\" is not an RFC 3339 timestamp");
        }

        return value.UtcDateTime;
    }

    public override void Write(Utf8JsonWriter writer, DateTime value, JsonSerializerOptions options)
    {
        var utc = value.Kind == DateTimeKind.Local ? value.ToUniversalTime() : DateTime.SpecifyKind(value, DateTimeKind.Utc);
        writer.WriteStringValue(utc.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture));
    }
}
