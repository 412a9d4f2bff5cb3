using System.Collections;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using SpoSdk.Api.V1;

namespace SpoSdk.Translators;

/// <summary>
/// The seccomp profile file a container runtime reads: the profile's spec as JSON, in schema (Go
/// field) order, omitting what is unset or empty, as upstream's <c>json.Marshal(spec)</c> does. That
/// keeps <c>state</c> and <c>baseProfileName</c> (runtimes ignore unknown keys; upstream writes them,
/// and byte-equal files mean no needless rewrites on upgrade). Fields the schema does not know are
/// never written.
/// </summary>
public static class SeccompProfileJson
{
    private static readonly JsonSerializerOptions Compact = Create(indented: false);
    private static readonly JsonSerializerOptions Indented = Create(indented: true);

    /// <summary>The compact form written to nodes.</summary>
    public static string ToCompactJson(SeccompProfileSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return JsonSerializer.Serialize(spec, Compact);
    }

    /// <summary>The indented form <c>spoc convert</c> prints (two-space indentation).</summary>
    public static string ToIndentedJson(SeccompProfileSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return JsonSerializer.Serialize(spec, Indented);
    }

    private static JsonSerializerOptions Create(bool indented)
    {
        var options = new JsonSerializerOptions
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            WriteIndented = indented,
            TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { OmitLikeGo } },
        };
        options.MakeReadOnly();
        return options;
    }

    // Go's omitempty drops empty lists and maps too, and the file has no place for unknown fields.
    private static void OmitLikeGo(JsonTypeInfo type)
    {
        foreach (var property in type.Properties)
        {
            if (property.IsExtensionData)
            {
                property.ShouldSerialize = static (_, _) => false;
            }
            else if (typeof(ICollection).IsAssignableFrom(property.PropertyType) || property.PropertyType.IsGenericType && property.PropertyType.GetGenericTypeDefinition() is var definition && (definition == typeof(IList<>) || definition == typeof(IDictionary<,>)))
            {
                property.ShouldSerialize = static (_, value) => value is not (null or ICollection { Count: 0 });
            }
        }
    }
}
