using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace SpoSdk.Api.Serialization;

/// <summary>
/// The JSON settings SpoSdk reads and writes models with. Its own instances, never
/// KubernetesClient's global ones, so a host's settings cannot change what SpoSdk writes.
/// </summary>
internal static class SpoJsonOptions
{
    /// <summary>The deepest nesting of objects and arrays read or written: the YAML reader's default limit.</summary>
    /// <remarks>Declared first: static fields initialize in order, and the options below use it.</remarks>
    public static readonly int MaxDepth = YamlReadLimits.Default.MaxDepth;

    /// <summary>Unknown fields inside <c>metadata</c> are errors; unknown fields elsewhere land in <c>UnknownFields</c> and validation reports them.</summary>
    public static readonly JsonSerializerOptions Strict = Create(strict: true);

    /// <summary>Unknown fields inside <c>metadata</c> are dropped (the API server prunes them too); elsewhere they are kept.</summary>
    public static readonly JsonSerializerOptions Lenient = Create(strict: false);

    /// <summary>Indented output for people.</summary>
    public static readonly JsonSerializerOptions Indented = new(Lenient) { WriteIndented = true };

    /// <summary>
    /// Writes what the schema defines and nothing else, as an API server stores a custom resource
    /// (unknown fields pruned).
    /// </summary>
    public static readonly JsonSerializerOptions Pruning = CreatePruning();

    public static JsonSerializerOptions For(bool strict) => strict ? Strict : Lenient;

    private static JsonSerializerOptions CreatePruning()
    {
        var options = new JsonSerializerOptions(Create(strict: false))
        {
            TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver { Modifiers = { IgnoreUnknownFields } },
        };
        options.MakeReadOnly();
        return options;
    }

    /// <summary>A contract modifier that never writes a model's unknown-fields bag.</summary>
    public static void IgnoreUnknownFields(System.Text.Json.Serialization.Metadata.JsonTypeInfo type)
    {
        ArgumentNullException.ThrowIfNull(type);
        foreach (var property in type.Properties)
        {
            if (property.IsExtensionData)
            {
                property.ShouldSerialize = static (_, _) => false;
            }
        }
    }

    private static JsonSerializerOptions Create(bool strict)
    {
        var options = new JsonSerializerOptions
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            UnmappedMemberHandling = strict ? JsonUnmappedMemberHandling.Disallow : JsonUnmappedMemberHandling.Skip,
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            // As deep as YamlJson reads by default, so that what it accepts decodes (SpoSerializer reports deeper).
            MaxDepth = MaxDepth,
            AllowDuplicateProperties = false,
        };
        options.Converters.Add(new Rfc3339DateTimeConverter());
        options.Converters.Add(new ScalarAsStringConverter());
        options.Converters.Add(new IntOrStringJsonConverter());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
