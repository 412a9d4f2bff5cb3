using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SpoSdk.Admission;
using SpoSdk.Admission.State;
using SpoSdk.AspNetCore.Tls;
using SpoSdk.AspNetCore.Webhooks;

namespace SpoSdk.Tests.Admission.Infrastructure;

/// <summary>
/// The real webhook host — Kestrel with TLS from cert-manager-style files on 127.0.0.1, a free port,
/// <c>AddSpoWebhooks</c> + <c>MapSpoWebhooks</c> — and an HttpClient that trusts only its test CA.
/// </summary>
internal sealed class WebhookServer : IAsyncDisposable
{
    // One CA for the whole run: certificates are cheap, but the suite need not make dozens.
    private static readonly Lazy<TestPki> SharedPki = new(() => new TestPki("spo-webhooks"));

    private readonly WebApplication _app;

    private WebhookServer(WebApplication app, Uri address, string certificateDirectory, ReloadingCertificate? certificate)
    {
        _app = app;
        Address = address;
        CertificateDirectory = certificateDirectory;
        Certificate = certificate;
        Client = certificate is null
            ? new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) }
            : TestPki.Client(address, null, Pki.Ca);
    }

    public static TestPki Pki => SharedPki.Value;

    public Uri Address { get; }

    public HttpClient Client { get; }

    public string CertificateDirectory { get; }

    public ReloadingCertificate? Certificate { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>Starts the host over a test state (lookups and bookkeeping) or, with null, over whatever <paramref name="services"/> registers.</summary>
    public static async Task<WebhookServer> StartAsync(
        FakeAdmissionState? state,
        Action<SpoAdmissionOptions>? options = null,
        Action<IServiceCollection>? services = null,
        bool tls = true,
        TimeSpan? certificateCheckInterval = null)
    {
        var directory = Path.Combine(Path.GetTempPath(), "spo-webhook-tests", Guid.NewGuid().ToString("N"));
        if (tls)
        {
            Pki.WriteServing(directory, "webhook-service");
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.Logging.ClearProviders();
        ReloadingCertificate? certificate = null;
        builder.WebHost.ConfigureKestrel(kestrel =>
            certificate = kestrel.ListenSpoWebhooks(new SpoWebhookServerOptions
            {
                Address = IPAddress.Loopback,
                Port = 0,
                CertificateDirectory = tls ? directory : null,
                CertificateCheckInterval = certificateCheckInterval ?? TimeSpan.FromSeconds(1),
            }));
        if (state is not null)
        {
            builder.Services.AddSingleton<IAdmissionLookups>(state);
            builder.Services.AddSingleton<IWorkloadBookkeeping>(state);
        }

        services?.Invoke(builder.Services);
        builder.Services.AddSpoWebhooks(options);
        var app = builder.Build();
        app.MapSpoWebhooks();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new WebhookServer(app, new Uri(address), directory, certificate);
    }

    /// <summary>Posts a review and reads the answer.</summary>
    public async Task<ReviewResult> PostAsync(string path, string review)
    {
        using var response = await Client.PostAsync(path, new StringContent(review, Encoding.UTF8, "application/json"));
        return await ReviewResult.ReadAsync(response);
    }

    /// <summary>Posts raw bytes.</summary>
    public async Task<(HttpStatusCode Status, string Body)> PostRawAsync(string path, HttpContent content)
    {
        using var response = await Client.PostAsync(path, content);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        try
        {
            Directory.Delete(CertificateDirectory, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    /// <summary>A client that trusts <paramref name="trusted"/> and records the certificate each handshake presents.</summary>
    public HttpClient ClientSeeing(List<X509Certificate2> seen, params X509Certificate2[] trusted) =>
        TestPki.Client(Address, c => { lock (seen) { seen.Add(c); } }, trusted);
}
