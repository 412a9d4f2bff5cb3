using System.Text.Json;

namespace SpoSdk.Api.Serialization;

/// <summary>Names JSON token types the way error messages speak of values.</summary>
internal static class JsonTokenNames
{
    public static string Describe(JsonTokenType type) => type switch
    {
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "a list",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        _ => type.ToString(),
    };
}
