using SpoSdk.Oci.References;

namespace SpoSdk.Tests.Oci;

/// <summary>Reference parsing follows the distribution reference grammar (docker.io defaults, tags, digests).</summary>
public sealed class OciReferenceTests
{
    private const string Digest = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";

    [Theory]
    [InlineData("nginx", "docker.io", "library/nginx", "latest", null)]
    [InlineData("nginx:1.25", "docker.io", "library/nginx", "1.25", null)]
    [InlineData("user/repo", "docker.io", "user/repo", "latest", null)]
    [InlineData("index.docker.io/user/repo:v1", "docker.io", "user/repo", "v1", null)]
    [InlineData("ghcr.io/security-profiles/runc:v1.1.12", "ghcr.io", "security-profiles/runc", "v1.1.12", null)]
    [InlineData("localhost/repo", "localhost", "repo", "latest", null)]
    [InlineData("localhost:5000/a/b/c:t", "localhost:5000", "a/b/c", "t", null)]
    [InlineData("127.0.0.1:5000/profiles/seccomp:latest@" + Digest, "127.0.0.1:5000", "profiles/seccomp", "latest", Digest)]
    [InlineData("127.0.0.1:5000/profiles@" + Digest, "127.0.0.1:5000", "profiles", null, Digest)]
    [InlineData("[::1]:5000/repo:tag", "[::1]:5000", "repo", "tag", null)]
    [InlineData("Registry/repo", "Registry", "repo", "latest", null)]
    [InlineData("a.b/x__y.z---w_v:T_a-g.1", "a.b", "x__y.z---w_v", "T_a-g.1", null)]
    public void Parses_like_the_distribution_grammar(string text, string registry, string repository, string? tag, string? digest)
    {
        var reference = OciReference.Parse(text);

        Assert.Equal(registry, reference.Registry);
        Assert.Equal(repository, reference.Repository);
        Assert.Equal(tag, reference.Tag);
        Assert.Equal(digest, reference.Digest?.ToString());
        Assert.Equal(digest is not null, reference.IsPinned);
        Assert.Equal(digest ?? tag, reference.Identifier);
    }

    [Theory]
    [InlineData("")]
    [InlineData("docker.io/User/repo")]
    [InlineData("repo:")]
    [InlineData("repo:-tag")]
    [InlineData("repo@sha256:abc")]
    [InlineData("repo@md5:44136fa355b3678a1146ad16f7e8649e")]
    [InlineData("host:port/repo")]
    [InlineData("a.b/-repo")]
    [InlineData("a.b/repo-")]
    [InlineData("a.b/re..po")]
    [InlineData("a.b/re___po")]
    [InlineData("a.b//repo")]
    [InlineData("-a.b/repo")]
    public void Rejects_malformed_references(string text)
    {
        Assert.False(OciReference.TryParse(text, out _, out var error));
        Assert.StartsWith("invalid reference", error);
    }

    [Fact]
    public void Tag_longer_than_128_characters_is_rejected()
    {
        Assert.True(OciReference.TryParse("r:" + new string('a', 128), out _, out _));
        Assert.False(OciReference.TryParse("r:" + new string('a', 129), out _, out _));
    }

    [Fact]
    public void Formats_and_pins_canonically()
    {
        var reference = OciReference.Parse("nginx:1");
        var digest = OciDigest.Parse(Digest);

        Assert.Equal("docker.io/library/nginx:1", reference.ToString());
        Assert.Equal("registry-1.docker.io", reference.ApiHost);
        Assert.Equal("docker.io/library/nginx:1@" + Digest, reference.WithDigest(digest).ToString());
        Assert.Equal("docker.io/library/nginx@" + Digest, reference.ByDigest(digest).ToString());
        Assert.Equal("sha256-44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a", digest.TagForm);
    }

    [Theory]
    [InlineData("127.0.0.1:5000/r", true)]
    [InlineData("127.8.9.10/r", true)]
    [InlineData("localhost:1/r", true)]
    [InlineData("[::1]:5000/r", true)]
    [InlineData("10.0.0.1:5000/r", false)]
    [InlineData("registry.example/r", false)]
    public void Knows_loopback_registries(string text, bool loopback) => Assert.Equal(loopback, OciReference.Parse(text).IsLoopback);

    [Fact]
    public void Digests_verify_content()
    {
        var digest = OciDigest.Compute("{}"u8);

        Assert.Equal(Digest, digest.ToString());
        Assert.True(digest.Matches("{}"u8));
        Assert.False(digest.Matches("{ }"u8));
        Assert.True(OciDigest.Parse("sha512:" + new string('a', 128)).Matches("x"u8) is false);
        Assert.False(OciDigest.TryParse("sha256:" + Digest[7..].ToUpperInvariant(), out _, out _));
    }
}
