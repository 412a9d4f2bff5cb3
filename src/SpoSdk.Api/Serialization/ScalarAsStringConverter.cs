using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace SpoSdk.Api.Serialization;

/// <summary>
/// Reads a number or boolean where a string is expected as its text, the way Kubernetes' YAML
/// decoding fills a string field from an unquoted <c>name: 123</c>. Objects and lists stay errors.
/// </summary>
internal sealed class ScalarAsStringConverter : JsonConverter<string>
{
    public override bool HandleNull => false;

    public override string Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
    {
        JsonTokenType.String => reader.GetString()!,
        JsonTokenType.Number => Encoding.UTF8.GetString(reader.HasValueSequence ? System.Buffers.BuffersExtensions.ToArray(reader.ValueSequence) : reader.ValueSpan),
        JsonTokenType.True => "true",
        JsonTokenType.False => "false",
        _ => throw new JsonException("expected a string, got " + JsonTokenNames.Describe(reader.TokenType)),
    };

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);
}
