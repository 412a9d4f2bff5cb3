using System.Collections.Frozen;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using k8s.Models;
using SpoSdk.Api.Schema;

namespace SpoSdk.Api.Serialization;

/// <summary>Settings of a <see cref="SpoSerializer"/>.</summary>
public sealed record SpoSerializerOptions
{
    /// <summary>Whether fields the schema does not define are errors (otherwise they are kept and written back). Default true.</summary>
    public bool Strict { get; init; } = true;

    /// <summary>Whether each decoded object is checked against its schema. Default true.</summary>
    public bool Validate { get; init; } = true;

    /// <summary>Bounds on YAML input size and nesting.</summary>
    public YamlReadLimits Limits { get; init; } = new();
}

/// <summary>
/// Reads SPO manifests (YAML or JSON, any number of documents) into typed objects of any served
/// version, dispatched on apiVersion and kind, and writes objects back as YAML or JSON with no
/// nulls and fields in schema order. Reading never throws for bad content: every problem is
/// reported with file, document, object and JSON path.
/// </summary>
public sealed class SpoSerializer
{
    private static readonly FrozenSet<string> ObjectMetaFields = typeof(V1ObjectMeta).GetProperties()
        .Select(p => p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name)
        .OfType<string>()
        .ToFrozenSet(StringComparer.Ordinal);

    private readonly SpoSerializerOptions _options;
    private readonly SpoKindRegistry _registry;

    /// <summary>Creates a serializer.</summary>
    /// <param name="options">Settings; defaults are strict with validation.</param>
    /// <param name="registry">The kinds to read; defaults to every generated SPO kind.</param>
    public SpoSerializer(SpoSerializerOptions? options = null, SpoKindRegistry? registry = null)
    {
        _options = options ?? new SpoSerializerOptions();
        _registry = registry ?? SpoKindRegistry.Default;
    }

    /// <summary>The kinds this serializer reads.</summary>
    public SpoKindRegistry Registry => _registry;

    /// <summary>Reads every document of a YAML or JSON text.</summary>
    /// <param name="text">The manifests.</param>
    /// <param name="source">A label for errors, usually the file name.</param>
    public SpoReadResult Read(string text, string source = "<input>")
    {
        ArgumentNullException.ThrowIfNull(text);
        IReadOnlyList<YamlDocumentNode> nodes;
        try
        {
            nodes = YamlJson.ParseDocuments(text, _options.Limits);
        }
        catch (YamlSyntaxException ex)
        {
            return new SpoReadResult(source, [], new SpoReadError(SpoReadErrorCategory.Syntax, source, ex.DocumentIndex, null, null, null, ex.Reason, ex.Line, ex.Column));
        }

        var documents = new SpoDocument[nodes.Count];
        for (var i = 0; i < nodes.Count; i++)
        {
            documents[i] = ReadDocument(nodes[i].Root, source, nodes[i].Index);
        }

        return new SpoReadResult(source, documents, null);
    }

    /// <summary>Reads every document of a file. I/O failures throw as usual.</summary>
    public SpoReadResult ReadFile(string path) => Read(File.ReadAllText(path), path);

    /// <summary>Reads every document of a stream (UTF-8).</summary>
    public async Task<SpoReadResult> ReadAsync(Stream stream, string source = "<stream>", CancellationToken cancellationToken = default)
    {
        using var reader = new StreamReader(stream, leaveOpen: true);
        return Read(await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false), source);
    }

    /// <summary>Reads all objects, throwing <see cref="SpoSerializationException"/> listing every error if any document is bad.</summary>
    public IReadOnlyList<ISpoObject> Deserialize(string text, string source = "<input>")
    {
        var result = Read(text, source);
        var errors = result.Errors.ToList();
        return errors.Count > 0 ? throw new SpoSerializationException(errors) : result.Objects.ToList();
    }

    /// <summary>Reads exactly one object of type <typeparamref name="T"/>, throwing <see cref="SpoSerializationException"/> otherwise.</summary>
    public T Deserialize<T>(string text, string source = "<input>")
        where T : class, ISpoObject
    {
        var objects = Deserialize(text, source);
        if (objects.Count != 1 || objects[0] is not T typed)
        {
            throw new SpoSerializationException([new SpoReadError(SpoReadErrorCategory.UnknownKind, source, 1, null, null, null, "expected exactly one " + typeof(T).Name + ", found " + string.Join(", ", objects.Select(o => o.KindInfo.ApiVersion + " " + o.Kind)))]);
        }

        return typed;
    }

    /// <summary>Decodes one parsed document.</summary>
    public SpoDocument ReadDocument(JsonNode? root, string source, int index)
    {
        if (root is not JsonObject obj)
        {
            return Failed(SpoReadErrorCategory.Decode, "$", "a manifest must be an object, not " + Describe(root));
        }

        var apiVersion = (obj["apiVersion"] as JsonValue)?.GetValueKind() == JsonValueKind.String ? obj["apiVersion"]!.GetValue<string>() : null;
        var kind = (obj["kind"] as JsonValue)?.GetValueKind() == JsonValueKind.String ? obj["kind"]!.GetValue<string>() : null;
        var name = NameOf(obj);
        if (apiVersion is null || kind is null)
        {
            return Failed(SpoReadErrorCategory.UnknownKind, apiVersion is null ? "$.apiVersion" : "$.kind", "apiVersion and kind are required strings", kind);
        }

        if (!_registry.TryGet(apiVersion, kind, out var info))
        {
            return Failed(SpoReadErrorCategory.UnknownKind, "$.kind", UnknownKindMessage(apiVersion, kind), kind);
        }

        var errors = new List<SpoReadError>();
        if (_options.Strict && obj["metadata"] is JsonObject metadata)
        {
            foreach (var key in metadata.Select(p => p.Key).Where(k => !ObjectMetaFields.Contains(k)).Order(StringComparer.Ordinal))
            {
                errors.Add(Error(SpoReadErrorCategory.Schema, JsonPath.Property("$.metadata", key), "unknown field \"" + key + "\"", kind, name));
            }
        }

        ISpoObject decoded;
        try
        {
            decoded = (ISpoObject)(obj.Deserialize(info.ModelType, SpoJsonOptions.Lenient) ?? throw new JsonException("decoded to null"));
        }
        catch (JsonException ex)
        {
            errors.Add(Error(SpoReadErrorCategory.Decode, ex.Path ?? "$", DecodeMessage(ex), kind, name));
            return new SpoDocument(source, index, null, errors);
        }
        catch (InvalidOperationException) when (TooDeep(obj) is { } deep)
        {
            // Nesting past the JSON depth limit (YAML read with higher limits, or a tree built in code).
            errors.Add(Error(SpoReadErrorCategory.Decode, deep, "objects and arrays are nested more than " + SpoJsonOptions.MaxDepth + " levels deep", kind, name));
            return new SpoDocument(source, index, null, errors);
        }

        if (_options.Validate)
        {
            var context = new SchemaValidationContext(_options.Strict);
            decoded.Validate(context);
            errors.AddRange(context.Violations.Select(v => Error(SpoReadErrorCategory.Schema, v.Path, v.Message, kind, name)));
        }

        return new SpoDocument(source, index, decoded, errors);

        SpoDocument Failed(SpoReadErrorCategory category, string path, string message, string? failedKind = null) =>
            new(source, index, null, [Error(category, path, message, failedKind, failedKind is null ? null : NameOf(root as JsonObject))]);

        SpoReadError Error(SpoReadErrorCategory category, string path, string message, string? errorKind, string? errorName) =>
            new(category, source, index, errorKind, errorName, path, message);
    }

    /// <summary>Validates an object built in code, with this serializer's strictness.</summary>
    public IReadOnlyList<SchemaViolation> Validate(ISpoObject value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var context = new SchemaValidationContext(_options.Strict);
        value.Validate(context);
        return context.Violations;
    }

    /// <summary>The object as a JSON tree: no nulls, fields in schema order.</summary>
    public JsonNode ToJsonNode(ISpoObject value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return JsonSerializer.SerializeToNode(value, value.GetType(), SpoJsonOptions.Lenient)!;
    }

    /// <summary>The object as indented JSON.</summary>
    public string ToJson(ISpoObject value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return JsonSerializer.Serialize(value, value.GetType(), SpoJsonOptions.Indented);
    }

    /// <summary>The object as YAML.</summary>
    public string ToYaml(ISpoObject value) => YamlJson.ToYaml(ToJsonNode(value));

    /// <summary>Several objects as one multi-document YAML stream.</summary>
    public string ToYaml(IEnumerable<ISpoObject> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        return YamlJson.ToYamlStream(values.Select(v => (JsonNode?)ToJsonNode(v)));
    }

    private string UnknownKindMessage(string apiVersion, string kind)
    {
        var versions = _registry.Kinds.Where(k => k.Kind == kind).Select(k => k.ApiVersion).ToList();
        return versions.Count > 0
            ? "unknown kind: " + kind + " is not served as " + apiVersion + " (served: " + string.Join(", ", versions) + ")"
            : "unknown kind: " + kind + " (" + apiVersion + ") is not a kind this serializer reads (" + string.Join(", ", _registry.Kinds.Select(k => k.Kind).Distinct()) + ")";
    }

    // The path of the first node nested deeper than the JSON options allow, or null; walked without recursion.
    private static string? TooDeep(JsonNode root)
    {
        var pending = new Stack<(JsonNode Node, int Depth)>();
        pending.Push((root, 1));
        while (pending.Count > 0)
        {
            var (node, depth) = pending.Pop();
            if (depth > SpoJsonOptions.MaxDepth)
            {
                return node.GetPath();
            }

            var children = node switch
            {
                JsonObject o => o.Select(p => p.Value),
                JsonArray a => a,
                _ => [],
            };
            foreach (var child in children.OfType<JsonNode>().Where(c => c is JsonObject or JsonArray).Reverse())
            {
                pending.Push((child, depth + 1));
            }
        }

        return null;
    }

    private static string? NameOf(JsonObject? obj)
    {
        if (obj?["metadata"] is not JsonObject metadata || metadata["name"] is not JsonValue nameValue || nameValue.GetValueKind() != JsonValueKind.String)
        {
            return null;
        }

        var name = nameValue.GetValue<string>();
        return metadata["namespace"] is JsonValue ns && ns.GetValueKind() == JsonValueKind.String && ns.GetValue<string>().Length > 0
            ? ns.GetValue<string>() + "/" + name
            : name;
    }

    private static string Describe(JsonNode? node) => node switch
    {
        null => "null",
        JsonArray => "a list",
        JsonValue value => value.GetValueKind() switch
        {
            JsonValueKind.String => "a string",
            JsonValueKind.Number => "a number",
            _ => "a boolean",
        },
        _ => "an object",
    };

    // System.Text.Json's messages name CLR types and append reader positions; say what the field needs instead.
    private static string DecodeMessage(JsonException ex)
    {
        var message = ex.Message;
        var cut = message.IndexOf(" Path: ", StringComparison.Ordinal);
        if (cut >= 0)
        {
            message = message[..cut];
        }

        const string Marker = "could not be converted to ";
        var at = message.IndexOf(Marker, StringComparison.Ordinal);
        if (at < 0)
        {
            return message.TrimEnd('.');
        }

        var type = message[(at + Marker.Length)..].TrimEnd('.');
        return "expected " + type switch
        {
            // Lists first: a list's type name holds its item type (IList`1[System.String]).
            _ when type.Contains("IList", StringComparison.Ordinal) || type.Contains("List`", StringComparison.Ordinal) => "a list",
            _ when type.Contains("Int32", StringComparison.Ordinal) || type.Contains("Int64", StringComparison.Ordinal) => "an integer",
            _ when type.Contains("Boolean", StringComparison.Ordinal) => "a boolean",
            _ when type.Contains("Double", StringComparison.Ordinal) => "a number",
            _ when type.Contains("String", StringComparison.Ordinal) && !type.Contains("Dictionary", StringComparison.Ordinal) => "a string",
            _ => "an object",
        };
    }
}
