using System.Text.Encodings.Web;
using System.Text.Json;

namespace SpoSdk.Oci.Content;

/// <summary>Reading and writing OCI JSON documents.</summary>
public static class OciJson
{
    private static readonly JsonSerializerOptions Options = CreateOptions();

    /// <summary>
    /// The compact UTF-8 bytes of a manifest, index or config. Annotation maps are written in ordinal
    /// key order so identical content always has the same digest.
    /// </summary>
    public static byte[] Serialize<T>(T value) => JsonSerializer.SerializeToUtf8Bytes(Sorted(value), Options);

    /// <summary>Parses a manifest; throws <see cref="OciContentException"/> when it is not one.</summary>
    public static OciManifest ParseManifest(ReadOnlySpan<byte> content)
    {
        var manifest = Deserialize<OciManifest>(content, "manifest");
        if (manifest.SchemaVersion != 2 || manifest.Config is null || manifest.Layers is null || manifest.Layers.Any(l => l is null))
        {
            throw new OciContentException("malformed manifest: schemaVersion 2 with config and layers expected");
        }

        return manifest;
    }

    /// <summary>Parses an index; throws <see cref="OciContentException"/> when it is not one.</summary>
    public static OciIndex ParseIndex(ReadOnlySpan<byte> content)
    {
        var index = Deserialize<OciIndex>(content, "index");
        if (index.SchemaVersion != 2 || index.Manifests is null || index.Manifests.Any(m => m is null))
        {
            throw new OciContentException("malformed index: schemaVersion 2 with manifests expected");
        }

        return index;
    }

    private static T Deserialize<T>(ReadOnlySpan<byte> content, string what)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(content, Options) ?? throw new OciContentException("malformed " + what + ": null");
        }
        catch (JsonException ex)
        {
            throw new OciContentException("malformed " + what + ": " + ex.Message, ex);
        }
    }

    private static object? Sorted<T>(T value) => value switch
    {
        OciManifest m => m with { Config = Sort(m.Config)!, Layers = m.Layers.Select(Sort).ToList()!, Subject = Sort(m.Subject), Annotations = Sort(m.Annotations) },
        OciIndex i => i with { Manifests = i.Manifests.Select(Sort).ToList()!, Annotations = Sort(i.Annotations) },
        OciDescriptor d => Sort(d),
        _ => value,
    };

    private static OciDescriptor? Sort(OciDescriptor? descriptor) => descriptor is null ? null : descriptor with { Annotations = Sort(descriptor.Annotations) };

    private static IReadOnlyDictionary<string, string>? Sort(IReadOnlyDictionary<string, string>? annotations) =>
        annotations is null ? null : new SortedDictionary<string, string>(annotations.ToDictionary(), StringComparer.Ordinal);

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.General)
        {
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            ReadCommentHandling = JsonCommentHandling.Disallow,
            AllowTrailingCommas = false,
        };
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
