using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using SpoSdk.AspNetCore.Webhooks;
using SpoSdk.Conversion;

namespace SpoSdk.Tests.AspNetCore;

/// <summary>The /convert endpoint over real HTTP on loopback.</summary>
public sealed class ConversionEndpointTests
{
    [Fact]
    public async Task Posted_review_comes_back_converted()
    {
        await using var server = await LoopbackServer.StartAsync(s => s.AddSpoConversion(), app => app.MapSpoConversionWebhook());
        var review = """
            {"apiVersion":"apiextensions.k8s.io/v1","kind":"ConversionReview","request":{"uid":"abc",
             "desiredAPIVersion":"security-profiles-operator.x-k8s.io/v1beta1",
             "objects":[{"apiVersion":"security-profiles-operator.x-k8s.io/v1","kind":"SeccompProfile","metadata":{"name":"s"},"spec":{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"action":"SCMP_ACT_ALLOW","names":["read"]}]}}]}}
            """;

        using var response = await server.Client.PostAsync("/convert", new StringContent(review, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("abc", (string?)body["response"]!["uid"]);
        Assert.Equal("security-profiles-operator.x-k8s.io/v1beta1", (string?)body["response"]!["convertedObjects"]![0]!["apiVersion"]);
    }

    [Fact]
    public async Task Garbage_gets_a_failure_review_not_a_server_error()
    {
        await using var server = await LoopbackServer.StartAsync(s => s.AddSpoConversion(), app => app.MapSpoConversionWebhook());

        using var response = await server.Client.PostAsync("/convert", new StringContent("{\"kind\":", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("Failure", (string?)body["response"]!["result"]!["status"]);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Oversized_body_is_refused_with_or_without_a_content_length(bool withLength)
    {
        await using var server = await LoopbackServer.StartAsync(s => s.AddSpoConversion(), app => app.MapSpoConversionWebhook(maxRequestBytes: 1024));
        var body = new byte[4096];
        HttpContent content = withLength ? new ByteArrayContent(body) : new StreamContent(new MemoryStream(body));
        if (!withLength)
        {
            content.Headers.ContentLength = null;
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, "/convert") { Content = content };
        request.Headers.TransferEncodingChunked = !withLength;
        using var response = await server.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task Mapping_without_the_services_fails_at_start_with_a_clear_message()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => LoopbackServer.StartAsync(_ => { }, app => app.MapSpoConversionWebhook()));
        Assert.Contains("AddSpoConversion", error.Message, StringComparison.Ordinal);
    }
}
