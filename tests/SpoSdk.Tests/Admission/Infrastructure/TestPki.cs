using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SpoSdk.Tests.Admission.Infrastructure;

/// <summary>A throwaway CA and serving certificates for 127.0.0.1, made with .NET's CertificateRequest.</summary>
internal sealed class TestPki
{
    private readonly ECDsa _caKey;

    public TestPki(string name)
    {
        _caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=" + name + " test CA", _caKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        Ca = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
    }

    public X509Certificate2 Ca { get; }

    /// <summary>A leaf for 127.0.0.1/localhost signed by the CA, as (certificate PEM with the CA appended, key PEM, leaf).</summary>
    public (string CertificatePem, string KeyPem, X509Certificate2 Leaf) IssueServing(string commonName)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=" + commonName, key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("localhost");
        san.AddDnsName("webhook-service.security-profiles-operator.svc");
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var serial = RandomNumberGenerator.GetBytes(12);
        using var issued = request.Create(Ca, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(7), serial);
        var leaf = X509CertificateLoader.LoadCertificate(issued.RawData);

        // cert-manager writes the leaf first and the issuing chain after it.
        var certificatePem = issued.ExportCertificatePem() + "\n" + Ca.ExportCertificatePem() + "\n";
        return (certificatePem, key.ExportPkcs8PrivateKeyPem() + "\n", leaf);
    }

    /// <summary>Writes a serving pair as cert-manager lays it out: tls.crt and tls.key in a directory.</summary>
    public X509Certificate2 WriteServing(string directory, string commonName)
    {
        var (certificate, key, leaf) = IssueServing(commonName);
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "tls.crt"), certificate);
        File.WriteAllText(Path.Combine(directory, "tls.key"), key);
        return leaf;
    }

    /// <summary>An HttpClient that trusts exactly these CAs (no system roots) and reports the server certificate it saw.</summary>
    public static HttpClient Client(Uri address, Action<X509Certificate2>? seen, params X509Certificate2[] trusted)
    {
        var handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.Zero,
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                {
                    if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None)
                    {
                        return false;
                    }

                    using var chain = new X509Chain();
                    chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    chain.ChainPolicy.CustomTrustStore.AddRange(trusted);
                    var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
                    seen?.Invoke(leaf);
                    return chain.Build(leaf);
                },
            },
        };
        return new HttpClient(handler) { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
    }
}
