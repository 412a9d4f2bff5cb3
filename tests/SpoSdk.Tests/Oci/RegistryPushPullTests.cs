using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using SpoSdk.Oci.Artifacts;
using SpoSdk.Oci.Content;
using SpoSdk.Oci.Distribution;
using SpoSdk.Oci.References;
using SpoSdk.Oci.Signing;
using SpoSdk.Oci.Trust;
using Xunit.Abstractions;

namespace SpoSdk.Tests.Oci;

/// <summary>Push and pull against a real docker-registry, cross-checked with skopeo.</summary>
public sealed class RegistryPushPullTests : IClassFixture<PlainRegistryFixture>, IDisposable
{
    private static readonly OciTrustPolicy Unverified = new() { DisableSignatureVerification = true };
    private readonly PlainRegistryFixture _registry;
    private readonly ITestOutputHelper _output;
    private readonly string _dir = Directory.CreateTempSubdirectory("sposdk-oci-").FullName;

    public RegistryPushPullTests(PlainRegistryFixture registry, ITestOutputHelper output)
    {
        _registry = registry;
        _output = output;
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Spoc_push_is_read_by_skopeo_inspect_and_copy()
    {
        if (_registry.SkipIfUnavailable(_output))
        {
            return;
        }

        var amd = Write("amd.yaml", ProfileArtifactTests.Seccomp);
        var arm = Write("arm.yaml", ProfileArtifactTests.Seccomp.Replace("name: web", "name: web-arm", StringComparison.Ordinal));
        var (code, stdout, stderr) = await Spoc.PushAsync(null, _registry.Registry + "/profiles/web:v1", amd, arm, "--platform", "linux/amd64", "--platform", "linux/arm64", "--annotation", "team=sec", "--plain-http");
        Assert.True(code == 0, stderr);
        var pushed = OciReference.Parse(stdout.Trim());
        Assert.Equal("v1", pushed.Tag);

        var raw = await ExternalTools.SkopeoAsync("inspect", "--raw", "--tls-verify=false", "docker://" + _registry.Registry + "/profiles/web:v1");
        Assert.Equal(pushed.Digest, OciDigest.Compute(Encoding.UTF8.GetBytes(raw)));
        var manifest = JsonNode.Parse(raw)!;
        Assert.Equal(OciMediaTypes.UnknownConfig, (string?)manifest["artifactType"]);
        Assert.Equal("profile-linux-arm64.yaml", (string?)manifest["layers"]![1]!["annotations"]![OciMediaTypes.AnnotationTitle]);
        Assert.Equal("sec", (string?)manifest["layers"]![1]!["annotations"]!["team"]);

        var layout = Path.Combine(_dir, "copy");
        await ExternalTools.SkopeoAsync("copy", "--src-tls-verify=false", "docker://" + _registry.Registry + "/profiles/web:v1", "oci:" + layout + ":v1");
        var index = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(layout, "index.json")))!;
        Assert.Equal(pushed.Digest.ToString(), (string?)index["manifests"]![0]!["digest"]);
        var layer = (string)manifest["layers"]![1]!["digest"]!;
        Assert.Equal(await File.ReadAllBytesAsync(arm), await File.ReadAllBytesAsync(Path.Combine(layout, "blobs", "sha256", layer["sha256:".Length..])));
    }

    [Fact]
    public async Task Artifact_laid_out_by_upstream_and_copied_in_by_skopeo_pulls_with_spoc()
    {
        if (_registry.SkipIfUnavailable(_output))
        {
            return;
        }

        var layout = WriteUpstreamLayout();
        await ExternalTools.SkopeoAsync("copy", "--dest-tls-verify=false", "oci:" + layout + ":v1.0.0", "docker://" + _registry.Registry + "/upstream/runc:v1.0.0");

        var output = Path.Combine(_dir, "arm64.yaml");
        var (code, _, stderr) = await Spoc.PullAsync(null, _registry.Registry + "/upstream/runc:v1.0.0", "-o", output, "--platform", "linux/arm64", "--disable-signature-verification", "--plain-http");
        Assert.True(code == 0, stderr);
        Assert.Equal(UpstreamProfile("arm64"), await File.ReadAllTextAsync(output));
        Assert.Contains("SeccompProfile/runc-arm64 (spo layout; signature verification is disabled)", stderr, StringComparison.Ordinal);

        // Without --plain-http the loopback registry is still reached: HTTPS fails, HTTP follows.
        (code, var stdout, stderr) = await Spoc.PullAsync(new Dictionary<string, string> { ["DISABLE_SIGNATURE_VERIFICATION"] = "true" }, _registry.Registry + "/upstream/runc:v1.0.0", "--platform", "linux/amd64");
        Assert.True(code == 0, stderr);
        Assert.Equal(UpstreamProfile("amd64"), stdout);

        (code, _, stderr) = await Spoc.PullAsync(null, _registry.Registry + "/upstream/runc:v1.0.0", "--platform", "linux/s390x", "-s", "--plain-http");
        Assert.Equal(1, code);
        Assert.Contains("no profile for platform linux/s390x", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Kep6061_push_and_pull_round_trips_with_warnings()
    {
        if (_registry.SkipIfUnavailable(_output))
        {
            return;
        }

        var notify = ProfileArtifactTests.Seccomp.Replace("action: SCMP_ACT_ALLOW", "action: SCMP_ACT_NOTIFY", StringComparison.Ordinal);
        var (code, stdout, stderr) = await Spoc.PushAsync(null, _registry.Registry + "/kep/web:v1", Write("notify.yaml", notify), "--layout", "kep6061", "--plain-http");
        Assert.True(code == 0, stderr);
        Assert.Contains("warning: the profile uses SCMP_ACT_NOTIFY", stderr, StringComparison.Ordinal);

        var raw = JsonNode.Parse(await ExternalTools.SkopeoAsync("inspect", "--raw", "--tls-verify=false", "docker://" + _registry.Registry + "/kep/web:v1"))!;
        Assert.Equal(OciMediaTypes.SeccompProfileConfig, (string?)raw["config"]!["mediaType"]);
        Assert.Equal(OciMediaTypes.SeccompProfileConfig, (string?)raw["artifactType"]);
        Assert.Single(raw["layers"]!.AsArray());

        // Pinned by digest: trusted without a key.
        (code, var pulled, stderr) = await Spoc.PullAsync(null, stdout.Trim(), "--plain-http", "--platform", "linux/riscv64");
        Assert.True(code == 0, stderr);
        Assert.Contains("KEP 6061 layout; the reference is pinned", stderr, StringComparison.Ordinal);
        Assert.Contains("warning: the profile uses SCMP_ACT_NOTIFY", stderr, StringComparison.Ordinal);
        Assert.StartsWith("{\n  \"defaultAction\": \"SCMP_ACT_ERRNO\"", pulled, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Selinux_and_apparmor_profiles_push_and_pull()
    {
        if (_registry.SkipIfUnavailable(_output))
        {
            return;
        }

        using var client = _registry.CreateClient();
        var profiles = new OciProfileClient(client);
        foreach (var (text, kind, repo) in new[] { (ProfileArtifactTests.Selinux, "SelinuxProfile", "selinux/errorlogger:v1"), (ProfileArtifactTests.AppArmor, "AppArmorProfile", "apparmor/nginx:v1") })
        {
            var pushed = await profiles.PushAsync(_registry.Reference(repo), [ProfileArtifactTests.File(text)]);
            var pulled = await profiles.PullAsync(_registry.Reference(repo), Unverified, OciPlatform.Parse("linux/arm64"));

            Assert.Equal(kind, pulled.Profile.Kind);
            Assert.Equal(pushed.Reference.Digest, pulled.Reference.Digest);
            Assert.Equal(text, Encoding.UTF8.GetString(pulled.Content));
        }
    }

    [Fact]
    public async Task Tampered_blob_fails_the_pull_cleanly_and_nothing_is_written()
    {
        if (_registry.SkipIfUnavailable(_output))
        {
            return;
        }

        using var client = _registry.CreateClient();
        var unique = ProfileArtifactTests.Seccomp.Replace("name: web", "name: tampered", StringComparison.Ordinal);
        var pushed = await new OciProfileClient(client).PushAsync(_registry.Reference("tamper/web:v1"), [ProfileArtifactTests.File(unique)]);
        var layer = OciDigest.Compute(Encoding.UTF8.GetBytes(unique));
        var blob = _registry.BlobPath(layer);
        var original = await File.ReadAllBytesAsync(blob);
        var output = Path.Combine(_dir, "out.yaml");
        try
        {
            foreach (var tampered in new[] { original.Select((b, i) => i == 20 ? (byte)(b ^ 1) : b).ToArray(), original[..^10] })
            {
                await File.WriteAllBytesAsync(blob, tampered);
                var (code, stdout, stderr) = await Spoc.PullAsync(null, pushed.Reference.ToString(), "-o", output, "--plain-http");

                Assert.Equal(1, code);
                Assert.Matches("does not match its digest|truncated", stderr);
                Assert.Empty(stdout);
                Assert.False(File.Exists(output));
                Assert.Empty(Directory.GetFiles(_dir, ".out.yaml*"));
            }
        }
        finally
        {
            await File.WriteAllBytesAsync(blob, original);
        }

        // The manifest itself, by tag (the registry announces the tag's digest) and by digest.
        var manifestBlob = _registry.BlobPath(pushed.Reference.Digest!.Value);
        var manifest = await File.ReadAllBytesAsync(manifestBlob);
        try
        {
            await File.WriteAllBytesAsync(manifestBlob, Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(manifest).Replace("1970-", "1971-", StringComparison.Ordinal)));
            foreach (var reference in new[] { pushed.Reference.WithTag("v1").ToString(), pushed.Reference.ToString() })
            {
                var (code, stdout, stderr) = await Spoc.PullAsync(null, reference, "-o", output, "--plain-http", "-s");

                Assert.Equal(1, code);
                Assert.Contains("does not match", stderr, StringComparison.Ordinal);
                Assert.False(File.Exists(output));
            }
        }
        finally
        {
            await File.WriteAllBytesAsync(manifestBlob, manifest);
        }

        Assert.Equal(0, (await Spoc.PullAsync(null, pushed.Reference.ToString(), "-o", output, "--plain-http")).Code);
        Assert.Equal(unique, await File.ReadAllTextAsync(output));
    }

    [Fact]
    public async Task Cosign_key_signatures_decide_trust_for_tags()
    {
        if (_registry.SkipIfUnavailable(_output))
        {
            return;
        }

        using var client = _registry.CreateClient();
        var profiles = new OciProfileClient(client);
        using var signer = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var stranger = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var reference = _registry.Reference("signed/web:v1");
        var pushed = await profiles.PushAsync(reference, [ProfileArtifactTests.File(ProfileArtifactTests.Seccomp.Replace("name: web", "name: signed", StringComparison.Ordinal))]);
        var trusted = new OciTrustPolicy { PublicKeys = [CosignPublicKey.From(signer)] };
        var untrusted = new OciTrustPolicy { PublicKeys = [CosignPublicKey.From(stranger)] };

        var unsigned = await Assert.ThrowsAsync<OciTrustException>(() => profiles.PullAsync(reference, trusted));
        Assert.Contains("no cosign signature", unsigned.Message, StringComparison.Ordinal);
        Assert.Contains("no public key", (await Assert.ThrowsAsync<OciTrustException>(() => profiles.PullAsync(reference, OciTrustPolicy.Default))).Message, StringComparison.Ordinal);

        await new CosignSignatures(client).SignAsync(reference, pushed.Reference.Digest!.Value, signer);
        var tags = await client.ListTagsAsync(reference);
        Assert.Contains(pushed.Reference.Digest!.Value.TagForm + ".sig", tags);

        var pulled = await profiles.PullAsync(reference, trusted);
        Assert.Equal(OciTrustBasis.SignatureVerified, pulled.Trust.Basis);
        Assert.Equal(CosignPublicKey.From(signer).Fingerprint, pulled.Trust.KeyFingerprint);
        var refused = await Assert.ThrowsAsync<OciTrustException>(() => profiles.PullAsync(reference, untrusted));
        Assert.Contains("does not verify with any configured key", refused.Message, StringComparison.Ordinal);
        Assert.Equal(OciTrustBasis.PinnedDigest, (await profiles.PullAsync(pushed.Reference, untrusted)).Trust.Basis);

        // The CLI with the key file; and a signature of other content does not count for this digest.
        var keyFile = Write("cosign.pub", signer.ExportSubjectPublicKeyInfoPem());
        var (code, stdout, stderr) = await Spoc.PullAsync(null, reference.ToString(), "--key", keyFile, "--plain-http");
        Assert.True(code == 0, stderr);
        Assert.Contains("name: signed", stdout, StringComparison.Ordinal);

        var other = _registry.Reference("signed/web:v2");
        var second = await profiles.PushAsync(other, [ProfileArtifactTests.File(ProfileArtifactTests.Seccomp.Replace("name: web", "name: second", StringComparison.Ordinal))]);
        var foreign = await client.GetManifestAsync(reference, CosignSignatures.SignatureTag(pushed.Reference.Digest!.Value));
        var foreignManifest = OciJson.ParseManifest(foreign.Content);
        foreach (var blob in foreignManifest.Layers.Append(foreignManifest.Config))
        {
            await client.PushBlobAsync(other, await client.GetBlobAsync(reference, blob));
        }

        await client.PutManifestAsync(other, CosignSignatures.SignatureTag(second.Reference.Digest!.Value), foreign.Content, foreign.MediaType);
        Assert.Contains("payload signs " + pushed.Reference.Digest, (await Assert.ThrowsAsync<OciTrustException>(() => profiles.PullAsync(other, trusted))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Blobs_upload_chunked_and_monolithic_and_tags_list()
    {
        if (_registry.SkipIfUnavailable(_output))
        {
            return;
        }

        using var client = _registry.CreateClient(options: new OciRegistryClientOptions { ChunkSize = 1000, MonolithicUploadLimit = 5000 });
        var reference = _registry.Reference("blobs/test:x");
        var big = RandomNumberGenerator.GetBytes(12_345);
        var small = RandomNumberGenerator.GetBytes(100);

        var bigDigest = await client.PushBlobAsync(reference, big);
        var smallDigest = await client.PushBlobAsync(reference, small, BlobUploadMode.Chunked);
        var monolithic = await client.PushBlobAsync(reference, RandomNumberGenerator.GetBytes(6000), BlobUploadMode.Monolithic);

        Assert.Equal(big, await client.GetBlobAsync(reference, new OciDescriptor { Digest = bigDigest.ToString(), Size = big.Length }));
        Assert.Equal(small, await client.GetBlobAsync(reference, new OciDescriptor { Digest = smallDigest.ToString(), Size = small.Length }));
        Assert.True(await client.BlobExistsAsync(reference, monolithic));
        Assert.False(await client.BlobExistsAsync(reference, OciDigest.Compute("absent"u8)));
        await Assert.ThrowsAsync<OciContentException>(() => client.GetBlobAsync(reference, new OciDescriptor { Digest = bigDigest.ToString(), Size = big.Length - 1 }));

        var profiles = new OciProfileClient(client);
        foreach (var tag in new[] { "a", "b", "c" })
        {
            await profiles.PushAsync(reference.WithTag(tag), [ProfileArtifactTests.File(ProfileArtifactTests.Seccomp)]);
        }

        Assert.Equal(["a", "b", "c"], (await client.ListTagsAsync(reference)).Order());
    }

    [Fact]
    public async Task Referrers_fall_back_to_the_tag_schema_on_distribution_2_8()
    {
        if (_registry.SkipIfUnavailable(_output))
        {
            return;
        }

        using var client = _registry.CreateClient();
        var reference = _registry.Reference("referrers/web:v1");
        var pushed = await new OciProfileClient(client).PushAsync(reference, [ProfileArtifactTests.File(ProfileArtifactTests.Seccomp)]);
        var subject = pushed.Reference.Digest!.Value;
        Assert.Empty((await client.GetReferrersAsync(reference, subject)).Manifests);

        var empty = "{}"u8.ToArray();
        await client.PushBlobAsync(reference, empty);
        foreach (var type in new[] { "application/vnd.example.sbom", "application/vnd.example.attestation" })
        {
            var referrer = new OciManifest
            {
                ArtifactType = type,
                Config = OciDescriptor.Of(empty, OciMediaTypes.Empty),
                Layers = [OciDescriptor.Of(empty, OciMediaTypes.Empty)],
                Subject = pushed.Manifest,
                Annotations = new Dictionary<string, string> { ["kind"] = type },
            };
            var bytes = OciJson.Serialize(referrer);
            await client.PutManifestAsync(reference, OciDigest.Compute(bytes).ToString(), bytes, OciMediaTypes.ImageManifest);
        }

        var all = await client.GetReferrersAsync(reference, subject);
        var sboms = await client.GetReferrersAsync(reference, subject, "application/vnd.example.sbom");

        Assert.True(all.FromTagSchema);
        Assert.Equal(2, all.Manifests.Count);
        Assert.Equal("application/vnd.example.sbom", Assert.Single(sboms.Manifests).ArtifactType);
        Assert.Contains(subject.TagForm, await client.ListTagsAsync(reference));
    }

    [Fact]
    public async Task Index_selects_the_platform_manifest()
    {
        if (_registry.SkipIfUnavailable(_output))
        {
            return;
        }

        using var client = _registry.CreateClient();
        var profiles = new OciProfileClient(client);
        var amd = await profiles.PushAsync(_registry.Reference("index/web:amd64"), [ProfileArtifactTests.File(ProfileArtifactTests.Seccomp.Replace("name: web", "name: web-amd64", StringComparison.Ordinal))]);
        var arm = await profiles.PushAsync(_registry.Reference("index/web:arm64"), [ProfileArtifactTests.File(ProfileArtifactTests.Seccomp.Replace("name: web", "name: web-arm64", StringComparison.Ordinal))]);
        var index = OciJson.Serialize(new OciIndex
        {
            Manifests = [amd.Manifest with { Platform = OciPlatform.Parse("linux/amd64") }, arm.Manifest with { Platform = OciPlatform.Parse("linux/arm64") }],
        });
        var reference = _registry.Reference("index/web:multi");
        await client.PutManifestAsync(reference, "multi", index, OciMediaTypes.ImageIndex);

        var pulled = await profiles.PullAsync(reference, Unverified, OciPlatform.Parse("linux/arm64/v8"));

        Assert.Equal("web-arm64", pulled.Profile.Metadata.Name);
        Assert.Equal(OciDigest.Compute(index), pulled.Reference.Digest);
        await Assert.ThrowsAsync<OciArtifactException>(() => profiles.PullAsync(reference, Unverified, OciPlatform.Parse("linux/s390x")));
    }

    [Fact]
    public async Task Missing_artifacts_and_unreachable_registries_are_clear_errors()
    {
        if (_registry.SkipIfUnavailable(_output))
        {
            return;
        }

        var (code, _, stderr) = await Spoc.PullAsync(null, _registry.Registry + "/absent/repo:v1", "--plain-http", "-s");
        Assert.Equal(2, code);
        Assert.Contains("not found (404", stderr, StringComparison.Ordinal);

        (code, _, stderr) = await Spoc.PullAsync(null, "127.0.0.1:1/none:v1", "--plain-http", "-s");
        Assert.Equal(2, code);
        Assert.Contains("cannot reach registry 127.0.0.1:1", stderr, StringComparison.Ordinal);

        (code, _, stderr) = await Spoc.PushAsync(null, _registry.Registry + "/x:v1", Write("bad.yaml", "kind: ConfigMap\napiVersion: v1\nmetadata: {name: x}\n"), "--plain-http");
        Assert.Equal(1, code);
        Assert.Contains("not a profile", stderr, StringComparison.Ordinal);

        (code, _, stderr) = await Spoc.PushAsync(null, _registry.Registry + "/x:v1", Write("a.yaml", ProfileArtifactTests.Seccomp), Write("b.yaml", ProfileArtifactTests.Seccomp), "--plain-http");
        Assert.Equal(2, code);
        Assert.Contains("multiple profiles provided but no platforms set", stderr, StringComparison.Ordinal);
    }

    internal static string UpstreamProfile(string architecture) => $"""
        apiVersion: security-profiles-operator.x-k8s.io/v1beta1
        kind: SeccompProfile
        metadata:
          name: runc-{architecture}
        spec:
          defaultAction: SCMP_ACT_ERRNO
          syscalls:
          - action: SCMP_ACT_ALLOW
            names:
            - read
            - write

        """;

    // An OCI layout directory exactly as upstream spoc v1.0.0 (oras file store + PackManifest 1.1) lays
    // out an artifact: tar-typed layers named and bound per platform, the empty config, unknown artifact type.
    private string WriteUpstreamLayout()
    {
        var layout = Path.Combine(_dir, "upstream");
        var blobs = Path.Combine(layout, "blobs", "sha256");
        Directory.CreateDirectory(blobs);
        string Blob(byte[] content)
        {
            var digest = OciDigest.Compute(content);
            File.WriteAllBytes(Path.Combine(blobs, digest.Encoded), content);
            return digest.ToString();
        }

        var layers = new JsonArray();
        foreach (var architecture in new[] { "amd64", "arm64" })
        {
            var content = Encoding.UTF8.GetBytes(UpstreamProfile(architecture));
            layers.Add(new JsonObject
            {
                ["mediaType"] = "application/vnd.oci.image.layer.v1.tar",
                ["digest"] = Blob(content),
                ["size"] = content.Length,
                ["annotations"] = new JsonObject { ["org.opencontainers.image.title"] = "profile-linux-" + architecture + ".yaml" },
                ["platform"] = new JsonObject { ["architecture"] = architecture, ["os"] = "linux" },
            });
        }

        Blob("{}"u8.ToArray());
        var manifest = Encoding.UTF8.GetBytes(new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = "application/vnd.oci.image.manifest.v1+json",
            ["artifactType"] = "application/vnd.unknown.config.v1+json",
            ["config"] = new JsonObject { ["mediaType"] = "application/vnd.oci.empty.v1+json", ["digest"] = OciDigest.Compute("{}"u8).ToString(), ["size"] = 2, ["data"] = "e30=" },
            ["layers"] = layers,
            ["annotations"] = new JsonObject { ["org.opencontainers.image.created"] = "2025-06-22T10:00:00Z" },
        }.ToJsonString());
        var index = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["manifests"] = new JsonArray(new JsonObject
            {
                ["mediaType"] = "application/vnd.oci.image.manifest.v1+json",
                ["digest"] = Blob(manifest),
                ["size"] = manifest.Length,
                ["annotations"] = new JsonObject { ["org.opencontainers.image.ref.name"] = "v1.0.0" },
            }),
        };
        File.WriteAllText(Path.Combine(layout, "index.json"), index.ToJsonString());
        File.WriteAllText(Path.Combine(layout, "oci-layout"), """{"imageLayoutVersion":"1.0.0"}""");
        return layout;
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }
}
