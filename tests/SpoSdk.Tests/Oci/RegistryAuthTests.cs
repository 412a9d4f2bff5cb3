using System.Text;
using SpoSdk.Oci.Artifacts;
using SpoSdk.Oci.Authentication;
using SpoSdk.Oci.Distribution;
using SpoSdk.Oci.Trust;
using Xunit.Abstractions;

namespace SpoSdk.Tests.Oci;

/// <summary>Basic authentication against a real registry with an htpasswd file.</summary>
public sealed class RegistryBasicAuthTests : IClassFixture<BasicAuthRegistryFixture>, IDisposable
{
    private readonly BasicAuthRegistryFixture _registry;
    private readonly ITestOutputHelper _output;
    private readonly string _dir = Directory.CreateTempSubdirectory("sposdk-oci-auth-").FullName;

    public RegistryBasicAuthTests(BasicAuthRegistryFixture registry, ITestOutputHelper output)
    {
        _registry = registry;
        _output = output;
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Spoc_uses_USERNAME_and_PASSWORD_and_refuses_anonymous_and_wrong_passwords()
    {
        if (_registry.SkipIfUnavailable(_output))
        {
            return;
        }

        var file = Path.Combine(_dir, "p.yaml");
        await File.WriteAllTextAsync(file, ProfileArtifactTests.Seccomp);
        var target = _registry.Registry + "/basic/web:v1";

        var (code, _, stderr) = await Spoc.PushAsync(null, target, file, "--plain-http");
        Assert.Equal(2, code);
        Assert.Contains("authentication failed (401", stderr, StringComparison.Ordinal);

        (code, _, stderr) = await Spoc.PushAsync(new Dictionary<string, string> { ["USERNAME"] = BasicAuthRegistryFixture.User, ["PASSWORD"] = "wrong" }, target, file, "--plain-http");
        Assert.Equal(2, code);
        Assert.Contains("401", stderr, StringComparison.Ordinal);

        (code, var stdout, stderr) = await Spoc.PushAsync(new Dictionary<string, string> { ["USERNAME"] = BasicAuthRegistryFixture.User, ["PASSWORD"] = BasicAuthRegistryFixture.Password }, target, file, "--plain-http");
        Assert.True(code == 0, stderr);

        // -u overrides USERNAME; the password still comes from PASSWORD, as upstream.
        (code, var pulled, stderr) = await Spoc.PullAsync(new Dictionary<string, string> { ["USERNAME"] = "nobody", ["PASSWORD"] = BasicAuthRegistryFixture.Password }, stdout.Trim(), "-u", BasicAuthRegistryFixture.User, "--plain-http");
        Assert.True(code == 0, stderr);
        Assert.Equal(ProfileArtifactTests.Seccomp, pulled);
    }

    [Fact]
    public async Task Docker_config_json_auths_authenticate()
    {
        if (_registry.SkipIfUnavailable(_output))
        {
            return;
        }

        var auth = Convert.ToBase64String(Encoding.UTF8.GetBytes(BasicAuthRegistryFixture.User + ":" + BasicAuthRegistryFixture.Password));
        await File.WriteAllTextAsync(Path.Combine(_dir, "config.json"), "{\"auths\":{\"http://" + _registry.Registry + "\":{\"auth\":\"" + auth + "\"}},\"credsStore\":\"pass\"}");
        var file = Path.Combine(_dir, "p.yaml");
        await File.WriteAllTextAsync(file, ProfileArtifactTests.AppArmor);
        var environment = new Dictionary<string, string> { ["DOCKER_CONFIG"] = _dir };

        var (code, stdout, stderr) = await Spoc.PushAsync(environment, _registry.Registry + "/basic/apparmor:v1", file, "--plain-http");
        Assert.True(code == 0, stderr);
        (code, var pulled, stderr) = await Spoc.PullAsync(environment, stdout.Trim(), "--plain-http");
        Assert.True(code == 0, stderr);
        Assert.Equal(ProfileArtifactTests.AppArmor, pulled);

        using var client = _registry.CreateClient(DockerConfigCredentials.Load(_dir, null));
        Assert.Contains("v1", await client.ListTagsAsync(_registry.Reference("basic/apparmor:v1")));
    }
}

/// <summary>The bearer-token flow against a real registry configured for token auth, with a Kestrel token server.</summary>
public sealed class RegistryTokenAuthTests : IClassFixture<TokenAuthRegistryFixture>
{
    private readonly TokenAuthRegistryFixture _registry;
    private readonly ITestOutputHelper _output;

    public RegistryTokenAuthTests(TokenAuthRegistryFixture registry, ITestOutputHelper output)
    {
        _registry = registry;
        _output = output;
    }

    [Fact]
    public async Task Bearer_tokens_are_fetched_per_scope_and_cached_until_they_expire()
    {
        if (_registry.SkipIfUnavailable(_output))
        {
            return;
        }

        var time = new ManualTimeProvider(DateTimeOffset.UtcNow);
        var credentials = new StaticRegistryCredentials(new RegistryCredential(TokenAuthRegistryFixture.User, TokenAuthRegistryFixture.Password));
        using var client = _registry.CreateClient(credentials, plainHttp: true, time: time);
        var profiles = new OciProfileClient(client);
        var reference = _registry.Reference("token/web:v1");

        var pushed = await profiles.PushAsync(reference, [ProfileArtifactTests.File(ProfileArtifactTests.Seccomp)]);
        Assert.Equal("repository:token/web:pull,push", _registry.LastScope);
        var afterPush = _registry.TokensIssued;
        await profiles.PullAsync(pushed.Reference, OciTrustPolicy.Default);
        var afterFirstPull = _registry.TokensIssued;
        await profiles.PullAsync(pushed.Reference, OciTrustPolicy.Default);

        // One token for the pull scope (blob checks), one for pull,push; pulls reuse the pull token.
        Assert.Equal(2, afterPush);
        Assert.Equal(afterPush, afterFirstPull);
        Assert.Equal(afterFirstPull, _registry.TokensIssued);
        time.Now += TimeSpan.FromMinutes(10);
        await profiles.PullAsync(pushed.Reference, OciTrustPolicy.Default);
        Assert.Equal(afterFirstPull + 1, _registry.TokensIssued);

        using var anonymous = _registry.CreateClient(plainHttp: true);
        var refused = await Assert.ThrowsAsync<OciRegistryException>(() => anonymous.ListTagsAsync(reference));
        Assert.Contains("refused a token", refused.Message, StringComparison.Ordinal);
    }
}

/// <summary>HTTPS to a registry with its own certificate: trusted through the injected handler only.</summary>
public sealed class RegistryTlsTests : IClassFixture<TlsRegistryFixture>
{
    private readonly TlsRegistryFixture _registry;
    private readonly ITestOutputHelper _output;

    public RegistryTlsTests(TlsRegistryFixture registry, ITestOutputHelper output)
    {
        _registry = registry;
        _output = output;
    }

    [Fact]
    public async Task Pushes_and_pulls_over_tls_and_an_untrusted_certificate_fails()
    {
        if (_registry.SkipIfUnavailable(_output))
        {
            return;
        }

        using var client = _registry.CreateClient();
        var profiles = new OciProfileClient(client);
        var pushed = await profiles.PushAsync(_registry.Reference("tls/web:v1"), [ProfileArtifactTests.File(ProfileArtifactTests.Selinux)]);
        Assert.Equal("SelinuxProfile", (await profiles.PullAsync(pushed.Reference, OciTrustPolicy.Default)).Profile.Kind);

        // The default handler does not trust the certificate: no silent success over HTTP either.
        using var untrusting = new OciRegistryClient(new HttpClient(), disposeHttpClient: true);
        var error = await Assert.ThrowsAsync<OciRegistryException>(() => untrusting.ListTagsAsync(_registry.Reference("tls/web:v1")));
        Assert.Contains("SSL connection could not be established", error.Message, StringComparison.Ordinal);
    }
}
