namespace SpoSdk.Api.Conversion;

/// <summary>
/// How one legacy (spoke) version of a kind converts to and from the hub version (v1). Generated
/// from the CRD schemas and crds/conversion-rules.yaml; everything not listed here copies as is.
/// Paths are schema paths: property names, <c>[]</c> for every list item, <c>*</c> for every map value.
/// </summary>
/// <param name="Group">The API group.</param>
/// <param name="Kind">The kind.</param>
/// <param name="HubVersion">The hub (storage) version.</param>
/// <param name="SpokeVersion">The legacy version.</param>
/// <param name="Enums">Enum fields whose values are spelled differently in the two versions.</param>
/// <param name="HubOnlyPaths">Fields only the hub has: kept in the conversion-data annotation on the way down.</param>
/// <param name="SpokeOnlyPaths">Fields only the spoke has: kept in the conversion-data annotation on the way up.</param>
public sealed record ConversionMap(
    string Group,
    string Kind,
    string HubVersion,
    string SpokeVersion,
    IReadOnlyList<EnumConversion> Enums,
    IReadOnlyList<SchemaPath> HubOnlyPaths,
    IReadOnlyList<SchemaPath> SpokeOnlyPaths);

/// <summary>The value mapping of one enum field between a spoke and the hub.</summary>
/// <param name="Path">Where the field is.</param>
/// <param name="SpokeToHub">Spoke value to hub value, for every spoke value the hub can hold.</param>
/// <param name="EmptySpokeToHub">The hub value an empty spoke string stands for (upstream's default), if any.</param>
/// <param name="EmptyHubToSpoke">The spoke value an empty hub string stands for, if any.</param>
public sealed record EnumConversion(
    SchemaPath Path,
    IReadOnlyDictionary<string, string> SpokeToHub,
    string? EmptySpokeToHub,
    string? EmptyHubToSpoke)
{
    private IReadOnlyDictionary<string, string>? _hubToSpoke;

    /// <summary>Hub value to spoke value: the inverse of <see cref="SpokeToHub"/>.</summary>
    public IReadOnlyDictionary<string, string> HubToSpoke =>
        _hubToSpoke ??= SpokeToHub.ToDictionary(p => p.Value, p => p.Key, StringComparer.Ordinal);
}
