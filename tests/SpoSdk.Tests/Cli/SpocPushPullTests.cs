using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using SpoSdk.Cli.Commands;
using SpoSdk.Oci.Content;
using SpoSdk.Oci.References;
using SpoSdk.Tests.Oci;

namespace SpoSdk.Tests.Cli;

/// <summary><c>spoc push</c> and <c>spoc pull</c> against an in-memory registry: what no real registry is needed for.</summary>
public sealed class SpocPushPullTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("spoc-push-pull-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Spoc_pull_of_a_layer_with_invalid_utf8_is_refused_as_invalid_content_naming_the_layer()
    {
        var layer = Encoding.ASCII.GetBytes("""{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["~read"],"action":"SCMP_ACT_ALLOW"}]}""");
        layer[Array.IndexOf(layer, (byte)'~')] = 0xff;
        var registry = new MemoryRegistry();
        var config = registry.Blob("{}"u8.ToArray());
        var digest = registry.Manifest(OciJson.Serialize(new OciManifest
        {
            ArtifactType = OciMediaTypes.SeccompProfileConfig,
            Config = OciDescriptor.Of(config, OciMediaTypes.SeccompProfileConfig),
            Layers = [OciDescriptor.Of(registry.Blob(layer), OciMediaTypes.Json) with { Annotations = new Dictionary<string, string> { [OciMediaTypes.AnnotationTitle] = "profile.json" } }],
        }));

        var (code, stdout, stderr) = await RunAsync((o, e) => PullCommand.RunAsync(["registry.example/p@" + digest], TextReader.Null, o, e, _ => null, registry));

        Assert.True(code == 1, "exit " + code + ": " + stderr);
        Assert.Equal(string.Empty, stdout);
        Assert.Contains("layer profile.json (" + OciDigest.Compute(layer) + ") of registry.example/p@" + digest + ": ", stderr, StringComparison.Ordinal);
        Assert.Contains("invalid UTF-8 at byte", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Spoc_push_without_platform_binds_the_layer_to_this_machine_as_upstream()
    {
        var file = Path.Combine(_dir, "web.yaml");
        await File.WriteAllTextAsync(file, ProfileArtifactTests.Seccomp);
        var registry = new MemoryRegistry();

        var (code, stdout, stderr) = await RunAsync((o, e) => PushCommand.RunAsync(["registry.example/p:v1", file], TextReader.Null, o, e, _ => null, registry));

        Assert.True(code == 0, stderr);
        var layer = Assert.Single(JsonNode.Parse(registry.Manifests["v1"])!["layers"]!.AsArray())!;
        Assert.Equal(OciPlatform.Current.ProfileFileName(), (string?)layer["annotations"]![OciMediaTypes.AnnotationTitle]);
        Assert.Equal(OciPlatform.Current.OS, (string?)layer["platform"]!["os"]);
        Assert.Equal(OciPlatform.Current.Architecture, (string?)layer["platform"]!["architecture"]);

        // And it pulls back for this machine.
        var (pulled, profile, pullErrors) = await RunAsync((o, e) => PullCommand.RunAsync([stdout.Trim()], TextReader.Null, o, e, _ => null, registry));
        Assert.True(pulled == 0, pullErrors);
        Assert.Equal(ProfileArtifactTests.Seccomp, profile);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("kep6061")]
    public async Task Spoc_push_of_a_kep6061_artifact_stays_platform_independent_without_a_warning(string? layout)
    {
        var file = Path.Combine(_dir, "web.json");
        await File.WriteAllTextAsync(file, layout is null ? """{"defaultAction":"SCMP_ACT_LOG"}""" : ProfileArtifactTests.Seccomp);
        var registry = new MemoryRegistry();
        string[] args = layout is null ? ["registry.example/p:v1", file] : ["registry.example/p:v1", file, "--layout", layout];

        var (code, _, stderr) = await RunAsync((o, e) => PushCommand.RunAsync(args, TextReader.Null, o, e, _ => null, registry));

        Assert.True(code == 0, stderr);
        Assert.DoesNotContain("platform", stderr, StringComparison.Ordinal);
        var layer = Assert.Single(JsonNode.Parse(registry.Manifests["v1"])!["layers"]!.AsArray())!;
        Assert.Equal("profile.json", (string?)layer["annotations"]![OciMediaTypes.AnnotationTitle]);
        Assert.Null(layer["platform"]);
    }

    private static async Task<(int Code, string Stdout, string Stderr)> RunAsync(Func<TextWriter, TextWriter, Task<int>> run)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await run(stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>A registry of one repository in memory: blob uploads (monolithic), manifests by tag and digest.</summary>
    private sealed class MemoryRegistry : HttpMessageHandler
    {
        private readonly ConcurrentDictionary<string, byte[]> _blobs = new();

        public ConcurrentDictionary<string, byte[]> Manifests { get; } = new();

        public byte[] Blob(byte[] content)
        {
            _blobs[OciDigest.Compute(content).ToString()] = content;
            return content;
        }

        public OciDigest Manifest(byte[] content)
        {
            var digest = OciDigest.Compute(content);
            Manifests[digest.ToString()] = content;
            return digest;
        }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var path = request.RequestUri!.AbsolutePath;
            var name = path[(path.LastIndexOf('/') + 1)..];
            if (path.Contains("/manifests/", StringComparison.Ordinal))
            {
                if (request.Method == HttpMethod.Put)
                {
                    var content = await request.Content!.ReadAsByteArrayAsync(cancellationToken);
                    Manifests[name] = content;
                    Manifest(content);
                    return new HttpResponseMessage(HttpStatusCode.Created);
                }

                return Manifests.TryGetValue(name, out var manifest) ? Ok(manifest, OciMediaTypes.ImageManifest) : new HttpResponseMessage(HttpStatusCode.NotFound);
            }

            if (path.EndsWith("/blobs/uploads/", StringComparison.Ordinal))
            {
                var accepted = new HttpResponseMessage(HttpStatusCode.Accepted);
                accepted.Headers.Location = new Uri("/v2/p/blobs/uploads/1", UriKind.Relative);
                return accepted;
            }

            if (path.Contains("/blobs/uploads/", StringComparison.Ordinal))
            {
                Blob(await request.Content!.ReadAsByteArrayAsync(cancellationToken));
                return new HttpResponseMessage(HttpStatusCode.Created);
            }

            return path.Contains("/blobs/", StringComparison.Ordinal) && _blobs.TryGetValue(name, out var blob)
                ? Ok(request.Method == HttpMethod.Head ? [] : blob, "application/octet-stream")
                : new HttpResponseMessage(HttpStatusCode.NotFound);
        }

        private static HttpResponseMessage Ok(byte[] content, string mediaType)
        {
            var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(content) };
            response.Content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
            return response;
        }
    }
}
