using k8s.Models;
using SpoSdk.Api.Serialization;
using SpoSdk.Runtime.Backends;
using SpoSdk.Runtime.Backends.InMemory;

namespace SpoSdk.Testing.ApiServer;

/// <summary>One resource in one group version, as discovery lists it and URLs name it.</summary>
/// <param name="Type">Group, version, kind, plural, scope.</param>
/// <param name="Singular">The singular name kubectl accepts.</param>
/// <param name="ShortNames">Short names kubectl accepts.</param>
/// <param name="IsCustomResource">Whether it is an SPO custom resource (stricter update rules, Status on delete).</param>
/// <param name="ReturnsDeletedObject">Whether an immediate delete answers with the object rather than a Status (pods do).</param>
internal sealed record ServedResource(ResourceType Type, string Singular, IReadOnlyList<string> ShortNames, bool IsCustomResource, bool ReturnsDeletedObject)
{
    public StoreKind StoreKind { get; } = StoreKind.Of(Type);

    /// <summary>The resource as error messages name it: <c>plural.group</c>, or <c>plural</c> in the core group.</summary>
    public string QualifiedName => Type.Group.Length == 0 ? Type.Plural : Type.Plural + "." + Type.Group;

    /// <summary>The kind as 422 messages name it: <c>Kind.group</c>, or <c>Kind</c> in the core group.</summary>
    public string QualifiedKind => Type.Group.Length == 0 ? Type.Kind : Type.Kind + "." + Type.Group;
}

/// <summary>Everything the server serves: every SPO kind in every served version, the core kinds the operator uses, and CRDs.</summary>
internal sealed class ResourceCatalog
{
    public const string CoordinationGroup = "coordination.k8s.io";

    private readonly Dictionary<(string Group, string Version, string Plural), ServedResource> _byPath = new();

    public ResourceCatalog(SpoKindRegistry registry)
    {
        foreach (var info in registry.Kinds)
        {
            Add(new ServedResource(ResourceType.From(info), info.Singular, info.ShortNames, IsCustomResource: true, ReturnsDeletedObject: false));
        }

        Add(new ServedResource(ResourceType.Of<V1Pod>(), "pod", ["po"], false, ReturnsDeletedObject: true));
        Add(new ServedResource(ResourceType.Of<V1Node>(), "node", ["no"], false, false));
        Add(new ServedResource(ResourceType.Of<V1Namespace>(), "namespace", ["ns"], false, false));
        Add(new ServedResource(ResourceType.Of<Corev1Event>(), "event", ["ev"], false, false));
        Add(new ServedResource(ResourceType.Of<V1Lease>(), "lease", [], false, false));
        Add(new ServedResource(ResourceType.Of<V1CustomResourceDefinition>(), "customresourcedefinition", ["crd", "crds"], false, false));

        Groups = _byPath.Values
            .Where(r => r.Type.Group.Length > 0)
            .GroupBy(r => r.Type.Group, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new ServedGroup(g.Key, g.Select(r => r.Type.Version).Distinct().OrderByDescending(VersionPriority).ToArray()))
            .ToArray();
    }

    /// <summary>The named groups (not the core group), each with its versions, preferred first.</summary>
    public IReadOnlyList<ServedGroup> Groups { get; }

    public bool TryGet(string group, string version, string plural, out ServedResource resource) =>
        _byPath.TryGetValue((group, version, plural), out resource!);

    public bool HasGroupVersion(string group, string version) =>
        group.Length == 0 ? version == "v1" : Groups.Any(g => g.Name == group && g.Versions.Contains(version));

    public IEnumerable<ServedResource> InGroupVersion(string group, string version) =>
        _byPath.Values.Where(r => r.Type.Group == group && r.Type.Version == version).OrderBy(r => r.Type.Plural, StringComparer.Ordinal);

    // Kubernetes version priority: GA before beta before alpha, higher numbers first (v1 > v1beta1 > v1alpha2 > v1alpha1).
    private static int VersionPriority(string version)
    {
        var rest = version.AsSpan(1);
        var digits = 0;
        while (digits < rest.Length && char.IsAsciiDigit(rest[digits]))
        {
            digits++;
        }

        var major = int.Parse(rest[..digits], provider: System.Globalization.CultureInfo.InvariantCulture);
        var suffix = rest[digits..];
        var stage = suffix.StartsWith("beta") ? 2 : suffix.StartsWith("alpha") ? 1 : 3;
        var minor = stage switch { 2 => suffix[4..], 1 => suffix[5..], _ => [] };
        var minorNumber = minor.Length > 0 && int.TryParse(minor, System.Globalization.CultureInfo.InvariantCulture, out var m) ? m : 0;
        return (stage * 1000 + major) * 1000 + minorNumber;
    }

    private void Add(ServedResource resource) =>
        _byPath.Add((resource.Type.Group, resource.Type.Version, resource.Type.Plural), resource);
}

/// <summary>A named API group and its versions, the preferred one first.</summary>
internal sealed record ServedGroup(string Name, IReadOnlyList<string> Versions);
