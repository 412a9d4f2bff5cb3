using System.Text.Json;
using System.Text.Json.Nodes;
using SpoSdk.Api.Conversion;
using SpoSdk.Api.Schema;
using SpoSdk.Api.Serialization;

namespace SpoSdk.Runtime.Backends;

/// <summary>
/// What an API server does to a custom resource on its way in and out of storage, for the
/// in-memory cluster and the test API server alike: in, convert to the storage (hub) version,
/// apply schema defaults, validate (422 naming every violation) and prune unknown fields; out,
/// convert to the version the client asked for. Objects of kinds it does not know pass unchanged.
/// </summary>
public sealed class ObjectAdmission
{
    private readonly SpoConverter _converter;
    private readonly SpoKindRegistry _registry;

    /// <summary>Creates the admission over a converter and the kinds it knows.</summary>
    public ObjectAdmission(SpoConverter converter, SpoKindRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(converter);
        ArgumentNullException.ThrowIfNull(registry);
        _converter = converter;
        _registry = registry;
    }

    /// <summary>The storage form of <paramref name="json"/> (changed in place and returned, or replaced).</summary>
    public JsonObject Admit(JsonObject json)
    {
        ArgumentNullException.ThrowIfNull(json);
        if (KindOf(json) is not { } kind)
        {
            return json;
        }

        var hub = _registry.Kinds.Single(k => k.Group == kind.Group && k.Kind == kind.Kind && k.IsStorageVersion);
        Convert(json, hub.ApiVersion);
        var model = (ISpoObject)json.Deserialize(hub.ModelType, SpoJsonOptions.Lenient)!;
        model.ApplyDefaults();
        var context = new SchemaValidationContext(strict: false);
        model.Validate(context);
        if (!context.IsValid)
        {
            throw new ResourceInvalidException(
                hub.Kind + " \"" + model.Metadata.Name + "\" is invalid: " + string.Join("; ", context.Violations),
                context.Violations.Select(v => (v.Path.StartsWith("$.", StringComparison.Ordinal) ? v.Path[2..] : v.Path, v.Message)).ToList());
        }

        return JsonSerializer.SerializeToNode(model, hub.ModelType, SpoJsonOptions.Pruning)!.AsObject();
    }

    /// <summary>A copy of a stored object in the version <paramref name="apiVersion"/>.</summary>
    public JsonObject Present(JsonObject stored, string apiVersion)
    {
        ArgumentNullException.ThrowIfNull(stored);
        var copy = (JsonObject)stored.DeepClone();
        if (KindOf(copy) is not null)
        {
            Convert(copy, apiVersion);
        }

        return copy;
    }

    private SpoKindInfo? KindOf(JsonObject json) =>
        json["apiVersion"] is JsonValue apiVersion && apiVersion.GetValueKind() == JsonValueKind.String
        && json["kind"] is JsonValue kind && kind.GetValueKind() == JsonValueKind.String
        && _registry.TryGet(apiVersion.GetValue<string>(), kind.GetValue<string>(), out var info)
            ? info
            : null;

    private void Convert(JsonObject json, string apiVersion)
    {
        try
        {
            _converter.ConvertInPlace(json, apiVersion);
        }
        catch (SpoConversionException ex)
        {
            throw new ResourceInvalidException(ex.Message, [("apiVersion", ex.Message)]);
        }
    }
}
