using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using SpoSdk.Api.V1;
using SpoSdk.Oci.Artifacts;
using SpoSdk.Oci.Authentication;
using SpoSdk.Oci.Content;
using SpoSdk.Oci.References;
using SpoSdk.Oci.Signing;
using SpoSdk.Oci.Trust;

namespace SpoSdk.Tests.Oci;

/// <summary>Artifact layouts, layer selection, runtime-spec JSON and the other offline pieces.</summary>
public sealed class ProfileArtifactTests
{
    internal const string Seccomp = """
        apiVersion: security-profiles-operator.x-k8s.io/v1beta1
        kind: SeccompProfile
        metadata:
          name: web
        spec:
          defaultAction: SCMP_ACT_ERRNO
          architectures: [SCMP_ARCH_X86_64]
          syscalls:
          - names: [read, write]
            action: SCMP_ACT_ALLOW
          - names: [open]
            action: SCMP_ACT_ERRNO
            errnoRet: 13
            args:
            - {index: 0, value: 42, valueTwo: 100, op: SCMP_CMP_EQ}

        """;

    internal const string Selinux = """
        apiVersion: security-profiles-operator.x-k8s.io/v1alpha2
        kind: SelinuxProfile
        metadata:
          name: errorlogger
        spec:
          inherit:
          - name: container
          allow:
            var_log_t:
              dir: [open, read, getattr, lock, search, ioctl, add_name, remove_name, write]

        """;

    internal const string AppArmor = """
        apiVersion: security-profiles-operator.x-k8s.io/v1alpha1
        kind: AppArmorProfile
        metadata:
          name: nginx
        spec:
          abstract:
            executable:
              allowedExecutables: [/usr/sbin/nginx]

        """;

    private static readonly OciReference Reference = OciReference.Parse("127.0.0.1:5000/profiles/web-profile:v1");

    internal static OciProfileFile File(string text, string name = "profile.yaml", string? platform = null) =>
        new(Encoding.UTF8.GetBytes(text), name, platform is null ? null : OciPlatform.Parse(platform));

    [Fact]
    public void Spo_layout_is_upstream_spocs()
    {
        var packed = ProfileArtifacts.Pack([File(Seccomp, "b.yaml", "linux/arm64"), File(Seccomp, "a.yaml", "linux/amd64")], annotations: new Dictionary<string, string> { ["team"] = "sec" });
        var manifest = JsonNode.Parse(packed.Manifest)!;

        Assert.Equal(ProfileArtifactLayout.Spo, packed.Layout);
        Assert.Equal(OciMediaTypes.ImageManifest, (string?)manifest["mediaType"]);
        Assert.Equal(OciMediaTypes.UnknownConfig, (string?)manifest["artifactType"]);
        Assert.Equal(OciMediaTypes.Empty, (string?)manifest["config"]!["mediaType"]);
        Assert.Equal("sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a", (string?)manifest["config"]!["digest"]);
        Assert.Equal("e30=", (string?)manifest["config"]!["data"]);
        Assert.Equal("1970-01-01T00:00:00Z", (string?)manifest["annotations"]![OciMediaTypes.AnnotationCreated]);
        var layers = manifest["layers"]!.AsArray();
        Assert.Equal(["profile-linux-amd64.yaml", "profile-linux-arm64.yaml"], layers.Select(l => (string?)l!["annotations"]![OciMediaTypes.AnnotationTitle]));
        Assert.All(layers, l => Assert.Equal(OciMediaTypes.TarLayer, (string?)l!["mediaType"]));
        Assert.All(layers, l => Assert.Equal("sec", (string?)l!["annotations"]!["team"]));
        Assert.Equal("arm64", (string?)layers[1]!["platform"]!["architecture"]);

        // Identical input in another order gives the identical digest.
        var again = ProfileArtifacts.Pack([File(Seccomp, "a.yaml", "linux/amd64"), File(Seccomp, "b.yaml", "linux/arm64")], annotations: new Dictionary<string, string> { ["team"] = "sec" });
        Assert.Equal(packed.ManifestDescriptor.Digest, again.ManifestDescriptor.Digest);
    }

    [Fact]
    public void Kep6061_layout_is_one_runtime_spec_layer_without_operator_fields()
    {
        var packed = ProfileArtifacts.Pack([File(Seccomp.Replace("defaultAction", "baseProfileName: ''\n  defaultAction", StringComparison.Ordinal))], ProfileArtifactLayout.Kep6061);
        var manifest = OciJson.ParseManifest(packed.Manifest);

        Assert.Equal(OciMediaTypes.SeccompProfileConfig, manifest.ArtifactType);
        Assert.Equal(OciMediaTypes.SeccompProfileConfig, manifest.Config.MediaType);
        Assert.Equal(2, manifest.Config.Size);
        var layer = Assert.Single(manifest.Layers);
        Assert.Equal(OciMediaTypes.Json, layer.MediaType);
        Assert.Equal("profile.json", layer.Annotation(OciMediaTypes.AnnotationTitle));
        var json = JsonNode.Parse(packed.Blobs.Single(b => b.Descriptor.Digest == layer.Digest).Content)!;
        Assert.Equal("""{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86_64"],"syscalls":[{"names":["read","write"],"action":"SCMP_ACT_ALLOW"},{"names":["open"],"action":"SCMP_ACT_ERRNO","errnoRet":13,"args":[{"index":0,"value":42,"valueTwo":100,"op":"SCMP_CMP_EQ"}]}]}""", json.ToJsonString());
        Assert.Empty(packed.Warnings);
    }

    [Fact]
    public void Raw_runtime_spec_json_chooses_kep6061_and_round_trips()
    {
        const string Raw = """{"defaultAction":"SCMP_ACT_LOG","defaultErrnoRet":1,"syscalls":[{"names":["close"],"action":"SCMP_ACT_LOG"}]}""";
        var packed = ProfileArtifacts.Pack([File(Raw, "raw.json")]);
        var (layer, layout) = ProfileArtifacts.SelectLayer(OciJson.ParseManifest(packed.Manifest), OciPlatform.Parse("linux/amd64"));
        var content = packed.Blobs.Single(b => b.Descriptor.Digest == layer.Digest).Content;
        var profile = Assert.IsType<SeccompProfile>(ProfileArtifacts.Decode(content, layout, Reference, out _));

        Assert.Equal(ProfileArtifactLayout.Kep6061, layout);
        Assert.Equal(Raw, Encoding.UTF8.GetString(content));
        Assert.Equal("web-profile", profile.Metadata.Name);
        Assert.Equal("SCMP_ACT_LOG", profile.Spec.DefaultAction.Value);
        Assert.Throws<OciArtifactException>(() => ProfileArtifacts.Pack([File(Raw, "raw.json")], ProfileArtifactLayout.Spo));
        Assert.Throws<OciArtifactException>(() => ProfileArtifacts.Pack([File(Raw, "raw.json"), File(Seccomp)]));
    }

    [Theory]
    [InlineData("""{"defaultAction":"SCMP_ACT_LOG","state":"Enabled"}""", "unknown field")]
    [InlineData("""{"syscalls":[]}""", "no defaultAction")]
    [InlineData("""{"defaultAction":"SCMP_ACT_LOG"} {}""", "trailing data")]
    [InlineData("""{"defaultAction":"SCMP_ACT_LOG","syscalls":[{"names":["x"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":18446744073709551615,"op":"SCMP_CMP_EQ"}]}]}""", "signed 64-bit")]
    public void Runtime_spec_json_is_read_strictly(string json, string error)
    {
        Assert.False(RuntimeSpecSeccomp.TryParse(Encoding.UTF8.GetBytes(json), out _, out var message));
        Assert.Contains(error, message);
    }

    [Theory]
    [InlineData("""{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["~read"],"action":"SCMP_ACT_ALLOW"}]}""")]
    [InlineData("""{"defaultAction":"SCMP_ACT_ALLOW","~flags":[]}""")]
    public void Runtime_spec_json_with_invalid_utf8_is_refused_not_thrown(string json)
    {
        var bytes = Encoding.ASCII.GetBytes(json);
        var at = Array.IndexOf(bytes, (byte)'~');
        bytes[at] = 0xff;

        Assert.False(RuntimeSpecSeccomp.TryParse(bytes, out var spec, out var message));
        Assert.Null(spec);
        Assert.Equal("not runtime-spec seccomp JSON: invalid UTF-8 at byte " + at, message);
        var error = Assert.Throws<OciArtifactException>(() => ProfileArtifacts.Decode(bytes, ProfileArtifactLayout.Kep6061, Reference, out _));
        Assert.Contains("invalid UTF-8 at byte " + at, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Kep6061_warnings_are_upstreams()
    {
        var spec = new SeccompProfileSpec
        {
            DefaultAction = SeccompAction.ScmpActErrno,
            ListenerPath = "/var/run/security-profiles-operator/l.sock",
            Syscalls = Enumerable.Range(0, 129).Select(i => new SeccompProfileSyscall { Names = ["s" + i], Action = i == 0 ? new SeccompAction("SCMP_ACT_NOTIFY") : SeccompAction.ScmpActAllow }).ToList(),
        };

        var warnings = ProfileArtifacts.RuntimeWarnings(spec, (1 << 20) + 1);

        Assert.Equal(4, warnings.Count);
        Assert.Contains(warnings, w => w.Contains("listenerPath", StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.Contains("SCMP_ACT_NOTIFY", StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.Contains("1048576", StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.Contains("129 syscall entries", StringComparison.Ordinal));
        Assert.Empty(ProfileArtifacts.RuntimeWarnings(new SeccompProfileSpec { DefaultAction = SeccompAction.ScmpActLog }, 10));
    }

    [Fact]
    public void Layer_selection_prefers_platform_then_title_then_fallbacks_as_upstream()
    {
        static OciDescriptor Layer(string title, string? platform = null) => new()
        {
            MediaType = OciMediaTypes.TarLayer,
            Digest = OciDigest.Compute(Encoding.UTF8.GetBytes(title)).ToString(),
            Size = 1,
            Annotations = new Dictionary<string, string> { [OciMediaTypes.AnnotationTitle] = title },
            Platform = platform is null ? null : OciPlatform.Parse(platform),
        };
        static string Select(OciManifest manifest, string platform) =>
            ProfileArtifacts.SelectLayer(manifest, OciPlatform.Parse(platform)).Layer.Annotation(OciMediaTypes.AnnotationTitle)!;

        var both = new OciManifest { Layers = [Layer("profile-linux-amd64.yaml", "linux/amd64"), Layer("profile-linux-arm64-v8.yaml", "linux/arm64/v8"), Layer("profile.yaml")] };
        Assert.Equal("profile-linux-amd64.yaml", Select(both, "linux/amd64"));
        Assert.Equal("profile-linux-arm64-v8.yaml", Select(both, "linux/arm64"));
        Assert.Equal("profile.yaml", Select(both, "linux/s390x"));

        var titled = new OciManifest { Layers = [Layer("profile-linux-ppc64le.yaml"), Layer("other.yaml")] };
        Assert.Equal("profile-linux-ppc64le.yaml", Select(titled, "linux/ppc64le"));
        Assert.Throws<OciArtifactException>(() => Select(titled, "linux/amd64"));

        Assert.Equal("anything.yaml", Select(new OciManifest { Layers = [Layer("anything.yaml")] }, "linux/amd64"));
        Assert.Throws<OciArtifactException>(() => Select(new OciManifest { Layers = [Layer("profile-linux-arm64.yaml")] }, "linux/amd64"));
        Assert.Throws<OciArtifactException>(() => Select(new OciManifest { Layers = [Layer("x", "linux/arm64")] }, "linux/amd64"));
    }

    [Fact]
    public void Index_selection_matches_platform_or_a_single_unbound_manifest()
    {
        var amd = new OciDescriptor { MediaType = OciMediaTypes.ImageManifest, Digest = "sha256:" + new string('a', 64), Size = 1, Platform = OciPlatform.Parse("linux/amd64") };
        var arm = amd with { Digest = "sha256:" + new string('b', 64), Platform = OciPlatform.Parse("linux/arm/v7") };

        Assert.Same(arm, ProfileArtifacts.SelectManifest(new OciIndex { Manifests = [amd, arm] }, OciPlatform.Parse("linux/arm")));
        Assert.Throws<OciArtifactException>(() => ProfileArtifacts.SelectManifest(new OciIndex { Manifests = [amd, arm] }, OciPlatform.Parse("linux/s390x")));
        var unbound = amd with { Platform = null };
        Assert.Same(unbound, ProfileArtifacts.SelectManifest(new OciIndex { Manifests = [unbound] }, OciPlatform.Parse("linux/s390x")));
    }

    [Fact]
    public void Decodes_all_three_profile_kinds_to_v1()
    {
        foreach (var (text, kind) in new[] { (Seccomp, "SeccompProfile"), (Selinux, "SelinuxProfile"), (AppArmor, "AppArmorProfile") })
        {
            var profile = ProfileArtifacts.Decode(Encoding.UTF8.GetBytes(text), ProfileArtifactLayout.Spo, Reference, out var warnings);
            Assert.Equal(kind, profile.Kind);
            Assert.Equal("security-profiles-operator.x-k8s.io/v1", profile.ApiVersion);
            Assert.Empty(warnings);
        }

        Assert.Throws<OciArtifactException>(() => ProfileArtifacts.Decode("kind: ConfigMap\napiVersion: v1\n"u8.ToArray(), ProfileArtifactLayout.Spo, Reference, out _));
        Assert.Throws<OciArtifactException>(() => ProfileArtifacts.Decode(Encoding.UTF8.GetBytes(Seccomp.Replace("SCMP_ACT_ERRNO", "SCMP_ACT_NOPE", StringComparison.Ordinal)), ProfileArtifactLayout.Spo, Reference, out _));
        Assert.Throws<OciArtifactException>(() => ProfileArtifacts.Pack([File(Selinux)], ProfileArtifactLayout.Kep6061));
    }

    [Fact]
    public void Platforms_parse_and_match_as_upstream()
    {
        Assert.Equal("profile-linux-arm-v7-1.0.yaml", OciPlatform.Parse("linux/arm/v7:1.0").ProfileFileName());
        Assert.Equal(OciPlatform.Current.Architecture, OciPlatform.Parse("linux").Architecture);
        Assert.True(OciPlatform.Parse("linux/arm64/v8").Matches(OciPlatform.Parse("linux/arm64")));
        Assert.True(OciPlatform.Parse("linux/arm").Matches(OciPlatform.Parse("linux/arm/v7")));
        Assert.False(OciPlatform.Parse("linux/arm/v6").Matches(OciPlatform.Parse("linux/arm")));
        Assert.Throws<FormatException>(() => OciPlatform.Parse("/amd64"));
        Assert.Throws<FormatException>(() => OciPlatform.Parse("linux/amd64/v1/x"));
    }

    [Fact]
    public void Www_authenticate_parameters_parse_with_quotes_and_commas()
    {
        var parameters = AuthChallenge.ParseParameters("realm=\"https://auth.example/token\",service=\"registry.example\",scope=\"repository:a/b:pull,push\", error=insufficient_scope, q=\"x\\\"y\"");

        Assert.Equal("https://auth.example/token", parameters["realm"]);
        Assert.Equal("registry.example", parameters["service"]);
        Assert.Equal("repository:a/b:pull,push", parameters["scope"]);
        Assert.Equal("insufficient_scope", parameters["error"]);
        Assert.Equal("x\"y", parameters["q"]);
    }

    [Fact]
    public async Task Docker_config_auths_decode_base64_and_plain_entries()
    {
        var config = DockerConfigCredentials.FromJson("""
            {
              "auths": {
                "https://index.docker.io/v1/": {"auth": "dXNlcjpwYTpzcw=="},
                "127.0.0.1:5000": {"username": "u2", "password": "p2"},
                "https://quay.example/v2/": {"auth": "cXVheTpwdw=="},
                "token.example": {"identitytoken": "t"}
              },
              "credsStore": "desktop"
            }
            """);

        Assert.Equal(new RegistryCredential("user", "pa:ss"), await config.GetCredentialAsync("docker.io"));
        Assert.Equal(new RegistryCredential("u2", "p2"), await config.GetCredentialAsync("127.0.0.1:5000"));
        Assert.Equal(new RegistryCredential("quay", "pw"), await config.GetCredentialAsync("quay.example"));
        Assert.Null(await config.GetCredentialAsync("token.example"));
        Assert.Equal(2, config.Unsupported.Count);
        Assert.Throws<FormatException>(() => DockerConfigCredentials.FromJson("""{"auths":{"x":{"auth":"%%%"}}}"""));
        Assert.DoesNotContain("pa:ss", new RegistryCredential("user", "pa:ss").ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Cosign_payload_and_key_signatures_interoperate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var digest = OciDigest.Compute("manifest"u8);
        var payload = CosignPayload.For(Reference, digest).ToBytes();
        var signature = key.SignData(payload, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        var publicKey = CosignPublicKey.FromPem(key.ExportSubjectPublicKeyInfoPem(), "cosign.pub");

        Assert.Equal("{\"critical\":{\"identity\":{\"docker-reference\":\"127.0.0.1:5000/profiles/web-profile\"},\"image\":{\"docker-manifest-digest\":\"" + digest + "\"},\"type\":\"cosign container image signature\"},\"optional\":null}", Encoding.UTF8.GetString(payload));
        Assert.Equal(digest.ToString(), CosignPayload.Parse(payload).ManifestDigest);
        Assert.True(publicKey.Verifies(payload, signature));
        Assert.False(publicKey.Verifies(payload.Append((byte)' ').ToArray(), signature));
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        Assert.Throws<FormatException>(() => CosignPublicKey.FromPem(p384.ExportSubjectPublicKeyInfoPem()));
        Assert.Throws<FormatException>(() => CosignPayload.Parse("""{"critical":{"type":"other"}}"""u8));
    }

    [Fact]
    public void Trust_policy_fingerprint_changes_with_keys_and_switch()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var withKey = new OciTrustPolicy { PublicKeys = [CosignPublicKey.From(key)] };

        Assert.NotEqual(OciTrustPolicy.Default.Fingerprint, withKey.Fingerprint);
        Assert.NotEqual(OciTrustPolicy.Default.Fingerprint, (OciTrustPolicy.Default with { DisableSignatureVerification = true }).Fingerprint);
        Assert.Equal(withKey.Fingerprint, new OciTrustPolicy { PublicKeys = [CosignPublicKey.From(key)] }.Fingerprint);
    }
}
