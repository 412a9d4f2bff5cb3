using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsCheck;
using SpoSdk.Api.Conversion;
using SpoSdk.Api.Serialization;

namespace SpoSdk.Api.Tests.Conversion;

/// <summary>
/// The byte-copying fast path: it respells only the apiVersion and mapped enum values, keeps every other
/// byte as the input had it, and declines (leaving the full conversion to do the work) whenever raw bytes
/// could mislead it — escapes, repeated names, unknown values, conversion data.
/// </summary>
public sealed class ConversionBatchTests
{
    private const string V1 = "security-profiles-operator.x-k8s.io/v1";
    private const string V1Alpha1 = "security-profiles-operator.x-k8s.io/v1alpha1";
    private static readonly RandomObjects Objects = new();

    [Fact]
    public void Untouched_bytes_are_copied_exactly_and_only_the_mapped_places_change()
    {
        var source = """{ "apiVersion" : "security-profiles-operator.x-k8s.io/v1alpha1", "kind":"ProfileRecording", "metadata":{"name":"r","labels":{"team":"café\u00e9 <&>"}}, "spec":{"kind":"SeccompProfile","recorder":"bpf","mergeStrategy":"containers","podSelector":{} } }""";

        var (written, output) = Write(source, V1);

        Assert.True(written);
        var expected = source
            .Replace("\"" + V1Alpha1 + "\"", "\"" + V1 + "\"", StringComparison.Ordinal)
            .Replace("\"bpf\"", "\"Bpf\"", StringComparison.Ordinal)
            .Replace("\"containers\"", "\"Containers\"", StringComparison.Ordinal);
        Assert.Equal(expected, output);
        AssertSameAsFullConversion(source, V1, output);
    }

    [Fact]
    public void An_object_already_in_the_target_version_is_copied_as_is()
    {
        var source = """{"kind":"SeccompProfile","apiVersion":"security-profiles-operator.x-k8s.io/v1","metadata":{"name":"s"},"spec":{"defaultAction":"SCMP_ACT_LOG"}}""";

        var (written, output) = Write(source, V1);

        Assert.True(written);
        Assert.Equal(source, output);
    }

    [Fact]
    public void The_apiVersion_is_respelled_wherever_it_stands_among_the_enums()
    {
        var source = """{"spec":{"recorder":"logs","kind":"SeccompProfile"},"kind":"ProfileRecording","metadata":{"name":"r"},"apiVersion":"security-profiles-operator.x-k8s.io/v1alpha1"}""";

        var (written, output) = Write(source, V1);

        Assert.True(written);
        Assert.Equal("""{"spec":{"recorder":"Logs","kind":"SeccompProfile"},"kind":"ProfileRecording","metadata":{"name":"r"},"apiVersion":"security-profiles-operator.x-k8s.io/v1"}""", output);
        AssertSameAsFullConversion(source, V1, output);
    }

    [Theory]
    [InlineData("""{"apiVersion":"security-profiles-operator.x-k8s.io/v1alpha1","kind":"ProfileRecording","metadata":{"name":"r"},"spec":{"recorder":"b\u0070f"}}""", "an escaped enum value")]
    [InlineData("""{"apiVersion":"security-profiles-operator.x-k8s.io\/v1alpha1","kind":"ProfileRecording","metadata":{"name":"r"},"spec":{"recorder":"bpf"}}""", "an escaped apiVersion")]
    [InlineData("""{"apiVersion":"security-profiles-operator.x-k8s.io/v1alpha1","kind":"ProfileRecording","metadata":{"name":"r"},"spec":{"recorder":"ebpf-next"}}""", "an enum value v1 does not know")]
    [InlineData("""{"apiVersion":"security-profiles-operator.x-k8s.io/v1alpha1","kind":"ProfileRecording","metadata":{"name":"r"},"spec":{"recorder":""}}""", "an empty value upstream defaults")]
    [InlineData("""{"apiVersion":"security-profiles-operator.x-k8s.io/v1alpha1","kind":"ProfileRecording","metadata":{"name":"r","annotations":{"spo.x-k8s.io/conversion-data":"{\"from\":\"v1\",\"entries\":[]}"}},"spec":{"recorder":"bpf"}}""", "conversion data to restore")]
    public void Objects_the_bytes_could_mislead_go_the_full_way(string source, string why)
    {
        var (written, output) = Write(source, V1);

        Assert.False(written, why);
        Assert.Equal(string.Empty, output);
        var converted = JsonNode.Parse(source)!.AsObject();
        SpoConverter.Default.ConvertInPlace(converted, V1);
        Assert.Equal(V1, (string?)converted["apiVersion"]);
    }

    [Fact]
    public void The_full_conversion_reads_escaped_values_the_fast_path_declined()
    {
        var converted = JsonNode.Parse("""{"apiVersion":"security-profiles-operator.x-k8s.io/v1alpha1","kind":"ProfileRecording","metadata":{"name":"r"},"spec":{"recorder":"b\u0070f"}}""")!.AsObject();

        SpoConverter.Default.ConvertInPlace(converted, V1);

        Assert.Equal("Bpf", (string?)converted["spec"]!["recorder"]);
    }

    [Theory]
    [InlineData("""{"apiVersion":"security-profiles-operator.x-k8s.io/v1alpha1","apiVersion":"security-profiles-operator.x-k8s.io/v1alpha1","kind":"ProfileRecording","metadata":{"name":"r"}}""")]
    [InlineData("""{"apiVersion":"security-profiles-operator.x-k8s.io/v1alpha1","kind":"ProfileRecording","kind":"SeccompProfile","metadata":{"name":"r"}}""")]
    [InlineData("""{"apiVersion":"security-profiles-operator.x-k8s.io/v1alpha1","metadata":{"name":"r"}}""")]
    [InlineData("""{"apiVersion":42,"kind":"ProfileRecording","metadata":{"name":"r"}}""")]
    [InlineData("""{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"}}""")]
    [InlineData("""["not","an","object"]""")]
    public void Objects_whose_type_is_unclear_are_declined(string source)
    {
        Assert.False(Write(source, V1).Written);
    }

    [Fact]
    public void A_target_nobody_serves_declines_everything()
    {
        Assert.False(Write("""{"apiVersion":"security-profiles-operator.x-k8s.io/v1","kind":"SeccompProfile","metadata":{"name":"s"}}""", "security-profiles-operator.x-k8s.io/v9").Written);
    }

    [Fact]
    public void One_batch_writes_many_objects_into_one_array()
    {
        var batch = SpoConverter.Default.CreateBatch(V1Alpha1);
        using var document = JsonDocument.Parse("""
            [{"apiVersion":"security-profiles-operator.x-k8s.io/v1","kind":"ProfileRecording","metadata":{"name":"a"},"spec":{"recorder":"Bpf"}},
             {"apiVersion":"security-profiles-operator.x-k8s.io/v1","kind":"ProfileRecording","metadata":{"name":"b"},"spec":{"recorder":"Logs"}},
             {"apiVersion":"security-profiles-operator.x-k8s.io/v1alpha1","kind":"ProfileRecording","metadata":{"name":"c"},"spec":{"recorder":"logs"}}]
            """);
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var item in document.RootElement.EnumerateArray())
            {
                Assert.True(batch.TryWrite(item, writer));
            }

            writer.WriteEndArray();
        }

        var written = JsonNode.Parse(buffer.WrittenSpan)!.AsArray();
        Assert.Equal(["bpf", "logs", "logs"], written.Select(o => (string?)o!["spec"]!["recorder"]));
        Assert.All(written, o => Assert.Equal(V1Alpha1, (string?)o!["apiVersion"]));
    }

    [Theory]
    [InlineData("v1beta1", "v1")]
    [InlineData("v1", "v1beta1")]
    public void Through_lists_and_maps_the_fast_path_writes_what_the_tree_conversion_does(string from, string to)
    {
        // The generated maps have no enum inside a list and no field under a map yet; this one has both.
        var converter = new SpoConverter([ListsAndMaps()], SpoKindRegistry.Default);
        var target = "security-profiles-operator.x-k8s.io/" + to;
        int streamed = 0, declined = 0;
        Gen.Int.Sample(seed =>
        {
            var json = Objects.Create("SeccompProfile", from, seed);
            using var document = JsonDocument.Parse(json.ToJsonString());
            var buffer = new ArrayBufferWriter<byte>();
            bool written;
            using (var writer = new Utf8JsonWriter(buffer))
            {
                written = converter.CreateBatch(target).TryWrite(document.RootElement, writer);
            }

            if (!written)
            {
                Assert.Equal(0, buffer.WrittenCount);
                declined++;
                return;
            }

            streamed++;
            converter.ConvertInPlace(json, target);
            Assert.True(JsonNode.DeepEquals(json, JsonNode.Parse(buffer.WrittenSpan)), "seed " + seed + ": " + json.ToJsonString() + " vs " + Encoding.UTF8.GetString(buffer.WrittenSpan));
        }, iter: 1_000, threads: 1);

        Assert.True(streamed > 0 && declined > 0, "streamed " + streamed + ", declined " + declined);
    }

    private static ConversionMap ListsAndMaps()
    {
        var actions = new[] { "KILL", "KILL_PROCESS", "KILL_THREAD", "TRAP", "ERRNO", "TRACE", "ALLOW", "LOG", "NOTIFY" }
            .ToDictionary(a => "SCMP_ACT_" + a, a => a.ToLowerInvariant().Replace('_', '-'), StringComparer.Ordinal);
        var architectures = new Dictionary<string, string>(StringComparer.Ordinal) { ["SCMP_ARCH_X86_64"] = "amd64", ["SCMP_ARCH_AARCH64"] = "arm64", ["SCMP_ARCH_X86"] = "386" };
        return new ConversionMap(
            "security-profiles-operator.x-k8s.io",
            "SeccompProfile",
            "v1",
            "v1beta1",
            [new EnumConversion(SchemaPath.Parse("spec.syscalls[].action"), actions, null, null), new EnumConversion(SchemaPath.Parse("spec.architectures[]"), architectures, null, null)],
            HubOnlyPaths: [SchemaPath.Parse("metadata.labels.*")],
            SpokeOnlyPaths: [SchemaPath.Parse("spec.syscalls[].args[].op")]);
    }

    private static (bool Written, string Output) Write(string source, string target)
    {
        using var document = JsonDocument.Parse(Encoding.UTF8.GetBytes(source));
        var buffer = new ArrayBufferWriter<byte>();
        bool written;
        using (var writer = new Utf8JsonWriter(buffer))
        {
            written = SpoConverter.Default.CreateBatch(target).TryWrite(document.RootElement, writer);
        }

        return (written, Encoding.UTF8.GetString(buffer.WrittenSpan));
    }

    private static void AssertSameAsFullConversion(string source, string target, string fastOutput)
    {
        var converted = JsonNode.Parse(source)!.AsObject();
        SpoConverter.Default.ConvertInPlace(converted, target);
        Assert.True(JsonNode.DeepEquals(converted, JsonNode.Parse(fastOutput)), converted.ToJsonString() + " vs " + fastOutput);
    }
}
