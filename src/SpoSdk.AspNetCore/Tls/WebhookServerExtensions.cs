using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace SpoSdk.AspNetCore.Tls;

/// <summary>Where and how the webhook server listens.</summary>
public sealed class SpoWebhookServerOptions
{
    /// <summary>Upstream's mount path of the serving-certificate Secret in the webhook pod.</summary>
    public const string DefaultCertificateDirectory = "/tmp/k8s-webhook-server/serving-certs";

    /// <summary>The address to listen on.</summary>
    public IPAddress Address { get; set; } = IPAddress.Any;

    /// <summary>The port; upstream's webhook container port is 9443.</summary>
    public int Port { get; set; } = 9443;

    /// <summary>
    /// The directory holding <c>tls.crt</c> and <c>tls.key</c>. Null (with no
    /// <see cref="CertificateFile"/>) serves plain HTTP, which is only allowed on a loopback address.
    /// </summary>
    public string? CertificateDirectory { get; set; } = DefaultCertificateDirectory;

    /// <summary>The certificate file, overriding <c>&lt;CertificateDirectory&gt;/tls.crt</c>.</summary>
    public string? CertificateFile { get; set; }

    /// <summary>The key file, overriding <c>&lt;CertificateDirectory&gt;/tls.key</c>.</summary>
    public string? KeyFile { get; set; }

    /// <summary>How often handshakes look for rotated certificate files.</summary>
    public TimeSpan CertificateCheckInterval { get; set; } = TimeSpan.FromSeconds(1);
}

/// <summary>Kestrel set up for admission webhooks: TLS from reloading cert-manager files, or plain HTTP on loopback only.</summary>
public static class WebhookServerExtensions
{
    /// <summary>Configures Kestrel to listen as <paramref name="configure"/> says; see <see cref="ListenSpoWebhooks"/>.</summary>
    public static IWebHostBuilder UseSpoWebhookServer(this IWebHostBuilder builder, Action<SpoWebhookServerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = new SpoWebhookServerOptions();
        configure?.Invoke(options);

        // Slim hosts leave Kestrel's HTTPS support out until asked for it.
        builder.UseKestrelHttpsConfiguration();
        return builder.ConfigureKestrel(kestrel => kestrel.ListenSpoWebhooks(options));
    }

    /// <summary>
    /// Adds the webhook listener. With certificate files: HTTPS (TLS 1.2+, HTTP/2 and HTTP/1.1), the
    /// certificate chain served from a <see cref="ReloadingCertificate"/> so rotated files are picked
    /// up by the next handshake. Without: plain HTTP, refused unless the address is loopback.
    /// </summary>
    /// <returns>The certificate source, or null for plain HTTP.</returns>
    /// <exception cref="InvalidOperationException">Plain HTTP was asked for on a non-loopback address.</exception>
    public static ReloadingCertificate? ListenSpoWebhooks(this KestrelServerOptions kestrel, SpoWebhookServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(kestrel);
        ArgumentNullException.ThrowIfNull(options);
        var certificateFile = options.CertificateFile ?? (options.CertificateDirectory is { } dir ? Path.Combine(dir, ReloadingCertificate.DefaultCertificateFile) : null);
        var keyFile = options.KeyFile ?? (options.CertificateDirectory is { } keyDir ? Path.Combine(keyDir, ReloadingCertificate.DefaultKeyFile) : null);
        if (certificateFile is null || keyFile is null)
        {
            if (!IPAddress.IsLoopback(options.Address))
            {
                throw new InvalidOperationException("Admission webhooks without a certificate may only listen on loopback, not " + options.Address + ".");
            }

            kestrel.Listen(options.Address, options.Port);
            return null;
        }

        var logger = kestrel.ApplicationServices?.GetService<ILoggerFactory>()?.CreateLogger<ReloadingCertificate>();
        var certificate = new ReloadingCertificate(certificateFile, keyFile, options.CertificateCheckInterval, logger: logger);
        kestrel.Listen(options.Address, options.Port, listen => listen.UseSpoWebhookTls(certificate));
        return certificate;
    }

    /// <summary>Serves TLS on a listener from <paramref name="certificate"/>, reloaded as its files rotate.</summary>
    public static ListenOptions UseSpoWebhookTls(this ListenOptions listen, ReloadingCertificate certificate)
    {
        ArgumentNullException.ThrowIfNull(listen);
        ArgumentNullException.ThrowIfNull(certificate);
        listen.Protocols = HttpProtocols.Http1AndHttp2;

        // The handshake callback (rather than ServerCertificateSelector) hands Kestrel a whole
        // certificate context, so intermediates in tls.crt are sent along with the leaf.
        return listen.UseHttps(new TlsHandshakeCallbackOptions
        {
            OnConnection = _ => ValueTask.FromResult(new SslServerAuthenticationOptions
            {
                ServerCertificateContext = certificate.GetContext(),
                EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                ApplicationProtocols = [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11],
            }),
        });
    }
}
