using System.Text.Json;

namespace SpoSdk.Api.Conversion;

/// <summary>
/// The fast path of a conversion: when nothing has to be set aside or restored, an object converts
/// by copying its JSON with the apiVersion replaced and mapped enum values respelled — no tree is
/// built. <see cref="Applies"/> first checks that the fast path gives exactly what the full
/// conversion would, and declines otherwise.
/// </summary>
internal sealed class StreamingRewrite
{
    private readonly PathTrie _enums;
    private readonly IReadOnlyList<SchemaPath> _mustBeAbsent;

    private StreamingRewrite(PathTrie enums, IReadOnlyList<SchemaPath> mustBeAbsent)
    {
        _enums = enums;
        _mustBeAbsent = mustBeAbsent;
    }

    /// <summary>The rewrite from a spoke up to the hub, or from the hub down to the spoke.</summary>
    public static StreamingRewrite Create(ConversionMap map, bool toHub)
    {
        var trie = new PathTrie();
        foreach (var field in map.Enums)
        {
            trie.Add(field.Path.Segments, toHub ? field.SpokeToHub : field.HubToSpoke);
        }

        return new StreamingRewrite(trie, toHub ? map.SpokeOnlyPaths : map.HubOnlyPaths);
    }

    /// <summary>Whether <paramref name="source"/> converts without setting anything aside or restoring anything.</summary>
    public bool Applies(JsonElement source)
    {
        if (source.TryGetProperty("metadata"u8, out var metadata)
            && metadata.ValueKind == JsonValueKind.Object
            && metadata.TryGetProperty("annotations"u8, out var annotations)
            && annotations.ValueKind == JsonValueKind.Object
            && annotations.TryGetProperty(SpoConverter.ConversionDataAnnotation, out _))
        {
            return false;
        }

        foreach (var path in _mustBeAbsent)
        {
            if (Exists(source, path.Segments, 0))
            {
                return false;
            }
        }

        return AllMapped(source, _enums);
    }

    /// <summary>Writes <paramref name="source"/> converted; call only when <see cref="Applies"/> said yes.</summary>
    public void Write(JsonElement source, string targetApiVersion, Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        foreach (var property in source.EnumerateObject())
        {
            if (property.NameEquals("apiVersion"u8))
            {
                writer.WriteString("apiVersion"u8, targetApiVersion);
                continue;
            }

            CopyProperty(property, _enums, writer);
        }

        writer.WriteEndObject();
    }

    // Untouched subtrees are copied whole; only paths leading to an enum are walked.
    private static void CopyProperty(JsonProperty property, PathTrie trie, Utf8JsonWriter writer)
    {
        if (trie.Child(property) is { } child)
        {
            writer.WritePropertyName(property.Name);
            Copy(property.Value, child, writer);
        }
        else
        {
            property.WriteTo(writer);
        }
    }

    private static void Copy(JsonElement value, PathTrie? trie, Utf8JsonWriter writer)
    {
        if (trie is null)
        {
            value.WriteTo(writer);
            return;
        }

        switch (value.ValueKind)
        {
            case JsonValueKind.String when trie.Mapping is { } mapping:
                writer.WriteStringValue(mapping[value.GetString()!]);
                break;
            case JsonValueKind.Object:
                writer.WriteStartObject();
                foreach (var property in value.EnumerateObject())
                {
                    CopyProperty(property, trie, writer);
                }

                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                var items = trie.Child(SchemaPath.AnyItem);
                foreach (var item in value.EnumerateArray())
                {
                    Copy(item, items, writer);
                }

                writer.WriteEndArray();
                break;
            default:
                value.WriteTo(writer);
                break;
        }
    }

    // Every string at an enum path must have a direct counterpart; anything else needs setting aside.
    private static bool AllMapped(JsonElement value, PathTrie trie)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String when trie.Mapping is { } mapping:
                return mapping.ContainsKey(value.GetString()!);
            case JsonValueKind.Object:
                foreach (var property in value.EnumerateObject())
                {
                    if (trie.Child(property) is { } child && !AllMapped(property.Value, child))
                    {
                        return false;
                    }
                }

                return true;
            case JsonValueKind.Array when trie.Child(SchemaPath.AnyItem) is { } items:
                foreach (var item in value.EnumerateArray())
                {
                    if (!AllMapped(item, items))
                    {
                        return false;
                    }
                }

                return true;
            default:
                return true;
        }
    }

    private static bool Exists(JsonElement value, IReadOnlyList<string> segments, int depth)
    {
        var segment = segments[depth];
        var last = depth == segments.Count - 1;
        switch (segment)
        {
            case SchemaPath.AnyItem when value.ValueKind == JsonValueKind.Array:
                foreach (var item in value.EnumerateArray())
                {
                    if (last || Exists(item, segments, depth + 1))
                    {
                        return true;
                    }
                }

                return false;
            case SchemaPath.AnyValue when value.ValueKind == JsonValueKind.Object:
                foreach (var property in value.EnumerateObject())
                {
                    if (last || Exists(property.Value, segments, depth + 1))
                    {
                        return true;
                    }
                }

                return false;
            default:
                return value.ValueKind == JsonValueKind.Object
                    && value.TryGetProperty(segment, out var child)
                    && (last || Exists(child, segments, depth + 1));
        }
    }

    /// <summary>Enum paths as a tree keyed by property name, <c>[]</c> and <c>*</c>; a leaf holds the value mapping.</summary>
    private sealed class PathTrie
    {
        private readonly Dictionary<string, PathTrie> _children = new(StringComparer.Ordinal);
        private readonly List<(byte[] Name, PathTrie Child)> _childrenUtf8 = new();
        private PathTrie? _anyValue;

        public IReadOnlyDictionary<string, string>? Mapping { get; private set; }

        public void Add(IReadOnlyList<string> segments, IReadOnlyDictionary<string, string> mapping)
        {
            var node = this;
            foreach (var segment in segments)
            {
                if (segment == SchemaPath.AnyValue)
                {
                    node = node._anyValue ??= new PathTrie();
                }
                else if (!node._children.TryGetValue(segment, out var next))
                {
                    next = new PathTrie();
                    node._children.Add(segment, next);
                    node._childrenUtf8.Add((System.Text.Encoding.UTF8.GetBytes(segment), next));
                    node = next;
                }
                else
                {
                    node = next;
                }
            }

            node.Mapping = mapping;
        }

        public PathTrie? Child(string name) => _children.TryGetValue(name, out var child) ? child : _anyValue;

        // Compares names in UTF-8, so walking a property costs no string.
        public PathTrie? Child(JsonProperty property)
        {
            foreach (var (name, child) in _childrenUtf8)
            {
                if (property.NameEquals(name))
                {
                    return child;
                }
            }

            return _anyValue;
        }
    }
}
