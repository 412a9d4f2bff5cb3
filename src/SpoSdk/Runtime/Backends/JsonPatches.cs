using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SpoSdk.Runtime.Backends;

/// <summary>JSON merge patch (RFC 7386) and JSON patch (RFC 6902) on JSON trees.</summary>
public static class JsonPatches
{
    /// <summary>Applies a merge patch: objects merge key by key, null removes a key, anything else replaces.</summary>
    public static JsonNode? MergePatch(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject)
        {
            return patch?.DeepClone();
        }

        var result = target as JsonObject ?? new JsonObject();
        foreach (var (name, value) in patchObject)
        {
            if (value is null)
            {
                result.Remove(name);
            }
            else
            {
                // An object merged into an object comes back as that same child; anything else is a new node.
                var existing = result[name];
                var merged = MergePatch(existing, value);
                if (!ReferenceEquals(merged, existing))
                {
                    result[name] = merged;
                }
            }
        }

        return result;
    }

    /// <summary>
    /// Applies a JSON patch document (an array of operations) to <paramref name="document"/> and
    /// returns the result. Throws <see cref="ResourceInvalidException"/> (422) when an operation cannot apply (a failed
    /// test, a missing path) and 400 when the patch itself is malformed.
    /// </summary>
    public static JsonNode? JsonPatch(JsonNode? document, JsonNode? patch)
    {
        if (patch is not JsonArray operations)
        {
            throw new ResourceBadRequestException("a JSON patch must be an array of operations");
        }

        var root = document;
        for (var i = 0; i < operations.Count; i++)
        {
            if (operations[i] is not JsonObject operation || Text(operation, "op") is not { } op || Text(operation, "path") is not { } path)
            {
                throw new ResourceBadRequestException("JSON patch operation " + i + " needs string \"op\" and \"path\"");
            }

            root = op switch
            {
                "add" => Add(root, Pointer(path), Value(operation, i)),
                "remove" => Remove(root, Pointer(path), out _),
                "replace" => Add(Remove(root, Pointer(path), out _), Pointer(path), Value(operation, i)),
                "move" => Move(root, From(operation, i), Pointer(path)),
                "copy" => Add(root, Pointer(path), Get(root, From(operation, i))?.DeepClone()),
                "test" => Test(root, Pointer(path), Value(operation, i)),
                _ => throw new ResourceBadRequestException("unknown JSON patch operation \"" + op + "\""),
            };
        }

        return root;
    }

    private static JsonNode? Move(JsonNode? root, string[] from, string[] to)
    {
        if (to.Length > from.Length && from.SequenceEqual(to.Take(from.Length)))
        {
            throw Unprocessable("cannot move a value into one of its own children");
        }

        root = Remove(root, from, out var moved);
        return Add(root, to, moved);
    }

    private static JsonNode? Test(JsonNode? root, string[] path, JsonNode? expected) =>
        JsonNode.DeepEquals(Get(root, path), expected) ? root : throw Unprocessable("test failed at /" + string.Join('/', path));

    private static JsonNode? Add(JsonNode? root, string[] path, JsonNode? value)
    {
        if (path.Length == 0)
        {
            return value;
        }

        var parent = Get(root, path[..^1]);
        var last = path[^1];
        switch (parent)
        {
            case JsonObject obj:
                obj[last] = value;
                break;
            case JsonArray array:
                var index = last == "-" ? array.Count : Index(last, array.Count + 1);
                array.Insert(index, value);
                break;
            default:
                throw Unprocessable("the parent of /" + string.Join('/', path) + " is not an object or array");
        }

        return root;
    }

    private static JsonNode? Remove(JsonNode? root, string[] path, out JsonNode? removed)
    {
        if (path.Length == 0)
        {
            removed = root;
            return null;
        }

        var parent = Get(root, path[..^1]);
        var last = path[^1];
        switch (parent)
        {
            case JsonObject obj when obj.ContainsKey(last):
                removed = obj[last];
                obj.Remove(last);
                return root;
            case JsonArray array:
                var index = Index(last, array.Count);
                removed = array[index];
                array.RemoveAt(index);
                return root;
            default:
                throw Unprocessable("there is nothing to remove at /" + string.Join('/', path));
        }
    }

    private static JsonNode? Get(JsonNode? root, string[] path)
    {
        var node = root;
        foreach (var segment in path)
        {
            node = node switch
            {
                JsonObject obj when obj.TryGetPropertyValue(segment, out var child) => child,
                JsonArray array => array[Index(segment, array.Count)],
                _ => throw Unprocessable("the path /" + string.Join('/', path) + " does not exist"),
            };
        }

        return node;
    }

    private static int Index(string segment, int count) =>
        segment.Length > 0 && (segment == "0" || segment[0] != '0') && int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out var index) && index < count
            ? index
            : throw Unprocessable("array index \"" + segment + "\" is out of range");

    // RFC 6901: "" is the whole document; "/a/b~1c" is ["a", "b/c"].
    private static string[] Pointer(string pointer) =>
        pointer.Length == 0 ? []
        : pointer[0] != '/' ? throw new ResourceBadRequestException("JSON pointer \"" + pointer + "\" must start with /")
        : pointer[1..].Split('/').Select(s => s.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)).ToArray();

    private static string[] From(JsonObject operation, int i) =>
        Text(operation, "from") is { } from ? Pointer(from) : throw new ResourceBadRequestException("JSON patch operation " + i + " needs \"from\"");

    private static JsonNode? Value(JsonObject operation, int i) =>
        operation.TryGetPropertyValue("value", out var value) ? value?.DeepClone() : throw new ResourceBadRequestException("JSON patch operation " + i + " needs \"value\"");

    private static string? Text(JsonObject obj, string name) =>
        obj[name] is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : null;

    private static ResourceInvalidException Unprocessable(string message) => new(new ResourceStatus(422, "Invalid", "the server rejected our request due to an error in our request: " + message, []));
}
