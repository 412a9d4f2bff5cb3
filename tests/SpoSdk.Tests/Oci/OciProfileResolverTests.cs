using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using SpoSdk.Oci;
using SpoSdk.Oci.Artifacts;
using SpoSdk.Oci.Content;
using SpoSdk.Oci.Distribution;
using SpoSdk.Oci.References;
using SpoSdk.Oci.Resolution;
using SpoSdk.Oci.Signing;
using SpoSdk.Oci.Trust;
using Xunit.Abstractions;

namespace SpoSdk.Tests.Oci;

/// <summary>The <c>oci://</c> base-profile resolver: trust policy, digest-verified content cache, tag TTL.</summary>
public sealed class OciProfileResolverTests : IClassFixture<PlainRegistryFixture>
{
    private static readonly OciTrustPolicy Disabled = new() { DisableSignatureVerification = true };
    private readonly PlainRegistryFixture _registry;
    private readonly ITestOutputHelper _output;

    public OciProfileResolverTests(PlainRegistryFixture registry, ITestOutputHelper output)
    {
        _registry = registry;
        _output = output;
    }

    [Fact]
    public async Task Tags_are_cached_for_the_ttl_and_pinned_digests_never_change()
    {
        if (_registry.SkipIfUnavailable(_output))
        {
            return;
        }

        var time = new ManualTimeProvider(DateTimeOffset.UtcNow);
        using var client = _registry.CreateClient();
        var profiles = new OciProfileClient(client);
        var resolver = new OciProfileResolver(profiles, new OciProfileResolverOptions { TagCacheLifetime = TimeSpan.FromHours(24) }, time);
        var reference = _registry.Reference("resolver/base:v1");
        var first = await profiles.PushAsync(reference, [ProfileArtifactTests.File(Profile("first", "read"))]);

        var resolved = await resolver.ResolveSeccompProfileAsync("oci://" + reference, Disabled);
        Assert.False(resolved.FromCache);
        Assert.Equal("read", Assert.Single(resolved.Profile.Spec.Syscalls!).Names.Single());
        Assert.Equal(first.Reference.Digest, resolved.Reference.Digest);
        Assert.Equal(OciTrustBasis.VerificationDisabled, resolved.Trust.Basis);

        // Callers get their own object.
        resolved.Profile.Spec.Syscalls!.Clear();
        var second = await profiles.PushAsync(reference, [ProfileArtifactTests.File(Profile("second", "write"))]);
        var cached = await resolver.ResolveSeccompProfileAsync("oci://" + reference, Disabled);
        Assert.True(cached.FromCache);
        Assert.Equal("read", Assert.Single(cached.Profile.Spec.Syscalls!).Names.Single());

        time.Now += TimeSpan.FromHours(24) + TimeSpan.FromSeconds(1);
        var moved = await resolver.ResolveSeccompProfileAsync("oci://" + reference, Disabled);
        Assert.False(moved.FromCache);
        Assert.Equal(second.Reference.Digest, moved.Reference.Digest);

        // The old digest, pinned: served from the content cache, same content, under the default policy.
        var pinned = await resolver.ResolveSeccompProfileAsync("oci://" + first.Reference, OciTrustPolicy.Default);
        Assert.True(pinned.FromCache);
        Assert.Equal(OciTrustBasis.PinnedDigest, pinned.Trust.Basis);
        Assert.Equal("read", Assert.Single(pinned.Profile.Spec.Syscalls!).Names.Single());
    }

    [Fact]
    public async Task Policy_refusal_tampering_and_wrong_kinds_are_reported_and_nothing_is_cached()
    {
        if (_registry.SkipIfUnavailable(_output))
        {
            return;
        }

        using var client = _registry.CreateClient();
        var profiles = new OciProfileClient(client);
        var resolver = new OciProfileResolver(profiles);
        var reference = _registry.Reference("resolver/refused:v1");
        var pushed = await profiles.PushAsync(reference, [ProfileArtifactTests.File(Profile("refused", "openat"))]);

        var refused = await Assert.ThrowsAsync<OciProfileResolutionException>(() => resolver.ResolveSeccompProfileAsync("oci://" + reference, OciTrustPolicy.Default));
        Assert.Equal(OciResolutionFailure.NotTrusted, refused.Failure);
        Assert.Equal("CannotPullSeccompProfile", refused.Reason);
        Assert.Contains("pin the reference by digest", refused.Message, StringComparison.Ordinal);

        // Signed with a configured key: trusted; the same tag under another policy is decided anew.
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        await new CosignSignatures(client).SignAsync(reference, pushed.Reference.Digest!.Value, key);
        var signedPolicy = new OciTrustPolicy { PublicKeys = [CosignPublicKey.From(key)] };
        Assert.Equal(OciTrustBasis.SignatureVerified, (await resolver.ResolveSeccompProfileAsync("oci://" + reference, signedPolicy)).Trust.Basis);
        await Assert.ThrowsAsync<OciProfileResolutionException>(() => resolver.ResolveSeccompProfileAsync("oci://" + reference, OciTrustPolicy.Default));

        // A corrupted blob: a verification failure, and the next call goes to the registry again.
        var tamperedText = Profile("tampered", "close");
        var tamperedRef = _registry.Reference("resolver/tampered:v1");
        var tampered = await profiles.PushAsync(tamperedRef, [ProfileArtifactTests.File(tamperedText)]);
        var blob = _registry.BlobPath(OciDigest.Compute(Encoding.UTF8.GetBytes(tamperedText)));
        var original = await File.ReadAllBytesAsync(blob);
        await File.WriteAllBytesAsync(blob, original.Reverse().ToArray());
        try
        {
            var corrupt = await Assert.ThrowsAsync<OciProfileResolutionException>(() => resolver.ResolveSeccompProfileAsync("oci://" + tampered.Reference, OciTrustPolicy.Default));
            Assert.Equal(OciResolutionFailure.Verification, corrupt.Failure);
        }
        finally
        {
            await File.WriteAllBytesAsync(blob, original);
        }

        var repaired = await resolver.ResolveSeccompProfileAsync("oci://" + tampered.Reference, OciTrustPolicy.Default);
        Assert.False(repaired.FromCache);

        var selinux = await profiles.PushAsync(_registry.Reference("resolver/selinux:v1"), [ProfileArtifactTests.File(ProfileArtifactTests.Selinux)]);
        var wrongKind = await Assert.ThrowsAsync<OciProfileResolutionException>(() => resolver.ResolveSeccompProfileAsync("oci://" + selinux.Reference, OciTrustPolicy.Default));
        Assert.Equal(OciResolutionFailure.NotSeccompProfile, wrongKind.Failure);

        Assert.Equal(OciResolutionFailure.InvalidReference, (await Assert.ThrowsAsync<OciProfileResolutionException>(() => resolver.ResolveSeccompProfileAsync("oci://Bad Ref", Disabled))).Failure);
        Assert.Equal(OciResolutionFailure.Registry, (await Assert.ThrowsAsync<OciProfileResolutionException>(() => resolver.ResolveSeccompProfileAsync("oci://" + _registry.Registry + "/absent:v1", Disabled))).Failure);
    }

    [Fact]
    public async Task Kep6061_artifacts_resolve_and_the_di_registration_works()
    {
        if (_registry.SkipIfUnavailable(_output))
        {
            return;
        }

        var services = new ServiceCollection().AddSpoOci(o => o.Registry = new OciRegistryClientOptions { PlainHttp = true });
        await using var provider = services.BuildServiceProvider();
        var resolver = provider.GetRequiredService<IOciProfileResolver>();
        var pushed = await provider.GetRequiredService<OciProfileClient>().PushAsync(_registry.Reference("resolver/kep:v1"), [ProfileArtifactTests.File(Profile("kep", "futex"))], ProfileArtifactLayout.Kep6061);

        var resolved = await resolver.ResolveSeccompProfileAsync("oci://" + pushed.Reference, OciTrustPolicy.Default);

        Assert.Equal("kep", resolved.Profile.Metadata.Name);
        Assert.Equal("futex", Assert.Single(resolved.Profile.Spec.Syscalls!).Names.Single());
    }

    [Fact]
    public async Task The_content_cache_is_bounded_by_bytes_as_well_as_entries()
    {
        // Five 14 MiB layers (under the 16 MiB blob limit) are 70 MiB: more than the 64 MiB default.
        var registry = new MemoryRegistry();
        var references = Enumerable.Range(0, 5).Select(i => registry.Kep6061(Encoding.ASCII.GetBytes("{\"defaultAction\":\"SCMP_ACT_LOG\"}" + new string(' ', (14 << 20) - i)))).ToList();
        using var client = new OciRegistryClient(new HttpClient(registry), disposeHttpClient: true);
        var resolver = new OciProfileResolver(new OciProfileClient(client));

        foreach (var reference in references)
        {
            Assert.False((await resolver.ResolveSeccompProfileAsync(reference, Disabled)).FromCache);
            Assert.InRange(resolver.CachedContentBytes, 1, 64L << 20);
        }

        Assert.True((await resolver.ResolveSeccompProfileAsync(references[^1], Disabled)).FromCache);
        Assert.False((await resolver.ResolveSeccompProfileAsync(references[0], Disabled)).FromCache);
        Assert.InRange(resolver.CachedContentBytes, 1, 64L << 20);
    }

    [Fact]
    public void The_lru_cache_keeps_its_total_weight_under_the_bound_evicting_the_least_recently_used()
    {
        var time = new FakeTimeProvider();
        var cache = new LruCache<string, byte[]>(1000, time, maxWeight: 100, weigh: v => v.Length);

        cache.Set("a", new byte[40]);
        cache.Set("b", new byte[40]);
        Assert.True(cache.TryGet("a", out _)); // b is now the least recently used
        cache.Set("c", new byte[40]);
        Assert.Equal(80, cache.Weight);
        Assert.False(cache.TryGet("b", out _));
        Assert.True(cache.TryGet("a", out _));
        Assert.True(cache.TryGet("c", out _));

        cache.Set("huge", new byte[101]); // heavier than the bound alone: not kept, nothing evicted for it
        Assert.False(cache.TryGet("huge", out _));
        Assert.Equal(80, cache.Weight);

        cache.Set("a", new byte[10]); // replacing an entry replaces its weight
        Assert.Equal(50, cache.Weight);
        cache.Set("d", new byte[20], TimeSpan.FromMinutes(1));
        time.Advance(TimeSpan.FromMinutes(2));
        Assert.False(cache.TryGet("d", out _)); // expired entries give their weight back
        Assert.Equal(50, cache.Weight);
        cache.Clear();
        Assert.Equal(0, cache.Weight);
    }

    private static string Profile(string name, string syscall) => $"""
        apiVersion: security-profiles-operator.x-k8s.io/v1
        kind: SeccompProfile
        metadata:
          name: {name}
        spec:
          defaultAction: SCMP_ACT_ERRNO
          syscalls:
          - action: SCMP_ACT_ALLOW
            names: [{syscall}]

        """;

    /// <summary>A registry in memory serving KEP 6061 artifacts by digest.</summary>
    private sealed class MemoryRegistry : HttpMessageHandler
    {
        private static readonly byte[] Config = "{}"u8.ToArray();
        private readonly Dictionary<string, byte[]> _content = new() { [OciDigest.Compute(Config).ToString()] = Config };

        public string Kep6061(byte[] layer)
        {
            var manifest = OciJson.Serialize(new OciManifest
            {
                ArtifactType = OciMediaTypes.SeccompProfileConfig,
                Config = OciDescriptor.Of(Config, OciMediaTypes.SeccompProfileConfig),
                Layers = [OciDescriptor.Of(layer, OciMediaTypes.Json)],
            });
            _content[OciDigest.Compute(layer).ToString()] = layer;
            _content[OciDigest.Compute(manifest).ToString()] = manifest;
            return "oci://registry.example/kep@" + OciDigest.Compute(manifest);
        }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var path = request.RequestUri!.AbsolutePath;
            var response = _content.TryGetValue(path[(path.LastIndexOf('/') + 1)..], out var content)
                ? new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(content) }
                : new HttpResponseMessage(HttpStatusCode.NotFound) { Content = new ByteArrayContent([]) };
            response.Content.Headers.ContentType = new MediaTypeHeaderValue(path.Contains("/manifests/", StringComparison.Ordinal) ? OciMediaTypes.ImageManifest : "application/octet-stream");
            return Task.FromResult(response);
        }
    }
}
