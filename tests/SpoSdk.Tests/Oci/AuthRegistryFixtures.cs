using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using SpoSdk.Tests.AspNetCore;

namespace SpoSdk.Tests.Oci;

/// <summary>A registry that requires Basic authentication from an htpasswd file (bcrypt, made by apache2-utils' htpasswd).</summary>
public sealed class BasicAuthRegistryFixture : RegistryFixture
{
    public const string User = "alice";
    public const string Password = "s3cret-Pa55";

    protected override string[] Tools => ["docker-registry", "htpasswd"];

    protected override string AuthYaml => $"""
        auth:
          htpasswd:
            realm: sposdk-test
            path: {Path.Combine(Root, "htpasswd")}
        """;

    protected override async Task PrepareAsync()
    {
        var (code, stdout, stderr) = await ExternalTools.RunAsync("htpasswd", ["-Bbn", User, Password]);
        Assert.True(code == 0, "htpasswd failed: " + stderr);
        await File.WriteAllTextAsync(Path.Combine(Root, "htpasswd"), stdout.Trim() + "\n");
    }
}

/// <summary>
/// A registry with token authentication (distribution's <c>auth.token</c>) and the token server it
/// trusts: Kestrel on 127.0.0.1, issuing ES256 JWTs with the signing certificate in <c>x5c</c>, which the
/// registry checks against <c>rootcertbundle</c>. Only <see cref="User"/> gets tokens.
/// </summary>
public sealed class TokenAuthRegistryFixture : RegistryFixture
{
    public const string User = "bob";
    public const string Password = "t0ken-Pa55";
    private const string Service = "sposdk-registry";
    private const string Issuer = "sposdk-token-issuer";

    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private X509Certificate2? _certificate;
    private LoopbackServer? _tokenServer;
    private int _tokensIssued;

    public int TokensIssued => Volatile.Read(ref _tokensIssued);

    public string? LastScope { get; private set; }

    protected override string AuthYaml => $"""
        auth:
          token:
            realm: {_tokenServer!.Address}token
            service: {Service}
            issuer: {Issuer}
            rootcertbundle: {Path.Combine(Root, "token-root.pem")}
        """;

    protected override async Task PrepareAsync()
    {
        var request = new CertificateRequest("CN=" + Issuer, _key, HashAlgorithmName.SHA256);
        _certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        await File.WriteAllTextAsync(Path.Combine(Root, "token-root.pem"), _certificate.ExportCertificatePem() + "\n");
        _tokenServer = await LoopbackServer.StartAsync(_ => { }, app => app.MapGet("/token", Token));
    }

    protected override async Task DisposeExtrasAsync()
    {
        if (_tokenServer is not null)
        {
            await _tokenServer.DisposeAsync();
        }

        _certificate?.Dispose();
        _key.Dispose();
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private IResult Token(HttpContext context)
    {
        var authorization = context.Request.Headers.Authorization.ToString();
        var expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(User + ":" + Password));
        if (authorization != expected || context.Request.Query["service"] != Service)
        {
            return Results.Json(new { errors = new[] { new { code = "UNAUTHORIZED", message = "bad credentials" } } }, statusCode: 401);
        }

        var access = new JsonArray();
        foreach (var scope in context.Request.Query["scope"])
        {
            LastScope = scope;
            var parts = scope!.Split(':');
            if (parts.Length == 3 && parts[0] == "repository")
            {
                access.Add(new JsonObject { ["type"] = "repository", ["name"] = parts[1], ["actions"] = new JsonArray(parts[2].Split(',').Select(a => (JsonNode?)a).ToArray()) });
            }
        }

        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var header = new JsonObject { ["typ"] = "JWT", ["alg"] = "ES256", ["x5c"] = new JsonArray(Convert.ToBase64String(_certificate!.RawData)) };
        var claims = new JsonObject
        {
            ["iss"] = Issuer,
            ["sub"] = User,
            ["aud"] = Service,
            ["exp"] = now + 300,
            ["nbf"] = now - 30,
            ["iat"] = now,
            ["jti"] = Guid.NewGuid().ToString("N"),
            ["access"] = access,
        };
        var signingInput = Base64Url(Encoding.UTF8.GetBytes(header.ToJsonString())) + "." + Base64Url(Encoding.UTF8.GetBytes(claims.ToJsonString()));
        var signature = _key.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        Interlocked.Increment(ref _tokensIssued);
        return Results.Text(JsonSerializer.Serialize(new { token = signingInput + "." + Base64Url(signature), expires_in = 300 }), "application/json");
    }
}

/// <summary>A registry serving HTTPS with a self-signed certificate for 127.0.0.1, which only <see cref="CreateHandler"/> trusts.</summary>
public sealed class TlsRegistryFixture : RegistryFixture
{
    private X509Certificate2? _certificate;

    protected override string Scheme => "https";

    protected override string HttpYaml => $"""
          tls:
            certificate: {Path.Combine(Root, "tls.crt")}
            key: {Path.Combine(Root, "tls.key")}
        """;

    /// <summary>Trusts exactly this registry's certificate.</summary>
    public override HttpMessageHandler CreateHandler() => new SocketsHttpHandler
    {
        SslOptions = new SslClientAuthenticationOptions
        {
            RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is not null && _certificate is not null && certificate.GetCertHashString() == _certificate.GetCertHashString(),
        },
    };

    protected override async Task PrepareAsync()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(System.Net.IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        _certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        await File.WriteAllTextAsync(Path.Combine(Root, "tls.crt"), _certificate.ExportCertificatePem() + "\n");
        await File.WriteAllTextAsync(Path.Combine(Root, "tls.key"), key.ExportPkcs8PrivateKeyPem() + "\n");
    }

    protected override Task DisposeExtrasAsync()
    {
        _certificate?.Dispose();
        return Task.CompletedTask;
    }
}
