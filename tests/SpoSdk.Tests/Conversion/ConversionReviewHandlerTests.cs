using System.Text;
using System.Text.Json.Nodes;
using SpoSdk.Api.Conversion;
using SpoSdk.Conversion;

namespace SpoSdk.Tests.Conversion;

/// <summary>ConversionReview handling: uid echoed, every object converted, every failure a result, never an exception.</summary>
public sealed class ConversionReviewHandlerTests
{
    private readonly ConversionReviewHandler _handler = new(SpoConverter.Default);

    [Fact]
    public void Converts_every_object_and_echoes_the_uid()
    {
        var response = Handle("""
            {"apiVersion":"apiextensions.k8s.io/v1","kind":"ConversionReview","request":{"uid":"705ab4f5-6393-11e8-b7cc-42010a800002",
             "desiredAPIVersion":"security-profiles-operator.x-k8s.io/v1",
             "objects":[
               {"apiVersion":"security-profiles-operator.x-k8s.io/v1alpha1","kind":"ProfileRecording","metadata":{"name":"r","namespace":"n"},
                "spec":{"kind":"SeccompProfile","recorder":"bpf","mergeStrategy":"containers","podSelector":{}}},
               {"apiVersion":"security-profiles-operator.x-k8s.io/v1beta1","kind":"SeccompProfile","metadata":{"name":"s"},
                "spec":{"defaultAction":"SCMP_ACT_LOG"}}]}}
            """);

        Assert.Equal("apiextensions.k8s.io/v1", (string?)response["apiVersion"]);
        Assert.Equal("ConversionReview", (string?)response["kind"]);
        Assert.Equal("705ab4f5-6393-11e8-b7cc-42010a800002", (string?)response["response"]!["uid"]);
        Assert.Equal("Success", (string?)response["response"]!["result"]!["status"]);
        var converted = response["response"]!["convertedObjects"]!.AsArray();
        Assert.Equal(2, converted.Count);
        Assert.All(converted, o => Assert.Equal("security-profiles-operator.x-k8s.io/v1", (string?)o!["apiVersion"]));
        Assert.Equal("Bpf", (string?)converted[0]!["spec"]!["recorder"]);
        Assert.Equal("Containers", (string?)converted[0]!["spec"]!["mergeStrategy"]);
    }

    [Fact]
    public void Spod_and_node_status_convert_too_unlike_upstream()
    {
        var response = Handle("""
            {"apiVersion":"apiextensions.k8s.io/v1","kind":"ConversionReview","request":{"uid":"u",
             "desiredAPIVersion":"security-profiles-operator.x-k8s.io/v1alpha1",
             "objects":[
               {"apiVersion":"security-profiles-operator.x-k8s.io/v1","kind":"SecurityProfilesOperatorDaemon","metadata":{"name":"spod","namespace":"spo"},
                "spec":{"enricher":{"logEnricherSource":"Bpf"}},"status":{"state":"Running"}},
               {"apiVersion":"security-profiles-operator.x-k8s.io/v1","kind":"SecurityProfileNodeStatus","metadata":{"name":"p-n"},
                "spec":{"nodeName":"n"},"status":{"status":"Installed"}}]}}
            """);

        var converted = response["response"]!["convertedObjects"]!.AsArray();
        Assert.Equal("bpf", (string?)converted[0]!["spec"]!["enricher"]!["logEnricherSource"]);
        Assert.Equal("RUNNING", (string?)converted[0]!["status"]!["state"]);
        Assert.Equal("security-profiles-operator.x-k8s.io/v1alpha1", (string?)converted[1]!["apiVersion"]);
    }

    [Theory]
    [InlineData("not json at all", "", "malformed ConversionReview")]
    [InlineData("[]", "", "request is missing")]
    [InlineData("{\"kind\":\"ConversionReview\"}", "", "request is missing")]
    [InlineData("{\"kind\":\"AdmissionReview\",\"request\":{\"uid\":\"u1\"}}", "u1", "kind must be ConversionReview")]
    [InlineData("{\"kind\":\"ConversionReview\",\"request\":{\"uid\":\"u2\",\"objects\":[]}}", "u2", "desiredAPIVersion is missing")]
    [InlineData("{\"kind\":\"ConversionReview\",\"request\":{\"uid\":\"u3\",\"desiredAPIVersion\":\"security-profiles-operator.x-k8s.io/v1\"}}", "u3", "objects is missing")]
    [InlineData("{\"kind\":\"ConversionReview\",\"request\":{\"uid\":\"u4\",\"desiredAPIVersion\":\"security-profiles-operator.x-k8s.io/v1\",\"objects\":[42]}}", "u4", "objects[0] is not an object")]
    [InlineData("{\"kind\":\"ConversionReview\",\"request\":{\"uid\":\"u5\",\"desiredAPIVersion\":\"security-profiles-operator.x-k8s.io/v9\",\"objects\":[{\"apiVersion\":\"security-profiles-operator.x-k8s.io/v1\",\"kind\":\"SeccompProfile\",\"metadata\":{\"name\":\"x\"}}]}}", "u5", "SeccompProfile/x: SeccompProfile is not served as security-profiles-operator.x-k8s.io/v9")]
    [InlineData("{\"kind\":\"ConversionReview\",\"request\":{\"uid\":\"u6\",\"desiredAPIVersion\":\"v1\",\"objects\":[{\"apiVersion\":\"v1\",\"kind\":\"Pod\"}]}}", "u6", "cannot convert Pod from v1")]
    [InlineData("{\"kind\":\"ConversionReview\",\"request\":{\"uid\":\"u7\",\"desiredAPIVersion\":\"security-profiles-operator.x-k8s.io/v1\",\"objects\":[{\"apiVersion\":\"security-profiles-operator.x-k8s.io/v1alpha1\",\"apiVersion\":\"security-profiles-operator.x-k8s.io/v1beta1\",\"kind\":\"SeccompProfile\"}]}}", "u7", "objects[0] has the property apiVersion twice")]
    [InlineData("{\"kind\":\"ConversionReview\",\"request\":{\"uid\":\"u8\",\"desiredAPIVersion\":\"security-profiles-operator.x-k8s.io/v1\",\"objects\":[{\"apiVersion\":\"security-profiles-operator.x-k8s.io/v1alpha1\",\"kind\":\"ProfileRecording\",\"spec\":{\"recorder\":\"next\",\"containers\":[{\"a\":1,\"a\":2}]}}]}}", "u8", "objects[0] has the property spec.containers[0].a twice")]
    [InlineData("{\"kind\":\"ConversionReview\",\"request\":{\"uid\":\"u9\",\"desiredAPIVersion\":\"security-profiles-operator.x-k8s.io/v1\",\"objects\":[{\"apiVersion\":\"security-profiles-operator.x-k8s.io/v1alpha1\",\"kind\":\"ProfileRecording\",\"metadata\":[],\"spec\":{\"recorder\":\"\"}}]}}", "u9", "objects[0] ProfileRecording/<unnamed>: cannot convert ProfileRecording: $.metadata is a list, not an object")]
    public void Malformed_reviews_get_a_failure_result(string request, string uid, string message)
    {
        var response = Handle(request);

        Assert.Equal(uid, (string?)response["response"]!["uid"]);
        Assert.Equal("Failure", (string?)response["response"]!["result"]!["status"]);
        Assert.Contains(message, (string?)response["response"]!["result"]!["message"], StringComparison.Ordinal);
        Assert.Empty(response["response"]!["convertedObjects"]!.AsArray());
    }

    [Fact]
    public void Hostile_input_never_throws()
    {
        var random = new Random(7);
        var seed = Encoding.UTF8.GetBytes("{\"kind\":\"ConversionReview\",\"request\":{\"uid\":\"u\",\"desiredAPIVersion\":\"security-profiles-operator.x-k8s.io/v1\",\"objects\":[{\"apiVersion\":\"security-profiles-operator.x-k8s.io/v1alpha1\",\"kind\":\"ProfileRecording\",\"metadata\":{\"name\":\"r\",\"annotations\":{\"spo.x-k8s.io/conversion-data\":\"{\\\"from\\\":\\\"v1\\\",\\\"entries\\\":[{\\\"path\\\":\\\"$.spec[9]['x\\\",\\\"hasValue\\\":true}]}\"}},\"spec\":{\"recorder\":\"\"}}]}}");
        for (var i = 0; i < 2_000; i++)
        {
            var bytes = (byte[])seed.Clone();
            for (var flips = random.Next(1, 4); flips > 0; flips--)
            {
                bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
            }

            var response = JsonNode.Parse(_handler.Handle(bytes).Span)!;
            Assert.NotNull(response["response"]!["result"]!["status"]);
        }

        var deep = Encoding.UTF8.GetBytes(new string('[', 100_000));
        Assert.Equal("Failure", (string?)JsonNode.Parse(_handler.Handle(deep).Span)!["response"]!["result"]!["status"]);
    }

    private JsonNode Handle(string request) => JsonNode.Parse(_handler.Handle(Encoding.UTF8.GetBytes(request)).Span)!;
}
