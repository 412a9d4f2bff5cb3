using System.Text.Json;
using System.Text.Json.Nodes;
using SpoSdk.Api.Schema;
using SpoSdk.Api.Serialization;

namespace SpoSdk.Recording;

/// <summary>
/// Profiles as upstream spoc writes them: Go's <c>sigs.k8s.io/yaml</c> over the API struct, which sorts
/// every mapping's keys and always prints <c>metadata</c> and <c>status</c> (<c>{}</c> when empty). Byte-equal
/// with upstream's <c>spoc merge</c> output for the same object.
/// </summary>
public static class ProfileYaml
{
    /// <summary>One YAML stream with the objects in order, separated by <c>---</c> lines.</summary>
    public static string Write(IEnumerable<ISpoObject> objects)
    {
        ArgumentNullException.ThrowIfNull(objects);
        return YamlJson.ToYamlStream(objects.Select(o =>
        {
            var node = JsonSerializer.SerializeToNode(o, o.GetType(), SpoJsonOptions.Lenient)!.AsObject();
            node["metadata"] ??= new JsonObject();
            node["status"] ??= new JsonObject();
            return (JsonNode?)Sorted(node);
        }));
    }

    // A copy with every mapping's keys in ordinal order (nodes cannot be shared between trees).
    private static JsonNode? Sorted(JsonNode? node) => node switch
    {
        JsonObject obj => new JsonObject(obj.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, Sorted(p.Value)))),
        JsonArray array => new JsonArray(array.Select(Sorted).ToArray()),
        _ => node?.DeepClone(),
    };
}
