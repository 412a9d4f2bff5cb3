using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using SpoSdk.Api.Serialization;

namespace SpoSdk.Runtime.Backends.Apply;

/// <summary>How a list merges under server-side apply (<c>x-kubernetes-list-type</c>).</summary>
public enum ListMergeType
{
    /// <summary>The list is one value, replaced whole (the default for CRD lists).</summary>
    Atomic,

    /// <summary>Items are objects merged by their <see cref="FieldSchema.ListMapKeys"/>.</summary>
    Map,

    /// <summary>Items are unique scalars, each owned on its own.</summary>
    Set,
}

/// <summary>
/// What server-side apply needs of an OpenAPI schema node: child schemas, whether an object is atomic
/// (<c>x-kubernetes-map-type: atomic</c>) and how a list merges. A missing schema (null) means a
/// granular object and an atomic list, as for fields a schema does not describe.
/// </summary>
public sealed class FieldSchema
{
    private static readonly FieldSchema Empty = new(new Dictionary<string, FieldSchema>(StringComparer.Ordinal), null, null, false, ListMergeType.Atomic, []);

    private readonly IReadOnlyDictionary<string, FieldSchema> _properties;
    private readonly FieldSchema? _additionalProperties;

    private FieldSchema(IReadOnlyDictionary<string, FieldSchema> properties, FieldSchema? additionalProperties, FieldSchema? items, bool isAtomicMap, ListMergeType listType, IReadOnlyList<string> listMapKeys)
    {
        _properties = properties;
        _additionalProperties = additionalProperties;
        Items = items;
        IsAtomicMap = isAtomicMap;
        ListType = listType;
        ListMapKeys = listMapKeys;
    }

    /// <summary>The schema of list items, when described.</summary>
    public FieldSchema? Items { get; }

    /// <summary>Whether an object is one value (<c>x-kubernetes-map-type: atomic</c>).</summary>
    public bool IsAtomicMap { get; }

    /// <summary>How a list merges.</summary>
    public ListMergeType ListType { get; }

    /// <summary>The fields that identify an item of a <see cref="ListMergeType.Map"/> list.</summary>
    public IReadOnlyList<string> ListMapKeys { get; }

    /// <summary>The schema of a property, when described.</summary>
    public FieldSchema? Property(string name) =>
        _properties.TryGetValue(name, out var child) ? child : _additionalProperties;

    /// <summary>Reads an OpenAPI v3 schema (<c>openAPIV3Schema</c> of a CRD version).</summary>
    public static FieldSchema FromOpenApi(JsonNode? schema)
    {
        if (schema is not JsonObject node)
        {
            return Empty;
        }

        var properties = new Dictionary<string, FieldSchema>(StringComparer.Ordinal);
        if (node["properties"] is JsonObject props)
        {
            foreach (var (name, child) in props)
            {
                properties[name] = FromOpenApi(child);
            }
        }

        var listType = Text(node["x-kubernetes-list-type"]) switch
        {
            "map" => ListMergeType.Map,
            "set" => ListMergeType.Set,
            _ => ListMergeType.Atomic,
        };
        var keys = node["x-kubernetes-list-map-keys"] is JsonArray array
            ? array.Select(k => Text(k)).OfType<string>().ToList()
            : [];
        if (listType == ListMergeType.Map && keys.Count == 0)
        {
            // A map list without keys cannot merge by key; treat it as the atomic list it then is.
            listType = ListMergeType.Atomic;
        }

        return new FieldSchema(
            properties,
            node["additionalProperties"] is JsonObject additional ? FromOpenApi(additional) : null,
            node["items"] is JsonObject items ? FromOpenApi(items) : null,
            Text(node["x-kubernetes-map-type"]) == "atomic",
            listType,
            keys);
    }

    private static string? Text(JsonNode? node) =>
        node is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : null;
}

/// <summary>
/// The apply schemas of the SPO kinds, read from the CRDs embedded in this assembly (the same files
/// the models are generated from), by group, kind and version. Kinds it does not know (core kinds)
/// get no schema: objects merge granularly and lists are atomic.
/// </summary>
public sealed class FieldSchemas
{
    private readonly ConcurrentDictionary<(string Group, string Kind, string Version), FieldSchema?> _cache = new();
    private readonly IReadOnlyList<JsonObject> _crds;

    /// <summary>Creates the schemas over CRD documents (JSON trees of <c>CustomResourceDefinition</c> objects).</summary>
    public FieldSchemas(IEnumerable<JsonObject> crds)
    {
        ArgumentNullException.ThrowIfNull(crds);
        _crds = crds.Where(c => Text(c["kind"]) == "CustomResourceDefinition").ToList();
    }

    /// <summary>The schemas of the CRDs this SDK serves (immutable, shared).</summary>
    public static FieldSchemas Spo { get; } = new(EmbeddedCrds());

    /// <summary>The schema of one kind version; the storage version's when that version is unknown; null for kinds without a CRD.</summary>
    public FieldSchema? For(string group, string kind, string version) =>
        _cache.GetOrAdd((group, kind, version), key => Find(key.Group, key.Kind, key.Version));

    private FieldSchema? Find(string group, string kind, string version)
    {
        var crd = _crds.FirstOrDefault(c => Text(c["spec"]?["group"]) == group && Text(c["spec"]?["names"]?["kind"]) == kind);
        if (crd?["spec"]?["versions"] is not JsonArray versions)
        {
            return null;
        }

        var match = versions.OfType<JsonObject>().FirstOrDefault(v => Text(v["name"]) == version)
            ?? versions.OfType<JsonObject>().FirstOrDefault(v => v["storage"] is JsonValue s && s.GetValueKind() == JsonValueKind.True);
        return match is null ? null : FieldSchema.FromOpenApi(match["schema"]?["openAPIV3Schema"]);
    }

    /// <summary>The CRD documents embedded in the SpoSdk assembly, sorted by resource name.</summary>
    internal static IReadOnlyList<JsonObject> EmbeddedCrds()
    {
        var assembly = typeof(FieldSchemas).Assembly;
        var documents = new List<JsonObject>();
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith("SpoSdk.Crds.", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var reader = new StreamReader(stream);
            documents.AddRange(YamlJson.ParseDocuments(reader.ReadToEnd()).Select(d => d.Root).OfType<JsonObject>().Where(d => Text(d["kind"]) == "CustomResourceDefinition"));
        }

        return documents;
    }

    private static string? Text(JsonNode? node) =>
        node is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : null;
}
