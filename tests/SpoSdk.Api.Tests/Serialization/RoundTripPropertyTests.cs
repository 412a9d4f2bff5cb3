using System.Text.Json.Nodes;
using CsCheck;
using SpoSdk.Api.Schema;
using SpoSdk.Api.Serialization;
using SpoSdk.Api.Tests.Conversion;

namespace SpoSdk.Api.Tests.Serialization;

/// <summary>
/// Property tests over random objects of every kind and version, built from the CRD schemas: reading
/// leniently and writing back gives the input unchanged (unknown fields and values included), through
/// JSON and YAML alike, and every violation strict validation reports points at a real place.
/// </summary>
public sealed class RoundTripPropertyTests
{
    private const int Cases = 300;
    private static readonly RandomObjects Objects = new();
    private readonly SpoSerializer _lenient = new(new SpoSerializerOptions { Strict = false, Validate = false });
    private readonly SpoSerializer _strict = new();

    public static TheoryData<string, string> Versions()
    {
        var data = new TheoryData<string, string>();
        foreach (var (kind, version) in Objects.Versions)
        {
            data.Add(kind, version);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public void Reading_and_writing_back_changes_nothing(string kind, string version)
    {
        Gen.Int.Sample(seed =>
        {
            var json = Objects.Create(kind, version, seed);
            var document = _lenient.ReadDocument(json, "random", 1);
            Assert.True(document.Object is not null, "seed " + seed + ": " + string.Join("; ", document.Errors));

            var written = _lenient.ToJsonNode(document.Object);
            Assert.True(JsonNode.DeepEquals(json, written), "seed " + seed + Environment.NewLine + "in:  " + json.ToJsonString() + Environment.NewLine + "out: " + written.ToJsonString());

            var throughYaml = Assert.Single(_lenient.Read(_lenient.ToYaml(document.Object)).Objects);
            Assert.True(JsonNode.DeepEquals(json, _lenient.ToJsonNode(throughYaml)), "seed " + seed + " through YAML");
        }, iter: Cases, threads: 1);
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public void Every_violation_points_at_a_place_the_object_has(string kind, string version)
    {
        var violations = 0;
        Gen.Int.Sample(seed =>
        {
            var json = Objects.Create(kind, version, seed);
            foreach (var error in _strict.ReadDocument(json, "random", 1).Errors)
            {
                violations++;
                Assert.True(JsonPath.TryParse(error.Path!, out var segments), "seed " + seed + ": unparsable path " + error.Path);
                Assert.True(ParentExists(json, segments), "seed " + seed + ": " + error.Path + " is nowhere in " + json.ToJsonString());
            }
        }, iter: Cases, threads: 1);

        // Random objects carry unknown fields and values often enough that a silent validator would show here.
        Assert.True(violations > 0, kind + " " + version + ": no violation in " + Cases + " random objects");
    }

    private static bool ParentExists(JsonNode root, IReadOnlyList<object> segments)
    {
        JsonNode? node = root;
        for (var i = 0; i < segments.Count - 1 && node is not null; i++)
        {
            node = (segments[i], node) switch
            {
                (string name, JsonObject obj) => obj[name],
                (int index, JsonArray array) when index < array.Count => array[index],
                _ => null,
            };
        }

        return node is not null;
    }
}
