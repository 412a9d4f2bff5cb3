using System.Buffers.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SpoSdk.Runtime.Backends.InMemory;

/// <summary>
/// The opaque <c>continue</c> value of a paged list: the first page's resourceVersion and the last
/// key handed out. Lists are sorted by namespace and name, so the next page starts after that key.
/// </summary>
internal static class ContinueToken
{
    public static string Encode(string resourceVersion, (string Namespace, string Name) after) =>
        Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(new JsonObject
        {
            ["rv"] = resourceVersion,
            ["ns"] = after.Namespace,
            ["name"] = after.Name,
        }));

    /// <summary>The position a token names, or null for no token; 400 for a token this store did not issue.</summary>
    public static Position? Decode(string? token)
    {
        if (string.IsNullOrEmpty(token))
        {
            return null;
        }

        try
        {
            var json = JsonNode.Parse(Base64Url.DecodeFromChars(token)) as JsonObject;
            if (json?["rv"]?.GetValue<string>() is { } rv && json["ns"]?.GetValue<string>() is { } ns && json["name"]?.GetValue<string>() is { } name)
            {
                return new Position(rv, (ns, name));
            }
        }
        catch (Exception ex) when (ex is FormatException or JsonException or InvalidOperationException)
        {
            // Falls through to the error below.
        }

        throw new ResourceBadRequestException("continue key is not valid");
    }

    public static (string Namespace, string Name) KeyOf(JsonObject item) =>
        (item["metadata"]?["namespace"]?.GetValue<string>() ?? string.Empty, item["metadata"]?["name"]?.GetValue<string>() ?? string.Empty);

    public static int Compare((string Namespace, string Name) a, (string Namespace, string Name) b)
    {
        var byNamespace = string.CompareOrdinal(a.Namespace, b.Namespace);
        return byNamespace != 0 ? byNamespace : string.CompareOrdinal(a.Name, b.Name);
    }

    /// <summary>Where a continued list resumes.</summary>
    /// <param name="ResourceVersion">The version the first page reported.</param>
    /// <param name="After">The last key already returned.</param>
    internal sealed record Position(string ResourceVersion, (string Namespace, string Name) After);
}
