using System.Net;
using System.Net.Http.Headers;
using SpoSdk.Oci.Authentication;
using SpoSdk.Oci.Content;
using SpoSdk.Oci.Distribution;
using SpoSdk.Oci.References;

namespace SpoSdk.Tests.Oci;

/// <summary>
/// Client behaviour the Debian registry cannot show (it has no referrers API and never lies about
/// content): a fake registry in an injected handler.
/// </summary>
public sealed class OciRegistryClientTests
{
    private static readonly byte[] Manifest = OciJson.Serialize(new OciManifest { Config = OciDescriptor.Of("{}"u8, OciMediaTypes.Empty) });

    [Fact]
    public async Task Non_loopback_registries_are_reached_over_https_only_unless_plain_http_is_asked()
    {
        var handler = new FakeHandler(_ => Response(HttpStatusCode.OK, Manifest, OciMediaTypes.ImageManifest));
        using var client = new OciRegistryClient(new HttpClient(handler));
        using var plain = new OciRegistryClient(new HttpClient(handler), new OciRegistryClientOptions { PlainHttp = true });

        await client.GetManifestAsync(OciReference.Parse("registry.example:5000/a/b:v1"), "v1");
        await client.GetManifestAsync(OciReference.Parse("nginx"), "latest");
        await plain.GetManifestAsync(OciReference.Parse("registry.example/a:v1"), "v1");

        Assert.Equal(
            ["https://registry.example:5000/v2/a/b/manifests/v1", "https://registry-1.docker.io/v2/library/nginx/manifests/latest", "http://registry.example/v2/a/manifests/v1"],
            handler.Requests.Select(r => r.RequestUri!.ToString()));
        Assert.Contains(OciMediaTypes.ImageIndex, handler.Requests[0].Headers.Accept.Select(a => a.MediaType));
    }

    [Fact]
    public async Task Manifests_that_lie_about_digest_or_media_type_are_rejected()
    {
        var digest = OciDigest.Compute(Manifest);
        var reference = OciReference.Parse("registry.example/a:v1");
        using var wrongDigest = Client(_ => Response(HttpStatusCode.OK, Manifest, OciMediaTypes.ImageManifest, ("Docker-Content-Digest", OciDigest.Compute("x"u8).ToString())));
        using var wrongType = Client(_ => Response(HttpStatusCode.OK, Manifest, OciMediaTypes.ImageIndex));
        using var honest = Client(_ => Response(HttpStatusCode.OK, Manifest, "application/octet-stream"));

        await Assert.ThrowsAsync<OciContentException>(() => wrongDigest.GetManifestAsync(reference, "v1"));
        await Assert.ThrowsAsync<OciContentException>(() => wrongDigest.GetManifestAsync(reference, OciDigest.Compute("y"u8).ToString()));
        Assert.Contains("declares media type", (await Assert.ThrowsAsync<OciContentException>(() => wrongType.GetManifestAsync(reference, "v1"))).Message, StringComparison.Ordinal);
        var fetched = await honest.GetManifestAsync(reference, digest.ToString());
        Assert.Equal(OciMediaTypes.ImageManifest, fetched.MediaType);
        Assert.Equal(digest, fetched.Digest);
    }

    [Fact]
    public async Task Oversized_manifests_and_blobs_are_refused_before_reading()
    {
        var reference = OciReference.Parse("registry.example/a:v1");
        using var client = Client(_ => Response(HttpStatusCode.OK, new byte[2048], OciMediaTypes.ImageManifest), new OciRegistryClientOptions { MaxManifestBytes = 1024, MaxBlobBytes = 1024 });

        await Assert.ThrowsAsync<OciContentException>(() => client.GetManifestAsync(reference, "v1"));
        await Assert.ThrowsAsync<OciContentException>(() => client.GetBlobAsync(reference, new OciDescriptor { Digest = OciDigest.Compute("x"u8).ToString(), Size = 2048 }));
    }

    [Fact]
    public async Task Referrers_api_is_used_when_the_registry_has_it()
    {
        var subject = OciDigest.Compute(Manifest);
        var index = OciJson.Serialize(new OciIndex
        {
            Manifests =
            [
                new OciDescriptor { MediaType = OciMediaTypes.ImageManifest, Digest = OciDigest.Compute("1"u8).ToString(), Size = 1, ArtifactType = "application/vnd.example.sbom" },
                new OciDescriptor { MediaType = OciMediaTypes.ImageManifest, Digest = OciDigest.Compute("2"u8).ToString(), Size = 1, ArtifactType = "application/vnd.example.sig" },
            ],
        });
        using var client = Client(r => r.RequestUri!.AbsolutePath == "/v2/a/referrers/" + subject
            ? Response(HttpStatusCode.OK, index, OciMediaTypes.ImageIndex)
            : Response(HttpStatusCode.NotFound, [], "text/plain"));

        var all = await client.GetReferrersAsync(OciReference.Parse("registry.example/a:v1"), subject);
        var filtered = await client.GetReferrersAsync(OciReference.Parse("registry.example/a:v1"), subject, "application/vnd.example.sig");

        Assert.False(all.FromTagSchema);
        Assert.Equal(2, all.Manifests.Count);
        Assert.Equal("application/vnd.example.sig", Assert.Single(filtered.Manifests).ArtifactType);
    }

    [Fact]
    public async Task Plain_http_token_realms_of_remote_registries_are_refused()
    {
        var handler = new FakeHandler(_ =>
        {
            var response = Response(HttpStatusCode.Unauthorized, [], "application/json");
            response.Headers.WwwAuthenticate.Add(new AuthenticationHeaderValue("Bearer", "realm=\"http://auth.example/token\",service=\"registry.example\""));
            return response;
        });
        using var client = new OciRegistryClient(new HttpClient(handler));

        var error = await Assert.ThrowsAsync<OciRegistryException>(() => client.ListTagsAsync(OciReference.Parse("registry.example/a:v1")));

        Assert.Contains("plain-HTTP token realm", error.Message, StringComparison.Ordinal);
        Assert.Single(handler.Requests);
    }

    [Fact]
    public async Task Credentials_go_to_the_registry_only_not_to_upload_locations_elsewhere()
    {
        var handler = new FakeHandler(request =>
        {
            if (request.RequestUri!.Host == "storage.example")
            {
                return Response(HttpStatusCode.Created, [], "text/plain");
            }

            if (request.Headers.Authorization is null)
            {
                var challenge = Response(HttpStatusCode.Unauthorized, [], "application/json");
                challenge.Headers.WwwAuthenticate.Add(new AuthenticationHeaderValue("Basic", "realm=\"r\""));
                return challenge;
            }

            if (request.Method == HttpMethod.Post)
            {
                var accepted = Response(HttpStatusCode.Accepted, [], "text/plain");
                accepted.Headers.Location = new Uri("https://storage.example/upload/1?state=x");
                return accepted;
            }

            return Response(HttpStatusCode.NotFound, [], "text/plain");
        });
        var credentials = new StaticRegistryCredentials(new RegistryCredential("u", "p"));
        using var client = new OciRegistryClient(new HttpClient(handler), credentials: credentials);

        await client.PushBlobAsync(OciReference.Parse("registry.example/a:v1"), "blob"u8.ToArray());

        Assert.Equal(["HEAD registry.example False", "HEAD registry.example True", "POST registry.example True", "PUT storage.example False"], handler.Requests.Select(r => r.Method + " " + r.RequestUri!.Host + " " + (r.Headers.Authorization is not null)));
        Assert.Contains("state=x&digest=sha256%3A", handler.Requests[^1].RequestUri!.Query, StringComparison.Ordinal);
    }

    private static OciRegistryClient Client(Func<HttpRequestMessage, HttpResponseMessage> respond, OciRegistryClientOptions? options = null) =>
        new(new HttpClient(new FakeHandler(respond)), options, disposeHttpClient: true);

    private static HttpResponseMessage Response(HttpStatusCode status, byte[] body, string mediaType, params (string Name, string Value)[] headers)
    {
        var response = new HttpResponseMessage(status) { Content = new ByteArrayContent(body) };
        response.Content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        foreach (var (name, value) in headers)
        {
            response.Headers.TryAddWithoutValidation(name, value);
        }

        return response;
    }

    private sealed class FakeHandler(Func<HttpRequestMessage, HttpResponseMessage> respond) : HttpMessageHandler
    {
        public List<HttpRequestMessage> Requests { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests.Add(request);
            return Task.FromResult(respond(request));
        }
    }
}
