using System.Text.Json.Nodes;

namespace SpoSdk.Testing.ApiServer;

/// <summary>
/// The legacy discovery documents (what kubectl falls back to when the answer is plain
/// <c>application/json</c> rather than the aggregated APIGroupDiscoveryList).
/// </summary>
internal sealed class Discovery(ResourceCatalog catalog, Version kubernetesVersion)
{
    private static readonly string[] Verbs = ["create", "delete", "get", "list", "patch", "update", "watch"];
    private static readonly string[] StatusVerbs = ["get", "patch", "update"];

    /// <summary><c>/api</c>: the core group's versions.</summary>
    public static JsonObject CoreVersions(string serverAddress) => new()
    {
        ["kind"] = "APIVersions",
        ["versions"] = new JsonArray("v1"),
        ["serverAddressByClientCIDRs"] = new JsonArray(new JsonObject { ["clientCIDR"] = "0.0.0.0/0", ["serverAddress"] = serverAddress }),
    };

    /// <summary><c>/apis</c>: every named group.</summary>
    public JsonObject GroupList() => new()
    {
        ["kind"] = "APIGroupList",
        ["apiVersion"] = "v1",
        ["groups"] = new JsonArray(catalog.Groups.Select(g => (JsonNode)Group(g)).ToArray()),
    };

    /// <summary><c>/apis/GROUP</c>, or null for an unknown group.</summary>
    public JsonObject? Group(string name) =>
        catalog.Groups.FirstOrDefault(g => g.Name == name) is { } group ? Group(group, withTypeMeta: true) : null;

    /// <summary><c>/api/v1</c> or <c>/apis/GROUP/VERSION</c>: the resources and their subresources.</summary>
    public JsonObject Resources(string group, string version)
    {
        var resources = new JsonArray();
        foreach (var resource in catalog.InGroupVersion(group, version))
        {
            var entry = new JsonObject
            {
                ["name"] = resource.Type.Plural,
                ["singularName"] = resource.Singular,
                ["namespaced"] = resource.Type.IsNamespaced,
                ["kind"] = resource.Type.Kind,
                ["verbs"] = Strings(Verbs),
            };
            if (resource.ShortNames.Count > 0)
            {
                entry["shortNames"] = Strings(resource.ShortNames);
            }

            resources.Add(entry);
            if (resource.Type.HasStatusSubresource)
            {
                resources.Add(new JsonObject
                {
                    ["name"] = resource.Type.Plural + "/status",
                    ["singularName"] = string.Empty,
                    ["namespaced"] = resource.Type.IsNamespaced,
                    ["kind"] = resource.Type.Kind,
                    ["verbs"] = Strings(StatusVerbs),
                });
            }
        }

        return new JsonObject
        {
            ["kind"] = "APIResourceList",
            ["apiVersion"] = "v1",
            ["groupVersion"] = group.Length == 0 ? version : group + "/" + version,
            ["resources"] = resources,
        };
    }

    /// <summary><c>/version</c>.</summary>
    public JsonObject Version() => new()
    {
        ["major"] = kubernetesVersion.Major.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["minor"] = kubernetesVersion.Minor.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["gitVersion"] = "v" + kubernetesVersion.ToString(3) + "+sposdk-testing",
        ["gitCommit"] = "0000000000000000000000000000000000000000",
        ["gitTreeState"] = "clean",
        ["buildDate"] = "2025-01-01T00:00:00Z",
        ["goVersion"] = "none",
        ["compiler"] = "dotnet",
        ["platform"] = "linux/amd64",
    };

    private static JsonObject Group(ServedGroup group, bool withTypeMeta = false)
    {
        var versions = new JsonArray(group.Versions.Select(v => (JsonNode)GroupVersion(group.Name, v)).ToArray());
        var result = new JsonObject();
        if (withTypeMeta)
        {
            result["kind"] = "APIGroup";
            result["apiVersion"] = "v1";
        }

        result["name"] = group.Name;
        result["versions"] = versions;
        result["preferredVersion"] = GroupVersion(group.Name, group.Versions[0]);
        return result;
    }

    private static JsonObject GroupVersion(string group, string version) => new()
    {
        ["groupVersion"] = group + "/" + version,
        ["version"] = version,
    };

    private static JsonArray Strings(IEnumerable<string> values) => new(values.Select(v => (JsonNode)JsonValue.Create(v)).ToArray());
}
