using System.Text.Json;
using System.Text.Json.Nodes;
using SpoSdk.Api.Schema;
using SpoSdk.Api.Serialization;

namespace SpoSdk.Api.Conversion;

/// <summary>
/// Converts SPO objects between served versions, hub and spoke: a legacy version goes to v1 and
/// from v1. Lossless both ways: whatever the target version cannot hold (fields it lacks, enum
/// values it does not know, upstream's empty-value defaults) is kept in the
/// <see cref="ConversionDataAnnotation"/> annotation and restored on the way back, as long as
/// nobody changed that place in between; the annotation is removed once restored.
/// </summary>
public sealed class SpoConverter
{
    /// <summary>The annotation that carries what a conversion could not express in the target version.</summary>
    public const string ConversionDataAnnotation = "spo.x-k8s.io/conversion-data";

    private readonly Dictionary<(string Group, string Kind, string Spoke), ConversionMap> _maps = new();
    private readonly SpoKindRegistry _registry;

    // The fast path's lookups, resolved once: each kind's apiVersion and kind as raw JSON strings, and
    // per served target apiVersion what to do with each kind (same index), so a streamed object costs
    // no string, no hashing and no allocation.
    private readonly (byte[] ApiVersionJson, byte[] KindJson)[] _rawKinds;
    private readonly Dictionary<string, FastPath?[]> _fastPathsByTarget = new(StringComparer.Ordinal);

    /// <summary>Creates a converter over conversion maps and the kinds they convert.</summary>
    public SpoConverter(IEnumerable<ConversionMap> maps, SpoKindRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(maps);
        ArgumentNullException.ThrowIfNull(registry);
        var rewrites = new Dictionary<(ConversionMap Map, bool ToHub), StreamingRewrite>();
        foreach (var map in maps)
        {
            _maps.Add((map.Group, map.Kind, map.SpokeVersion), map);
            rewrites.Add((map, true), StreamingRewrite.Create(map, toHub: true));
            rewrites.Add((map, false), StreamingRewrite.Create(map, toHub: false));
        }

        _registry = registry;
        var kinds = registry.Kinds.ToArray();
        _rawKinds = kinds.Select(k => (JsonSerializer.SerializeToUtf8Bytes(k.ApiVersion), JsonSerializer.SerializeToUtf8Bytes(k.Kind))).ToArray();
        foreach (var target in kinds.Select(k => k.ApiVersion).Distinct(StringComparer.Ordinal))
        {
            var targetJson = JsonSerializer.SerializeToUtf8Bytes(target);
            _fastPathsByTarget[target] = kinds.Select(from => FastPathFor(from, target, targetJson, rewrites)).ToArray();
        }
    }

    // One hop only: the fast path never goes spoke to spoke.
    private FastPath? FastPathFor(SpoKindInfo from, string target, byte[] targetJson, Dictionary<(ConversionMap Map, bool ToHub), StreamingRewrite> rewrites)
    {
        if (!_registry.TryGet(target, from.Kind, out var to))
        {
            return null;
        }

        if (from.Version == to.Version)
        {
            return new FastPath(targetJson, Rewrite: null);
        }

        if (from.IsStorageVersion == to.IsStorageVersion)
        {
            return null;
        }

        var spoke = from.IsStorageVersion ? to : from;
        return _maps.TryGetValue((spoke.Group, spoke.Kind, spoke.Version), out var map)
            ? new FastPath(targetJson, rewrites[(map, !from.IsStorageVersion)])
            : null;
    }

    /// <summary>The converter for every generated SPO kind.</summary>
    public static SpoConverter Default => SpoGeneratedConversions.Converter;

    /// <summary>Converts a typed object to another served version of its kind.</summary>
    /// <param name="value">The object; it is not changed.</param>
    /// <param name="targetVersion">A version (<c>v1</c>) or a full apiVersion.</param>
    public ISpoObject Convert(ISpoObject value, string targetVersion)
    {
        ArgumentNullException.ThrowIfNull(value);
        var target = ResolveTarget(value.KindInfo.Group, value.KindInfo.Kind, targetVersion);
        var json = JsonSerializer.SerializeToNode(value, value.GetType(), SpoJsonOptions.Lenient)!.AsObject();
        ConvertInPlace(json, value.KindInfo, target);
        return (ISpoObject)json.Deserialize(target.ModelType, SpoJsonOptions.Lenient)!;
    }

    /// <summary>Converts a typed object to <typeparamref name="T"/>, a served version of its kind.</summary>
    public T Convert<T>(ISpoObject value)
        where T : class, ISpoObject
    {
        ArgumentNullException.ThrowIfNull(value);
        var target = _registry.Kinds.FirstOrDefault(k => k.ModelType == typeof(T))
            ?? throw new ArgumentException(typeof(T).Name + " is not a registered kind", nameof(T));
        return (T)Convert(value, target.Version);
    }

    /// <summary>
    /// Writes <paramref name="source"/> converted to <paramref name="targetApiVersion"/> straight from
    /// its JSON, when nothing needs setting aside or restoring (the common case); returns false,
    /// having written nothing, when the object needs <see cref="ConvertInPlace(JsonObject, string)"/>.
    /// For many objects, <see cref="CreateBatch"/> resolves the target once.
    /// </summary>
    public bool TryWriteConverted(JsonElement source, string targetApiVersion, Utf8JsonWriter writer) =>
        CreateBatch(targetApiVersion).TryWrite(source, writer);

    /// <summary>
    /// Prepares the fast path of <see cref="TryWriteConverted"/> for many objects going to one
    /// apiVersion, such as a ConversionReview's. A batch keeps scratch space: use it from one thread.
    /// </summary>
    public ConversionBatch CreateBatch(string targetApiVersion)
    {
        ArgumentNullException.ThrowIfNull(targetApiVersion);
        return new ConversionBatch(this, _fastPathsByTarget.GetValueOrDefault(targetApiVersion));
    }

    /// <summary>The index of the kind whose apiVersion and kind are these raw JSON strings, or -1.</summary>
    internal int KindIndexOf(ReadOnlySpan<byte> apiVersionJson, ReadOnlySpan<byte> kindJson)
    {
        for (var i = 0; i < _rawKinds.Length; i++)
        {
            if (kindJson.SequenceEqual(_rawKinds[i].KindJson) && apiVersionJson.SequenceEqual(_rawKinds[i].ApiVersionJson))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>
    /// Converts a JSON object in place to <paramref name="targetApiVersion"/>. Throws
    /// <see cref="SpoConversionException"/> when the object or the target is not convertible.
    /// </summary>
    public void ConvertInPlace(JsonObject json, string targetApiVersion)
    {
        ArgumentNullException.ThrowIfNull(json);
        var apiVersion = json["apiVersion"]?.GetValueKind() == JsonValueKind.String ? json["apiVersion"]!.GetValue<string>() : null;
        var kind = json["kind"]?.GetValueKind() == JsonValueKind.String ? json["kind"]!.GetValue<string>() : null;
        if (apiVersion is null || kind is null)
        {
            throw new SpoConversionException("the object has no apiVersion or kind");
        }

        if (!_registry.TryGet(apiVersion, kind, out var source))
        {
            throw new SpoConversionException("cannot convert " + kind + " from " + apiVersion + ": not a served version");
        }

        // Conversion reads and writes the conversion-data annotation: a metadata or annotations of another shape
        // is refused, not replaced.
        if (json["metadata"] is { } metadata && metadata is not JsonObject)
        {
            throw new SpoConversionException("cannot convert " + kind + ": $.metadata is " + Shape(metadata) + ", not an object");
        }

        if (json["metadata"]?["annotations"] is { } annotations && annotations is not JsonObject)
        {
            throw new SpoConversionException("cannot convert " + kind + ": $.metadata.annotations is " + Shape(annotations) + ", not an object");
        }

        ConvertInPlace(json, source, ResolveTarget(source.Group, kind, targetApiVersion));
    }

    private void ConvertInPlace(JsonObject json, SpoKindInfo source, SpoKindInfo target)
    {
        if (source.Version == target.Version)
        {
            return;
        }

        if (!source.IsStorageVersion)
        {
            Apply(json, MapFor(source), toHub: true);
        }

        if (!target.IsStorageVersion)
        {
            Apply(json, MapFor(target), toHub: false);
        }

        json["apiVersion"] = target.ApiVersion;
    }

    private static string Shape(JsonNode node) => node.GetValueKind() switch
    {
        JsonValueKind.Array => "a list",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "a " + node.GetValueKind().ToString().ToLowerInvariant(),
    };

    private SpoKindInfo ResolveTarget(string group, string kind, string targetVersion)
    {
        var apiVersion = targetVersion.Contains('/', StringComparison.Ordinal) ? targetVersion : group + "/" + targetVersion;
        return _registry.TryGet(apiVersion, kind, out var target)
            ? target
            : throw new SpoConversionException(kind + " is not served as " + apiVersion);
    }

    private ConversionMap MapFor(SpoKindInfo spoke) =>
        _maps.TryGetValue((spoke.Group, spoke.Kind, spoke.Version), out var map)
            ? map
            : throw new SpoConversionException("no conversion between " + spoke.Kind + " " + spoke.Version + " and the hub");

    private static void Apply(JsonObject json, ConversionMap map, bool toHub)
    {
        var from = toHub ? map.SpokeVersion : map.HubVersion;
        var to = toHub ? map.HubVersion : map.SpokeVersion;

        // What an earlier conversion from the target version left behind, and which of it still holds.
        var restore = TakeConversionData(json, to).Where(entry => entry.StillHolds(json)).ToList();
        var stash = new List<ConversionDataEntry>();

        foreach (var path in toHub ? map.SpokeOnlyPaths : map.HubOnlyPaths)
        {
            foreach (var place in path.Find(json).Where(p => p.Exists).ToList())
            {
                stash.Add(new ConversionDataEntry(place.Path, place.Value?.DeepClone(), HasValue: true, null, WrittenPresent: false));
                place.Remove();
            }
        }

        foreach (var enumField in map.Enums)
        {
            var mapping = toHub ? enumField.SpokeToHub : enumField.HubToSpoke;
            var emptyDefault = toHub ? enumField.EmptySpokeToHub : enumField.EmptyHubToSpoke;
            foreach (var place in enumField.Path.Find(json).ToList())
            {
                if (place.Value is not JsonValue value || value.GetValueKind() != JsonValueKind.String)
                {
                    continue;
                }

                var text = value.GetValue<string>();
                if (mapping.TryGetValue(text, out var mapped))
                {
                    // One of several spoke spellings of a hub value (always, Always): the way back writes the
                    // preferred one, so this spelling is kept aside while the hub value stands.
                    if (toHub && enumField.HubToSpoke.TryGetValue(mapped, out var back) && back != text)
                    {
                        stash.Add(new ConversionDataEntry(place.Path, JsonValue.Create(text), HasValue: true, JsonValue.Create(mapped), WrittenPresent: true));
                    }

                    place.Set(mapped);
                }
                else if (text.Length == 0 && emptyDefault is not null)
                {
                    stash.Add(new ConversionDataEntry(place.Path, JsonValue.Create(text), HasValue: true, JsonValue.Create(emptyDefault), WrittenPresent: true));
                    place.Set(emptyDefault);
                }
                else
                {
                    // A value the target version does not know: upstream writes "", we keep it aside.
                    stash.Add(new ConversionDataEntry(place.Path, JsonValue.Create(text), HasValue: true, null, WrittenPresent: false));
                    place.Remove();
                }
            }
        }

        foreach (var entry in restore)
        {
            entry.Restore(json);
        }

        if (stash.Count > 0)
        {
            WriteConversionData(json, from, stash);
        }
    }

    private static List<ConversionDataEntry> TakeConversionData(JsonObject json, string forVersion)
    {
        if (json["metadata"]?["annotations"] is not JsonObject annotations
            || annotations[ConversionDataAnnotation] is not JsonValue raw
            || raw.GetValueKind() != JsonValueKind.String)
        {
            return [];
        }

        ConversionData? data;
        try
        {
            data = JsonSerializer.Deserialize<ConversionData>(raw.GetValue<string>(), SpoJsonOptions.Lenient);
        }
        catch (JsonException)
        {
            // Not ours or damaged: leave it for a person to see rather than guess.
            return [];
        }

        if (data?.From != forVersion)
        {
            return [];
        }

        annotations.Remove(ConversionDataAnnotation);
        if (annotations.Count == 0)
        {
            json["metadata"]!.AsObject().Remove("annotations");
        }

        // The annotation is user-editable: entries without a path are noise, not instructions.
        return data.Entries?.Where(e => e?.Path is not null).ToList() ?? [];
    }

    private static void WriteConversionData(JsonObject json, string fromVersion, List<ConversionDataEntry> entries)
    {
        var metadata = json["metadata"] as JsonObject ?? (JsonObject)(json["metadata"] = new JsonObject());
        var annotations = metadata["annotations"] as JsonObject ?? (JsonObject)(metadata["annotations"] = new JsonObject());
        annotations[ConversionDataAnnotation] = JsonSerializer.Serialize(new ConversionData(fromVersion, entries), SpoJsonOptions.Lenient);
    }
}

/// <summary>What the fast path does with one kind for one target: copy (no rewrite) or rewrite, writing the target apiVersion.</summary>
/// <param name="TargetApiVersionJson">The target apiVersion as a raw JSON string.</param>
/// <param name="Rewrite">The rewrite, or null when the object is already in the target version.</param>
internal sealed record FastPath(byte[] TargetApiVersionJson, StreamingRewrite? Rewrite);

/// <summary>Thrown when an object cannot be converted; the message says why.</summary>
public sealed class SpoConversionException(string message) : Exception(message);
