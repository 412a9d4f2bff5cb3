using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using SpoSdk.Api.Schema;

namespace SpoSdk.Api.Conversion;

/// <summary>The content of the conversion-data annotation: what a conversion from <see cref="From"/> set aside.</summary>
internal sealed record ConversionData(
    [property: JsonPropertyName("from")] string From,
    [property: JsonPropertyName("entries")] List<ConversionDataEntry>? Entries);

/// <summary>
/// One value set aside: the original at <see cref="Path"/> (or its absence), and what the conversion
/// wrote there instead (or that it wrote nothing). It is restored only while the place still holds
/// exactly what the conversion wrote, so a change made in the other version wins.
/// </summary>
internal sealed record ConversionDataEntry(
    [property: JsonPropertyName("path")] string Path,
    [property: JsonPropertyName("value")] JsonNode? Value,
    [property: JsonPropertyName("hasValue")] bool HasValue,
    [property: JsonPropertyName("written")] JsonNode? Written,
    [property: JsonPropertyName("writtenPresent")] bool WrittenPresent)
{
    public bool StillHolds(JsonObject root)
    {
        var current = Locate(root, create: false);
        if (current is null)
        {
            return !WrittenPresent;
        }

        var (parent, key, index) = current.Value;
        var exists = key is not null ? ((JsonObject)parent).ContainsKey(key) : index < ((JsonArray)parent).Count;
        if (!WrittenPresent)
        {
            return !exists || (index >= 0 && ((JsonArray)parent)[index] is null);
        }

        var value = key is not null ? ((JsonObject)parent)[key] : ((JsonArray)parent)[index];
        return exists && JsonNode.DeepEquals(value, Written);
    }

    public void Restore(JsonObject root)
    {
        if (Locate(root, create: HasValue) is not { } place)
        {
            return;
        }

        var (parent, key, index) = place;
        if (key is not null)
        {
            var obj = (JsonObject)parent;
            if (HasValue)
            {
                obj[key] = Value?.DeepClone();
            }
            else
            {
                obj.Remove(key);
            }
        }
        else if (index < ((JsonArray)parent).Count)
        {
            ((JsonArray)parent)[index] = HasValue ? Value?.DeepClone() : null;
        }
    }

    // Finds the parent of the place; with create, missing objects on the way are made (lists never are).
    private (JsonNode Parent, string? Key, int Index)? Locate(JsonObject root, bool create)
    {
        if (!JsonPath.TryParse(Path, out var segments) || segments.Count == 0)
        {
            return null;
        }

        JsonNode node = root;
        for (var i = 0; i < segments.Count - 1; i++)
        {
            JsonNode? next;
            switch (segments[i], node)
            {
                case (string name, JsonObject obj):
                    next = obj[name];
                    if (next is null && create && segments[i + 1] is string)
                    {
                        next = obj[name] = new JsonObject();
                    }

                    break;
                case (int index, JsonArray array) when index < array.Count:
                    next = array[index];
                    break;
                default:
                    return null;
            }

            if (next is null)
            {
                return null;
            }

            node = next;
        }

        return (segments[^1], node) switch
        {
            (string name, JsonObject) => (node, name, -1),
            (int index, JsonArray) => (node, null, index),
            _ => null,
        };
    }
}
