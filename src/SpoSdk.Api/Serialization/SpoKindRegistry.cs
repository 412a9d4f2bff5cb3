using System.Collections.Frozen;
using SpoSdk.Api.Schema;

namespace SpoSdk.Api.Serialization;

/// <summary>
/// The kinds a serializer can read, looked up by <c>apiVersion</c> and <c>kind</c>. Immutable, so
/// one instance may serve any number of SDK instances; build another to add kinds of your own.
/// </summary>
public sealed class SpoKindRegistry
{
    private readonly FrozenDictionary<(string ApiVersion, string Kind), SpoKindInfo> _byApiVersionAndKind;

    /// <summary>Creates a registry over <paramref name="kinds"/>; a later duplicate of an apiVersion and kind is an error.</summary>
    public SpoKindRegistry(IEnumerable<SpoKindInfo> kinds)
    {
        ArgumentNullException.ThrowIfNull(kinds);
        var map = new Dictionary<(string, string), SpoKindInfo>();
        foreach (var kind in kinds)
        {
            if (!map.TryAdd((kind.ApiVersion, kind.Kind), kind))
            {
                throw new ArgumentException(kind.ApiVersion + " " + kind.Kind + " is registered twice", nameof(kinds));
            }
        }

        _byApiVersionAndKind = map.ToFrozenDictionary();
        Kinds = map.Values.OrderBy(k => k.Kind, StringComparer.Ordinal).ThenBy(k => k.Version, StringComparer.Ordinal).ToArray();
    }

    /// <summary>Every SPO kind and served version generated into SpoSdk.Api.</summary>
    public static SpoKindRegistry Default { get; } = new(SpoGeneratedKinds.All);

    /// <summary>The registered kinds, ordered by kind then version.</summary>
    public IReadOnlyList<SpoKindInfo> Kinds { get; }

    /// <summary>Finds the kind for an <c>apiVersion</c> and <c>kind</c> pair.</summary>
    public bool TryGet(string apiVersion, string kind, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SpoKindInfo? info) =>
        _byApiVersionAndKind.TryGetValue((apiVersion, kind), out info);

    /// <summary>Whether any version of <paramref name="kind"/> in <paramref name="group"/> is registered.</summary>
    public bool KnowsKind(string group, string kind) => Kinds.Any(k => k.Group == group && k.Kind == kind);
}
