using System.Text.Json;
using System.Text.Json.Serialization;
using k8s.Models;

namespace SpoSdk.Api.Serialization;

/// <summary>
/// Reads an <c>x-kubernetes-int-or-string</c> field (a resource quantity): an integer or a string, anything else
/// a <see cref="JsonException"/> that names what was found (KubernetesClient's own converter throws
/// <see cref="NotSupportedException"/> for a boolean, list or object, which is no decode error with a path).
/// Writes as KubernetesClient does.
/// </summary>
internal sealed class IntOrStringJsonConverter : JsonConverter<IntOrString>
{
    private readonly k8s.Models.IntOrStringJsonConverter _writer = new();

    public override IntOrString? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
    {
        JsonTokenType.String => reader.GetString(),
        JsonTokenType.Number when reader.TryGetInt64(out var number) => number,
        JsonTokenType.Number => throw new JsonException("expected an integer or a string, got a number that is not an integer"),
        _ => throw new JsonException("expected an integer or a string, got " + JsonTokenNames.Describe(reader.TokenType)),
    };

    public override void Write(Utf8JsonWriter writer, IntOrString value, JsonSerializerOptions options) => _writer.Write(writer, value, options);
}
