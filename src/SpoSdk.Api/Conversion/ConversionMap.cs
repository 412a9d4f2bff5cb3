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
    private Inversion? _hubToSpoke;

    /// <summary>
    /// Hub value to spoke value: the inverse of <see cref="SpokeToHub"/>. Where several spoke values convert to one
    /// hub value (a legacy enum listing <c>always</c> and <c>Always</c>), the one spelled as the hub value is chosen,
    /// else the first listed; the converter keeps the others in the conversion-data annotation.
    /// </summary>
    public IReadOnlyDictionary<string, string> HubToSpoke
    {
        get
        {
            // Keyed by the map it inverts: a copy made with 'with' and another SpokeToHub must not reuse it.
            var cached = _hubToSpoke;
            if (cached is null || !ReferenceEquals(cached.From, SpokeToHub))
            {
                cached = new Inversion(SpokeToHub, Invert(SpokeToHub));
                _hubToSpoke = cached;
            }

            return cached.Inverse;
        }
    }

    private static Dictionary<string, string> Invert(IReadOnlyDictionary<string, string> spokeToHub)
    {
        var inverse = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (spoke, hub) in spokeToHub)
        {
            if (spoke == hub || !inverse.ContainsKey(hub))
            {
                inverse[hub] = spoke;
            }
        }

        return inverse;
    }

    private sealed record Inversion(IReadOnlyDictionary<string, string> From, IReadOnlyDictionary<string, string> Inverse);
}
