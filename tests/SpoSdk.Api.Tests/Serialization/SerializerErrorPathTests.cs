using System.Text;
using SpoSdk.Api.Serialization;

namespace SpoSdk.Api.Tests.Serialization;

/// <summary>Every way a manifest can be wrong ends in an error that names the document, the path and what was expected.</summary>
public sealed class SerializerErrorPathTests
{
    private const string Recording = "apiVersion: security-profiles-operator.x-k8s.io/v1\nkind: ProfileRecording\nmetadata: {name: r, namespace: web}\n";

    private readonly SpoSerializer _serializer = new();

    [Theory]
    [InlineData("- a\n- b", "a list")]
    [InlineData("42", "a number")]
    [InlineData("just text", "a string")]
    [InlineData("true", "a boolean")]
    [InlineData("null", "null")]
    public void A_document_that_is_not_an_object_says_what_it_is(string yaml, string what)
    {
        var error = Assert.Single(_serializer.Read(yaml, "m.yaml").Errors);

        Assert.Equal(SpoReadErrorCategory.Decode, error.Category);
        Assert.Equal("$", error.Path);
        Assert.Equal("a manifest must be an object, not " + what, error.Message);
        Assert.Equal("m.yaml", error.Source);
    }

    [Theory]
    [InlineData("spec: {kind: SeccompProfile, recorder: Logs, podSelector: {}, disableProfileAfterRecording: maybe}", "expected a boolean")]
    [InlineData("spec: {kind: SeccompProfile, recorder: Logs, podSelector: {}, containers: web}", "expected a list")]
    [InlineData("spec: {kind: SeccompProfile, recorder: Logs, podSelector: {}, containers: {a: b}}", "expected a list")]
    [InlineData("spec: {kind: SeccompProfile, recorder: Logs, podSelector: []}", "expected an object")]
    [InlineData("spec: {kind: SeccompProfile, recorder: 7, podSelector: {}}", "expected a string, got a number")]
    [InlineData("spec: {kind: SeccompProfile, recorder: [Logs], podSelector: {}}", "expected a string, got a list")]
    [InlineData("spec: {kind: SeccompProfile, recorder: {}, podSelector: {}}", "expected a string, got an object")]
    [InlineData("spec: {kind: SeccompProfile, recorder: true, podSelector: {}}", "expected a string, got a boolean")]
    public void A_value_of_the_wrong_type_says_what_the_field_needs(string spec, string message)
    {
        var document = Assert.Single(_serializer.Read(Recording + spec).Documents);

        Assert.Null(document.Object);
        var error = Assert.Single(document.Errors);
        Assert.Equal(SpoReadErrorCategory.Decode, error.Category);
        Assert.StartsWith("$.spec.", error.Path, StringComparison.Ordinal);
        Assert.Equal("web/r", error.Name);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_integer_field_given_text_expects_an_integer()
    {
        var error = Assert.Single(_serializer.Read("""
            apiVersion: security-profiles-operator.x-k8s.io/v1
            kind: SeccompProfile
            metadata: {name: s}
            spec: {defaultAction: SCMP_ACT_ERRNO, syscalls: [{action: SCMP_ACT_ERRNO, names: [read], errnoRet: lots}]}
            """).Errors);

        Assert.Equal("$.spec.syscalls[0].errnoRet", error.Path);
        Assert.Equal("expected an integer", error.Message);
    }

    [Fact]
    public void A_kind_asked_for_in_a_version_nobody_serves_lists_the_served_ones()
    {
        var error = Assert.Single(_serializer.Read("apiVersion: security-profiles-operator.x-k8s.io/v9\nkind: ProfileRecording\nmetadata: {name: r}").Errors);

        Assert.Equal(SpoReadErrorCategory.UnknownKind, error.Category);
        Assert.Contains("(served: ", error.Message, StringComparison.Ordinal);
        Assert.Contains("security-profiles-operator.x-k8s.io/v1alpha1", error.Message, StringComparison.Ordinal);
        Assert.Same(_serializer.Registry, _serializer.Registry);
        Assert.Contains(_serializer.Registry.Kinds, k => k.Kind == "ProfileRecording" && k.IsStorageVersion);
    }

    [Fact]
    public void Deserialize_throws_with_every_error_of_every_document()
    {
        var error = Assert.Throws<SpoSerializationException>(() => _serializer.Deserialize("42\n---\n" + Recording + "spec: {kind: SeccompProfile, recorder: Logs, podSelector: [], bogus: 1}"));

        Assert.Equal(2, error.Errors.Count);
        Assert.Equal([1, 2], error.Errors.Select(e => e.DocumentIndex));
        Assert.All(error.Errors, e => Assert.Contains(e.ToString(), error.Message, StringComparison.Ordinal));
    }

    [Fact]
    public void Deserialize_of_one_type_refuses_another_kind_or_several_objects()
    {
        var wrongKind = Assert.Throws<SpoSerializationException>(() => _serializer.Deserialize<V1.SeccompProfile>(Recording + "spec: {kind: SeccompProfile, recorder: Logs, podSelector: {}}"));
        Assert.Contains("expected exactly one SeccompProfile, found security-profiles-operator.x-k8s.io/v1 ProfileRecording", wrongKind.Message, StringComparison.Ordinal);

        var two = Recording + "spec: {kind: SeccompProfile, recorder: Logs, podSelector: {}}\n---\n" + Recording + "spec: {kind: SeccompProfile, recorder: Bpf, podSelector: {}}";
        Assert.Throws<SpoSerializationException>(() => _serializer.Deserialize<V1.ProfileRecording>(two));
        Assert.Equal(SpoReadErrorCategory.UnknownKind, Assert.Single(Assert.Throws<SpoSerializationException>(() => _serializer.Deserialize<V1.ProfileRecording>(two)).Errors).Category);
    }

    [Fact]
    public void An_exception_without_errors_still_has_a_message()
    {
        Assert.Equal("The manifests could not be read.", new SpoSerializationException([]).Message);
    }

    [Fact]
    public async Task Streams_read_like_text()
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(Recording + "spec: {kind: SeccompProfile, recorder: Logs, podSelector: {}}"));

        var result = await _serializer.ReadAsync(stream, "stdin");

        Assert.True(result.IsValid);
        Assert.Equal("stdin", result.Source);
        Assert.IsType<V1.ProfileRecording>(Assert.Single(result.Objects));
        Assert.True(stream.CanRead, "the caller's stream stays open");
    }

    [Fact]
    public void Objects_built_in_code_validate_with_the_same_rules()
    {
        var recording = _serializer.Deserialize<V1.ProfileRecording>(Recording + "spec: {kind: SeccompProfile, recorder: Logs, podSelector: {}}");
        Assert.Empty(_serializer.Validate(recording));

        recording.Spec.Containers = ["a", "a"];
        recording.Spec.Recorder = V1.ProfileRecordingRecorder.FromValue("tape");
        var violations = _serializer.Validate(recording);

        Assert.Equal(["$.spec.recorder", "$.spec.containers[1]"], violations.Select(v => v.Path).Order(StringComparer.Ordinal).Reverse());
        Assert.Contains(violations, v => v.Message.StartsWith("Unsupported value: \"tape\": supported values: \"Bpf\", \"Logs\"", StringComparison.Ordinal));
        Assert.Contains(violations, v => v.Message == "Duplicate value: \"a\"");
    }

    [Fact]
    public void Json_and_yaml_streams_write_what_reads_back()
    {
        var objects = _serializer.Deserialize(Recording + "spec: {kind: SeccompProfile, recorder: Logs, podSelector: {}}\n---\napiVersion: security-profiles-operator.x-k8s.io/v1\nkind: SeccompProfile\nmetadata: {name: s}\nspec: {defaultAction: SCMP_ACT_LOG}");

        var json = _serializer.ToJson(objects[1]);
        Assert.Contains(Environment.NewLine + "  \"kind\": \"SeccompProfile\"", json, StringComparison.Ordinal);
        Assert.Equal(_serializer.ToJsonNode(objects[1]).ToJsonString(), _serializer.ToJsonNode(_serializer.Deserialize(json)[0]).ToJsonString());

        var stream = _serializer.ToYaml(objects);
        var again = _serializer.Deserialize(stream);
        Assert.Equal(objects.Select(o => _serializer.ToJsonNode(o).ToJsonString()), again.Select(o => _serializer.ToJsonNode(o).ToJsonString()));
    }
}
