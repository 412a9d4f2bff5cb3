using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace SpoSdk.Api.Conversion;

/// <summary>
/// The fast path of one conversion direction: when nothing has to be set aside or restored, an object
/// converts by copying its JSON bytes with the apiVersion and the mapped enum values respelled — no tree
/// is built and nothing is re-encoded. <see cref="TryCollect"/> finds the places to respell, and declines
/// whenever the fast path would not give exactly what the full conversion gives.
/// </summary>
internal sealed class StreamingRewrite
{
    private static readonly byte[] ConversionDataAnnotationUtf8 = Encoding.UTF8.GetBytes(SpoConverter.ConversionDataAnnotation);

    private readonly PathTrie _enums;
    private readonly byte[][][] _mustBeAbsent;

    private StreamingRewrite(PathTrie enums, byte[][][] mustBeAbsent)
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
            // Up, only the spellings the way back restores: another one needs the annotation, so the full conversion.
            trie.Add(field.Path.Segments, toHub ? Invertible(field) : field.HubToSpoke);
        }

        var mustBeAbsent = (toHub ? map.SpokeOnlyPaths : map.HubOnlyPaths)
            .Select(path => path.Segments.Select(Encoding.UTF8.GetBytes).ToArray())
            .ToArray();
        return new StreamingRewrite(trie, mustBeAbsent);
    }

    private static IReadOnlyDictionary<string, string> Invertible(EnumConversion field) =>
        field.SpokeToHub.All(p => field.HubToSpoke[p.Value] == p.Key)
            ? field.SpokeToHub
            : field.SpokeToHub.Where(p => field.HubToSpoke[p.Value] == p.Key).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);

    /// <summary>
    /// Adds to <paramref name="splices"/> every enum value of <paramref name="source"/> (whose raw JSON is
    /// <paramref name="origin"/>) that changes spelling, in document order. Returns false when the object
    /// needs the full conversion: it carries conversion data, has a field the target lacks, or has an enum
    /// value without a direct counterpart (or spelled with escapes, which the full conversion reads).
    /// </summary>
    public bool TryCollect(JsonElement source, ReadOnlySpan<byte> origin, List<Splice> splices)
    {
        if (source.TryGetProperty("metadata"u8, out var metadata)
            && metadata.ValueKind == JsonValueKind.Object
            && metadata.TryGetProperty("annotations"u8, out var annotations)
            && annotations.ValueKind == JsonValueKind.Object
            && annotations.TryGetProperty(ConversionDataAnnotationUtf8, out _))
        {
            return false;
        }

        foreach (var path in _mustBeAbsent)
        {
            if (Exists(source, path, 0))
            {
                return false;
            }
        }

        return Collect(source, _enums, origin, splices);
    }

    /// <summary>Where <paramref name="part"/> starts inside <paramref name="origin"/>; both are views of one JSON buffer.</summary>
    public static int OffsetIn(ReadOnlySpan<byte> origin, ReadOnlySpan<byte> part) =>
        (int)Unsafe.ByteOffset(ref MemoryMarshal.GetReference(origin), ref MemoryMarshal.GetReference(part));

    private static bool Collect(JsonElement value, PathTrie trie, ReadOnlySpan<byte> origin, List<Splice> splices)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String when trie.Mapping is { } mapping:
                var raw = JsonMarshal.GetRawUtf8Value(value);
                if (!mapping.TryMap(raw, out var replacement))
                {
                    return false;
                }

                if (replacement is not null)
                {
                    splices.Add(new Splice(OffsetIn(origin, raw), raw.Length, replacement));
                }

                return true;
            case JsonValueKind.Object:
                foreach (var property in value.EnumerateObject())
                {
                    if (trie.Child(property) is { } child && !Collect(property.Value, child, origin, splices))
                    {
                        return false;
                    }
                }

                return true;
            case JsonValueKind.Array when trie.AnyItem is { } items:
                foreach (var item in value.EnumerateArray())
                {
                    if (!Collect(item, items, origin, splices))
                    {
                        return false;
                    }
                }

                return true;
            default:
                return true;
        }
    }

    private static bool Exists(JsonElement value, byte[][] segments, int depth)
    {
        var segment = segments[depth];
        var last = depth == segments.Length - 1;
        if (segment.AsSpan().SequenceEqual("[]"u8) && value.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in value.EnumerateArray())
            {
                if (last || Exists(item, segments, depth + 1))
                {
                    return true;
                }
            }

            return false;
        }

        if (segment.AsSpan().SequenceEqual("*"u8) && value.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in value.EnumerateObject())
            {
                if (last || Exists(property.Value, segments, depth + 1))
                {
                    return true;
                }
            }

            return false;
        }

        return value.ValueKind == JsonValueKind.Object
            && value.TryGetProperty(segment, out var child)
            && (last || Exists(child, segments, depth + 1));
    }

    /// <summary>Enum paths as a tree keyed by property name, <c>[]</c> and <c>*</c>; a leaf holds the value mapping.</summary>
    private sealed class PathTrie
    {
        private readonly List<(string Name, byte[] Utf8, PathTrie Child)> _children = new();
        private PathTrie? _anyValue;

        public RawMapping? Mapping { get; private set; }

        public PathTrie? AnyItem => Child(SchemaPath.AnyItem);

        public void Add(IReadOnlyList<string> segments, IReadOnlyDictionary<string, string> mapping)
        {
            var node = this;
            foreach (var segment in segments)
            {
                if (segment == SchemaPath.AnyValue)
                {
                    node = node._anyValue ??= new PathTrie();
                }
                else if (node.Named(segment) is { } next)
                {
                    node = next;
                }
                else
                {
                    next = new PathTrie();
                    node._children.Add((segment, Encoding.UTF8.GetBytes(segment), next));
                    node = next;
                }
            }

            node.Mapping = new RawMapping(mapping);
        }

        // Compares names in UTF-8 (escape-aware), so walking a property costs no string.
        public PathTrie? Child(JsonProperty property)
        {
            foreach (var (_, utf8, child) in _children)
            {
                if (property.NameEquals(utf8))
                {
                    return child;
                }
            }

            return _anyValue;
        }

        private PathTrie? Child(string name) => Named(name) ?? _anyValue;

        private PathTrie? Named(string name)
        {
            foreach (var (childName, _, child) in _children)
            {
                if (childName == name)
                {
                    return child;
                }
            }

            return null;
        }
    }

    /// <summary>An enum mapping over raw JSON strings, quotes included: raw input bytes in, raw output bytes out.</summary>
    private sealed class RawMapping
    {
        private readonly (byte[] From, byte[] To)[] _entries;

        public RawMapping(IReadOnlyDictionary<string, string> mapping)
        {
            _entries = mapping.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => (Quoted(p.Key), Quoted(p.Value))).ToArray();
        }

        /// <summary>
        /// Whether <paramref name="raw"/> maps directly; <paramref name="replacement"/> is null when it maps to
        /// itself. A value spelled with escapes never matches: the full conversion reads those.
        /// </summary>
        public bool TryMap(ReadOnlySpan<byte> raw, out byte[]? replacement)
        {
            foreach (var (from, to) in _entries)
            {
                if (raw.SequenceEqual(from))
                {
                    replacement = raw.SequenceEqual(to) ? null : to;
                    return true;
                }
            }

            replacement = null;
            return false;
        }

        private static byte[] Quoted(string value) => JsonSerializer.SerializeToUtf8Bytes(value);
    }
}

/// <summary>A place in an object's raw JSON to replace with other bytes.</summary>
/// <param name="Offset">Where the replaced bytes start, from the start of the object.</param>
/// <param name="Length">How many bytes are replaced.</param>
/// <param name="Replacement">The JSON written instead.</param>
internal readonly record struct Splice(int Offset, int Length, byte[] Replacement);
