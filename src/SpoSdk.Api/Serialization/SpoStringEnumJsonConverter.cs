using System.Text.Json;
using System.Text.Json.Serialization;
using SpoSdk.Api.Schema;

namespace SpoSdk.Api.Serialization;

/// <summary>
/// Reads and writes a generated string-backed enum as its exact wire string, known or not, so an
/// unknown value survives a round trip (validation reports it; reading never drops it).
/// </summary>
/// <typeparam name="T">The generated enum type.</typeparam>
public sealed class SpoStringEnumJsonConverter<T> : JsonConverter<T>
    where T : struct, ISpoStringEnum<T>
{
    /// <inheritdoc />
    public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw new JsonException("expected a string, got " + JsonTokenNames.Describe(reader.TokenType));
        }

        return T.FromValue(reader.GetString()!);
    }

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (value.Value is null)
        {
            writer.WriteNullValue();
        }
        else
        {
            writer.WriteStringValue(value.Value);
        }
    }
}
