using System.Text.Json.Nodes;
using SpoSdk.Api.Schema;

namespace SpoSdk.Api.Conversion;

/// <summary>
/// A path through a schema: property names, with <see cref="AnyItem"/> for every list item and
/// <see cref="AnyValue"/> for every map value. Finds the concrete places an object has there.
/// </summary>
public sealed class SchemaPath
{
    /// <summary>The segment that stands for every item of a list.</summary>
    public const string AnyItem = "[]";

    /// <summary>The segment that stands for every value of a map.</summary>
    public const string AnyValue = "*";

    private readonly string[] _segments;

    /// <summary>Creates a path from its segments.</summary>
    public SchemaPath(params string[] segments)
    {
        ArgumentNullException.ThrowIfNull(segments);
        if (segments.Length == 0)
        {
            throw new ArgumentException("a schema path needs at least one segment", nameof(segments));
        }

        _segments = segments;
    }

    /// <summary>The segments.</summary>
    public IReadOnlyList<string> Segments => _segments;

    /// <summary>Parses the dotted form, e.g. <c>spec.syscalls[].action</c> or <c>spec.allow.*</c>.</summary>
    public static SchemaPath Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var segments = new List<string>();
        foreach (var part in text.Split('.'))
        {
            var name = part;
            var items = 0;
            while (name.EndsWith(AnyItem, StringComparison.Ordinal))
            {
                name = name[..^2];
                items++;
            }

            segments.Add(name);
            segments.AddRange(Enumerable.Repeat(AnyItem, items));
        }

        return new SchemaPath(segments.ToArray());
    }

    /// <summary>Every place in <paramref name="root"/> this path reaches, as (parent, key or index, concrete JSON path).</summary>
    public IEnumerable<JsonLocation> Find(JsonObject root)
    {
        ArgumentNullException.ThrowIfNull(root);
        return Walk(root, 0, JsonPath.Root);
    }

    /// <inheritdoc />
    public override string ToString() => string.Join(".", _segments).Replace("." + AnyItem, AnyItem, StringComparison.Ordinal);

    private IEnumerable<JsonLocation> Walk(JsonNode node, int depth, string path)
    {
        var segment = _segments[depth];
        var last = depth == _segments.Length - 1;
        switch (segment)
        {
            case AnyItem when node is JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    var itemPath = JsonPath.Index(path, i);
                    if (last)
                    {
                        yield return new JsonLocation(array, null, i, itemPath);
                    }
                    else if (array[i] is { } item)
                    {
                        foreach (var found in Walk(item, depth + 1, itemPath))
                        {
                            yield return found;
                        }
                    }
                }

                break;
            case AnyValue when node is JsonObject map:
                foreach (var key in map.Select(p => p.Key).ToList())
                {
                    foreach (var found in Step(map, key, depth, last, path))
                    {
                        yield return found;
                    }
                }

                break;
            case not AnyItem and not AnyValue when node is JsonObject obj:
                foreach (var found in Step(obj, segment, depth, last, path))
                {
                    yield return found;
                }

                break;
        }
    }

    private IEnumerable<JsonLocation> Step(JsonObject obj, string key, int depth, bool last, string path)
    {
        var keyPath = JsonPath.Property(path, key);
        if (last)
        {
            yield return new JsonLocation(null, obj, -1, keyPath) { Key = key };
        }
        else if (obj[key] is { } child)
        {
            foreach (var found in Walk(child, depth + 1, keyPath))
            {
                yield return found;
            }
        }
    }
}

/// <summary>A concrete place in a JSON tree: an item of a list or a property of an object (present or not).</summary>
/// <param name="Array">The list, for an item.</param>
/// <param name="Object">The object, for a property.</param>
/// <param name="Index">The item index, for an item.</param>
/// <param name="Path">The concrete JSON path.</param>
public sealed record JsonLocation(JsonArray? Array, JsonObject? Object, int Index, string Path)
{
    /// <summary>The property name, for a property.</summary>
    public string? Key { get; init; }

    /// <summary>Whether there is a value here (a property may be absent).</summary>
    public bool Exists => Array is not null || Object!.ContainsKey(Key!);

    /// <summary>The value here; null when absent or JSON null.</summary>
    public JsonNode? Value => Array is not null ? Array[Index] : Object![Key!];

    /// <summary>Replaces the value here.</summary>
    public void Set(JsonNode? value)
    {
        if (Array is not null)
        {
            Array[Index] = value;
        }
        else
        {
            Object![Key!] = value;
        }
    }

    /// <summary>Removes the property (list items stay, set to null, so indexes keep their meaning).</summary>
    public void Remove()
    {
        if (Array is not null)
        {
            Array[Index] = null;
        }
        else
        {
            Object!.Remove(Key!);
        }
    }
}
