using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using SpoSdk.Admission;
using SpoSdk.AspNetCore.Tls;
using SpoSdk.Tests.Admission.Infrastructure;
using static SpoSdk.Tests.Admission.Infrastructure.Reviews;

namespace SpoSdk.Tests.Admission;

/// <summary>Serving certificates from cert-manager files, rotated without a restart; plain HTTP on loopback only.</summary>
public sealed class TlsTests
{
    [Fact]
    public async Task Rotated_files_are_served_by_the_next_handshake_without_a_restart()
    {
        await using var server = await WebhookServer.StartAsync(new FakeAdmissionState(), certificateCheckInterval: TimeSpan.FromMilliseconds(50));
        var nextCa = new TestPki("rotated");
        var seen = new List<X509Certificate2>();
        using var client = server.ClientSeeing(seen, WebhookServer.Pki.Ca, nextCa.Ca);

        var before = await PostAsync(client);
        var first = Last(seen);
        Assert.Equal("CN=webhook-service", first.Subject);

        // cert-manager renews: new key, new certificate, here even from a new CA.
        var (certificate, key, rotated) = nextCa.IssueServing("webhook-service-rotated");
        await File.WriteAllTextAsync(Path.Combine(server.CertificateDirectory, "tls.key"), key);
        await File.WriteAllTextAsync(Path.Combine(server.CertificateDirectory, "tls.crt"), certificate);
        await Task.Delay(200);

        var after = await PostAsync(client);
        var second = Last(seen);

        Assert.Equal(HttpStatusCode.OK, before);
        Assert.Equal(HttpStatusCode.OK, after);
        Assert.Equal(rotated.Thumbprint, second.Thumbprint);
        Assert.NotEqual(first.Thumbprint, second.Thumbprint);
        Assert.Equal(rotated.Thumbprint, server.Certificate!.Certificate.Thumbprint);
    }

    [Fact]
    public async Task A_half_written_rotation_keeps_the_current_certificate_until_the_pair_matches()
    {
        await using var server = await WebhookServer.StartAsync(new FakeAdmissionState(), certificateCheckInterval: TimeSpan.FromMilliseconds(50));
        var seen = new List<X509Certificate2>();
        using var client = server.ClientSeeing(seen, WebhookServer.Pki.Ca);
        await PostAsync(client);
        var original = Last(seen).Thumbprint;
        var (certificate, key, rotated) = WebhookServer.Pki.IssueServing("next");

        // Only the certificate has been replaced so far: it does not match the old key.
        await File.WriteAllTextAsync(Path.Combine(server.CertificateDirectory, "tls.crt"), certificate);
        await Task.Delay(200);
        Assert.Equal(HttpStatusCode.OK, await PostAsync(client));
        Assert.Equal(original, Last(seen).Thumbprint);

        await File.WriteAllTextAsync(Path.Combine(server.CertificateDirectory, "tls.key"), key);
        await Task.Delay(200);
        Assert.Equal(HttpStatusCode.OK, await PostAsync(client));
        Assert.Equal(rotated.Thumbprint, Last(seen).Thumbprint);
    }

    [Fact]
    public async Task The_chain_in_tls_crt_is_sent_and_the_client_verifies_it()
    {
        await using var server = await WebhookServer.StartAsync(new FakeAdmissionState());
        using var untrusting = TestPki.Client(server.Address, null, new TestPki("stranger").Ca);

        Assert.Equal(HttpStatusCode.OK, await PostAsync(server.Client));
        await Assert.ThrowsAsync<HttpRequestException>(() => untrusting.PostAsync(SpoWebhooks.BindingPath, new StringContent(Pod("CREATE", TestPod()))));
    }

    [Fact]
    public async Task Plain_http_is_served_on_loopback()
    {
        await using var server = await WebhookServer.StartAsync(new FakeAdmissionState(), tls: false);

        Assert.Equal("http", server.Address.Scheme);
        Assert.Equal(HttpStatusCode.OK, await PostAsync(server.Client));
    }

    [Fact]
    public void Plain_http_is_refused_on_other_addresses()
    {
        var kestrel = new KestrelServerOptions();

        var error = Assert.Throws<InvalidOperationException>(() => kestrel.ListenSpoWebhooks(new SpoWebhookServerOptions { Address = IPAddress.Any, CertificateDirectory = null }));

        Assert.Contains("loopback", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_certificate_stops_the_start()
    {
        var kestrel = new KestrelServerOptions();

        Assert.ThrowsAny<IOException>(() => kestrel.ListenSpoWebhooks(new SpoWebhookServerOptions { CertificateDirectory = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N")) }));
    }

    [Fact]
    public async Task Plain_http_reaching_a_non_loopback_address_is_refused()
    {
        // Driven through the mapped endpoint with a connection that claims a non-loopback local
        // address, so the test itself never listens off loopback.
        await using var server = await WebhookServer.StartAsync(new FakeAdmissionState(), tls: false);
        var endpoint = server.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>().Single(e => e.RoutePattern.RawText == SpoWebhooks.BindingPath);
        var context = new DefaultHttpContext { RequestServices = server.Services };
        context.Connection.LocalIpAddress = IPAddress.Parse("10.1.2.3");
        context.Request.Method = "POST";
        context.Request.Body = new MemoryStream(Encoding.UTF8.GetBytes(Pod("CREATE", TestPod())));
        context.Response.Body = new MemoryStream();

        await endpoint.RequestDelegate!(context);

        Assert.Equal(StatusCodes.Status403Forbidden, context.Response.StatusCode);
    }

    private static async Task<HttpStatusCode> PostAsync(HttpClient client)
    {
        using var response = await client.PostAsync(SpoWebhooks.BindingPath, new StringContent(Pod("CREATE", TestPod()), Encoding.UTF8, "application/json"));
        return response.StatusCode;
    }

    private static X509Certificate2 Last(List<X509Certificate2> seen)
    {
        lock (seen)
        {
            return seen[^1];
        }
    }
}
