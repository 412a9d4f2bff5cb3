using System.Text.Json.Nodes;
using CsCheck;
using SpoSdk.Api.Conversion;
using SpoSdk.Api.Schema;
using SpoSdk.Api.Serialization;

namespace SpoSdk.Api.Tests.Conversion;

/// <summary>
/// Property tests: for every kind, random objects of the hub and of the legacy version survive a
/// round trip through the other version unchanged — v1-only fields, unknown enum values, empty
/// strings upstream defaults, and fields no schema knows included.
/// </summary>
public sealed class LosslessConversionTests
{
    private const int Cases = 1_000;
    private static readonly RandomObjects Objects = new();
    private readonly SpoSerializer _lenient = new(new SpoSerializerOptions { Strict = false, Validate = false });

    public static TheoryData<string, string, string> Pairs()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var kind in SpoKindRegistry.Default.Kinds.GroupBy(k => k.Kind))
        {
            var hub = kind.Single(k => k.IsStorageVersion);
            foreach (var spoke in kind.Where(k => !k.IsStorageVersion))
            {
                data.Add(kind.Key, hub.Version, spoke.Version);
                data.Add(kind.Key, spoke.Version, hub.Version);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Pairs))]
    public void Round_trip_through_the_other_version_is_lossless(string kind, string from, string via)
    {
        var setAside = 0;
        Gen.Int.Sample(seed =>
        {
            var original = Read(Objects.Create(kind, from, seed));
            var there = SpoConverter.Default.Convert(original, via);
            Assert.Equal(via, there.KindInfo.Version);
            setAside += there.Metadata.Annotations?.ContainsKey(SpoConverter.ConversionDataAnnotation) == true ? 1 : 0;
            var back = SpoConverter.Default.Convert(there, from);

            var expected = _lenient.ToJsonNode(original);
            var actual = _lenient.ToJsonNode(back);
            Assert.True(JsonNode.DeepEquals(expected, actual), "seed " + seed + Environment.NewLine + "original: " + expected.ToJsonString() + Environment.NewLine + "via " + via + ": " + _lenient.ToJsonNode(there).ToJsonString() + Environment.NewLine + "back: " + actual.ToJsonString());
        }, iter: Cases, threads: 1);

        // Kinds whose versions differ must have exercised the annotation path, not only plain copies.
        if (kind is "ProfileRecording" or "SecurityProfilesOperatorDaemon")
        {
            Assert.True(setAside > Cases / 20, kind + " " + from + " -> " + via + ": only " + setAside + " of " + Cases + " cases set anything aside");
        }
    }

    [Theory]
    [MemberData(nameof(Pairs))]
    public void Streaming_fast_path_writes_exactly_what_the_tree_conversion_does(string kind, string from, string to)
    {
        var streamed = 0;
        var target = SpoKindRegistry.Default.Kinds.First(k => k.Kind == kind && k.Version == to).ApiVersion;
        Gen.Int.Sample(seed =>
        {
            var json = Objects.Create(kind, from, seed);
            using var document = System.Text.Json.JsonDocument.Parse(json.ToJsonString());
            var buffer = new System.Buffers.ArrayBufferWriter<byte>();
            using (var writer = new System.Text.Json.Utf8JsonWriter(buffer))
            {
                if (!SpoConverter.Default.TryWriteConverted(document.RootElement, target, writer))
                {
                    Assert.Equal(0, buffer.WrittenCount);
                    return;
                }
            }

            streamed++;
            SpoConverter.Default.ConvertInPlace(json, target);
            Assert.True(JsonNode.DeepEquals(json, JsonNode.Parse(buffer.WrittenSpan)), "seed " + seed);
        }, iter: Cases, threads: 1);

        Assert.True(streamed > 0, "the fast path never applied");
    }

    [Fact]
    public void Case_variants_of_one_hub_value_convert_down_and_keep_their_spelling_on_a_round_trip()
    {
        // A legacy enum listing two case variants of one hub value (as the generator maps [always, Always] to [Always]).
        var actions = new Dictionary<string, string>(StringComparer.Ordinal) { ["scmp_act_log"] = "SCMP_ACT_LOG", ["SCMP_ACT_LOG"] = "SCMP_ACT_LOG" };
        var map = new ConversionMap(
            "security-profiles-operator.x-k8s.io", "SeccompProfile", "v1", "v1beta1",
            [new EnumConversion(SchemaPath.Parse("spec.defaultAction"), actions, null, null)], [], []);
        var converter = new SpoConverter([map], SpoKindRegistry.Default);
        const string Group = "security-profiles-operator.x-k8s.io/";

        foreach (var spelling in new[] { "scmp_act_log", "SCMP_ACT_LOG" })
        {
            var json = JsonNode.Parse("{\"apiVersion\":\"" + Group + "v1beta1\",\"kind\":\"SeccompProfile\",\"metadata\":{\"name\":\"p\"},\"spec\":{\"defaultAction\":\"" + spelling + "\"}}")!.AsObject();
            var original = json.DeepClone();

            // The spelling the way back would not give needs the annotation: the fast path declines it.
            using (var document = System.Text.Json.JsonDocument.Parse(json.ToJsonString()))
            using (var writer = new System.Text.Json.Utf8JsonWriter(new System.Buffers.ArrayBufferWriter<byte>()))
            {
                Assert.Equal(spelling == "SCMP_ACT_LOG", converter.TryWriteConverted(document.RootElement, Group + "v1", writer));
            }

            converter.ConvertInPlace(json, Group + "v1");
            Assert.Equal("SCMP_ACT_LOG", (string?)json["spec"]!["defaultAction"]);
            converter.ConvertInPlace(json, Group + "v1beta1");
            Assert.True(JsonNode.DeepEquals(original, json), spelling + ": " + json.ToJsonString());
        }

        // A hub object converts down to the spelling of the hub value.
        var hub = JsonNode.Parse("{\"apiVersion\":\"" + Group + "v1\",\"kind\":\"SeccompProfile\",\"metadata\":{\"name\":\"p\"},\"spec\":{\"defaultAction\":\"SCMP_ACT_LOG\"}}")!.AsObject();
        converter.ConvertInPlace(hub, Group + "v1beta1");
        Assert.Equal("SCMP_ACT_LOG", (string?)hub["spec"]!["defaultAction"]);
        Assert.Null(hub["metadata"]!["annotations"]);
    }

    [Fact]
    public void Every_kind_has_both_directions_covered()
    {
        Assert.Equal(16, Pairs().Count());
    }

    private ISpoObject Read(JsonObject json) => _lenient.ReadDocument(json, "random", 1).Object
        ?? throw new InvalidOperationException("generated object does not decode: " + json.ToJsonString());
}
