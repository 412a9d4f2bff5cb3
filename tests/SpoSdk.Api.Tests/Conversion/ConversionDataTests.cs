using System.Text.Json.Nodes;
using SpoSdk.Api.Conversion;

namespace SpoSdk.Api.Tests.Conversion;

/// <summary>
/// The conversion-data annotation is user-editable: what it asks to restore is restored only while the
/// place still holds what the conversion wrote there, and anything unreadable is left alone, never guessed at.
/// </summary>
public sealed class ConversionDataTests
{
    private const string V1 = "security-profiles-operator.x-k8s.io/v1";
    private const string V1Alpha1 = "security-profiles-operator.x-k8s.io/v1alpha1";

    // Conversion reads and writes the annotation: metadata of another shape is an error naming it, never replaced.
    [Theory]
    [InlineData("\"x\"", V1, "$.metadata is a string")]
    [InlineData("[]", V1, "$.metadata is a list")]
    [InlineData("{\"name\":\"b\",\"annotations\":\"x\"}", V1, "$.metadata.annotations is a string")]
    [InlineData("{\"name\":\"b\",\"annotations\":[1]}", V1Alpha1, "$.metadata.annotations is a list")]
    public void Metadata_that_is_not_an_object_is_a_conversion_error(string metadata, string from, string message)
    {
        var to = from == V1 ? V1Alpha1 : V1;
        var json = JsonNode.Parse("{\"apiVersion\":\"" + from + "\",\"kind\":\"ProfileBinding\",\"metadata\":" + metadata + ",\"spec\":{\"profileRef\":{\"kind\":\"SeccompProfile\",\"name\":\"p\"},\"image\":\"nginx\"}}")!.AsObject();
        var before = json.ToJsonString();

        var error = Assert.Throws<SpoConversionException>(() => SpoConverter.Default.ConvertInPlace(json, to));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.Equal(before, json.ToJsonString());
    }

    [Fact]
    public void A_list_item_is_restored_while_it_still_holds_what_was_written()
    {
        var json = Recording(containers: ["a", "written"], Entry("$.spec.containers[1]", "original", written: "written"));

        SpoConverter.Default.ConvertInPlace(json, V1Alpha1);

        Assert.Equal(V1Alpha1, (string?)json["apiVersion"]);
        Assert.Equal(["a", "original"], json["spec"]!["containers"]!.AsArray().Select(n => (string?)n));
        Assert.Null(json["metadata"]!["annotations"]);
    }

    [Fact]
    public void A_list_item_changed_since_wins_over_the_annotation()
    {
        var json = Recording(containers: ["a", "edited"], Entry("$.spec.containers[1]", "original", written: "written"));

        SpoConverter.Default.ConvertInPlace(json, V1Alpha1);

        Assert.Equal(["a", "edited"], json["spec"]!["containers"]!.AsArray().Select(n => (string?)n));
    }

    [Fact]
    public void A_field_that_was_absent_is_removed_again()
    {
        var json = Recording(containers: ["a"]);
        json["spec"]!["disableProfileAfterRecording"] = true;
        json["metadata"]!["annotations"] = new JsonObject();
        json["metadata"]!["annotations"]![SpoConverter.ConversionDataAnnotation] =
            """{"from":"v1alpha1","entries":[{"path":"$.spec.disableProfileAfterRecording","hasValue":false,"written":true,"writtenPresent":true}]}""";

        SpoConverter.Default.ConvertInPlace(json, V1Alpha1);

        Assert.False(json["spec"]!.AsObject().ContainsKey("disableProfileAfterRecording"));
    }

    [Fact]
    public void Missing_parent_objects_are_made_for_a_restored_field_but_lists_never_are()
    {
        var json = Recording(containers: null, Entry("$.spec.podSelector.matchLabels.app", "web", written: null), Entry("$.spec.excludedPods[0].name", "x", written: null));

        SpoConverter.Default.ConvertInPlace(json, V1Alpha1);

        Assert.Equal("web", (string?)json["spec"]!["podSelector"]!["matchLabels"]!["app"]);
        Assert.False(json["spec"]!.AsObject().ContainsKey("excludedPods"));
    }

    [Theory]
    [InlineData("$.spec.containers[7]")]
    [InlineData("$.spec.containers.x")]
    [InlineData("spec.containers[0]")]
    [InlineData("$['unterminated")]
    [InlineData("$")]
    public void Entries_pointing_nowhere_are_ignored(string path)
    {
        var json = Recording(containers: ["a"], Entry(path, "original", written: null));

        SpoConverter.Default.ConvertInPlace(json, V1Alpha1);

        Assert.Equal(["a"], json["spec"]!["containers"]!.AsArray().Select(n => (string?)n));
        Assert.Equal(V1Alpha1, (string?)json["apiVersion"]);
    }

    [Fact]
    public void Data_left_by_another_version_stays_where_it_is()
    {
        var json = Recording(containers: ["a"]);
        var data = """{"from":"v1beta9","entries":[{"path":"$.spec.containers[0]","value":"b","hasValue":true,"written":"a","writtenPresent":true}]}""";
        json["metadata"]!["annotations"] = new JsonObject { [SpoConverter.ConversionDataAnnotation] = data };

        SpoConverter.Default.ConvertInPlace(json, V1Alpha1);

        Assert.Equal("a", (string?)json["spec"]!["containers"]![0]);
        Assert.Equal(data, (string?)json["metadata"]!["annotations"]![SpoConverter.ConversionDataAnnotation]);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("""{"from":"v1alpha1","entries":[null,{"value":"x"}]}""")]
    public void Damaged_data_is_never_acted_on(string data)
    {
        var json = Recording(containers: ["a"]);
        json["metadata"]!["annotations"] = new JsonObject { [SpoConverter.ConversionDataAnnotation] = data, ["keep"] = "me" };

        SpoConverter.Default.ConvertInPlace(json, V1Alpha1);

        Assert.Equal(["a"], json["spec"]!["containers"]!.AsArray().Select(n => (string?)n));
        Assert.Equal("me", (string?)json["metadata"]!["annotations"]!["keep"]);
    }

    [Fact]
    public void Objects_without_type_or_with_an_unserved_one_fail_with_a_reason()
    {
        Assert.Contains("no apiVersion or kind", Assert.Throws<SpoConversionException>(() => SpoConverter.Default.ConvertInPlace(new JsonObject { ["kind"] = "ProfileRecording" }, V1)).Message, StringComparison.Ordinal);
        Assert.Contains("not a served version", Assert.Throws<SpoConversionException>(() => SpoConverter.Default.ConvertInPlace(new JsonObject { ["apiVersion"] = "security-profiles-operator.x-k8s.io/v7", ["kind"] = "ProfileRecording" }, V1)).Message, StringComparison.Ordinal);
        Assert.Contains("is not served as", Assert.Throws<SpoConversionException>(() => SpoConverter.Default.ConvertInPlace(Recording(containers: null), "v7")).Message, StringComparison.Ordinal);
    }

    private static string Entry(string path, string value, string? written) =>
        new JsonObject
        {
            ["path"] = path,
            ["value"] = value,
            ["hasValue"] = true,
            ["written"] = written,
            ["writtenPresent"] = written is not null,
        }.ToJsonString();

    private static JsonObject Recording(string[]? containers, params string[] entries)
    {
        var spec = new JsonObject { ["kind"] = "SeccompProfile", ["recorder"] = "Logs", ["podSelector"] = new JsonObject() };
        if (containers is not null)
        {
            spec["containers"] = new JsonArray(containers.Select(c => (JsonNode?)c).ToArray());
        }

        var metadata = new JsonObject { ["name"] = "r", ["namespace"] = "ns" };
        if (entries.Length > 0)
        {
            metadata["annotations"] = new JsonObject
            {
                [SpoConverter.ConversionDataAnnotation] = """{"from":"v1alpha1","entries":[""" + string.Join(",", entries) + "]}",
            };
        }

        return new JsonObject { ["apiVersion"] = V1, ["kind"] = "ProfileRecording", ["metadata"] = metadata, ["spec"] = spec };
    }
}
