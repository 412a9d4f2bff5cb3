using System.Text.Json;

namespace SpoSdk.Api.Serialization;

/// <summary>Reads schema default values (compact JSON baked into generated code) into model types.</summary>
public static class SchemaDefaults
{
    /// <summary>Deserializes a default value; a fresh instance every call, so callers may mutate it.</summary>
    /// <typeparam name="T">The property type.</typeparam>
    /// <param name="json">The default as JSON text.</param>
    public static T Read<T>(string json) =>
        JsonSerializer.Deserialize<T>(json, SpoJsonOptions.Lenient) ?? throw new InvalidOperationException("A schema default decoded to null: " + json);
}
