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
    private readonly Dictionary<(ConversionMap Map, bool ToHub), StreamingRewrite> _rewrites = new();

    // The fast path's lookups, resolved once: UTF-8 apiVersion and kind to the kind, and per
    // (from, to) pair the rewrite, so a streamed object costs no string and no record hashing.
    private readonly (byte[] ApiVersion, byte[] Kind, SpoKindInfo Info)[] _kindsByUtf8;
    private readonly Dictionary<(SpoKindInfo From, SpoKindInfo To), StreamingRewrite?> _fastPaths = new(new KindPairComparer());
    private readonly SpoKindRegistry _registry;

    /// <summary>Creates a converter over conversion maps and the kinds they convert.</summary>
    public SpoConverter(IEnumerable<ConversionMap> maps, SpoKindRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(maps);
        ArgumentNullException.ThrowIfNull(registry);
        foreach (var map in maps)
        {
            _maps.Add((map.Group, map.Kind, map.SpokeVersion), map);
            _rewrites.Add((map, true), StreamingRewrite.Create(map, toHub: true));
            _rewrites.Add((map, false), StreamingRewrite.Create(map, toHub: false));
        }

        _registry = registry;
        _kindsByUtf8 = registry.Kinds.Select(k => (System.Text.Encoding.UTF8.GetBytes(k.ApiVersion), System.Text.Encoding.UTF8.GetBytes(k.Kind), k)).ToArray();
        foreach (var from in registry.Kinds)
        {
            foreach (var to in registry.Kinds.Where(k => k.Group == from.Group && k.Kind == from.Kind && k.Version != from.Version && k.IsStorageVersion != from.IsStorageVersion))
            {
                var spoke = from.IsStorageVersion ? to : from;
                _fastPaths[(from, to)] = _maps.TryGetValue((spoke.Group, spoke.Kind, spoke.Version), out var map) ? _rewrites[(map, !from.IsStorageVersion)] : null;
            }
        }
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
    /// </summary>
    public bool TryWriteConverted(JsonElement source, string targetApiVersion, Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(targetApiVersion);
        ArgumentNullException.ThrowIfNull(writer);
        if (source.ValueKind != JsonValueKind.Object
            || !source.TryGetProperty("apiVersion"u8, out var apiVersion) || apiVersion.ValueKind != JsonValueKind.String
            || !source.TryGetProperty("kind"u8, out var kind) || kind.ValueKind != JsonValueKind.String
            || KindOf(apiVersion, kind) is not { } from
            || !_registry.TryGet(targetApiVersion, from.Kind, out var to))
        {
            return false;
        }

        if (from.Version == to.Version)
        {
            source.WriteTo(writer);
            return true;
        }

        // One hop only: the fast path never goes spoke to spoke.
        if (!_fastPaths.TryGetValue((from, to), out var rewrite) || rewrite is null || !rewrite.Applies(source))
        {
            return false;
        }

        rewrite.Write(source, to.ApiVersion, writer);
        return true;
    }

    private SpoKindInfo? KindOf(JsonElement apiVersion, JsonElement kind)
    {
        foreach (var (apiVersionBytes, kindBytes, info) in _kindsByUtf8)
        {
            if (kind.ValueEquals(kindBytes) && apiVersion.ValueEquals(apiVersionBytes))
            {
                return info;
            }
        }

        return null;
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

/// <summary>Kind infos are unique per registry: compare them by reference, not by their many fields.</summary>
internal sealed class KindPairComparer : IEqualityComparer<(SpoKindInfo From, SpoKindInfo To)>
{
    public bool Equals((SpoKindInfo From, SpoKindInfo To) x, (SpoKindInfo From, SpoKindInfo To) y) =>
        ReferenceEquals(x.From, y.From) && ReferenceEquals(x.To, y.To);

    public int GetHashCode((SpoKindInfo From, SpoKindInfo To) obj) =>
        HashCode.Combine(System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(obj.From), System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(obj.To));
}

/// <summary>Thrown when an object cannot be converted; the message says why.</summary>
public sealed class SpoConversionException(string message) : Exception(message);
