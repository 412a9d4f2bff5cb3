using System.Net;
using System.Net.Http.Headers;
using k8s.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SpoSdk.Api.V1;
using SpoSdk.AspNetCore.Metrics;
using SpoSdk.AspNetCore.Tls;
using SpoSdk.Hosting;
using SpoSdk.Runtime.Backends.Kubernetes;
using SpoSdk.Testing;
using SpoSdk.Tests.Admission.Infrastructure;
using SpoSdk.Tests.Audit.Enrichment;

namespace SpoSdk.Tests.AspNetCore;

/// <summary>
/// The metrics filter against SpoSdk.Testing's API server over real HTTP, the metrics themselves over HTTPS with
/// a cert-manager-style certificate: TokenReview, then SubjectAccessReview on the path, as controller-runtime does.
/// </summary>
public sealed class MetricsAccessTests : IAsyncLifetime
{
    private const string Prometheus = "system:serviceaccount:monitoring:prometheus";
    private const string Nosy = "system:serviceaccount:default:nosy";
    private static readonly TestPki Pki = new("spo-metrics");

    private readonly string _root = Directory.CreateTempSubdirectory("spo-metrics-auth-").FullName;
    private readonly AccessReviewRules _rules = new AccessReviewRules()
        .AddToken("prometheus-token", Prometheus, "system:serviceaccounts", "system:serviceaccounts:monitoring")
        .AddToken("nosy-token", Nosy, "system:serviceaccounts")
        .AllowUser(Prometheus, "get", "/metrics-spod");

    private KubernetesApiTestServer _api = null!;
    private WebApplication _host = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _api = await KubernetesApiTestServer.StartNewAsync(new KubernetesApiTestServerOptions { AccessReviews = _rules });
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrelHttpsConfiguration();
        var certificates = Path.Combine(_root, "certs");
        Pki.WriteServing(certificates, "metrics");
        var certificate = ReloadingCertificate.FromDirectory(certificates);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ListenSpoMetrics(IPAddress.Loopback, 0, certificate));
        builder.Services.AddSecurityProfilesOperator(spo => spo
            .UseBackend(_ => KubernetesBackend.FromConfiguration(_api.CreateClientConfiguration()))
            .WithNodeName("node-1")
            .WithNodeRoot(Path.Combine(_root, "node"))
            .AddSeccomp());
        builder.Services.AddSpoMetrics();
        _host = builder.Build();
        _host.MapSpoMetrics();
        await _host.StartAsync();

        // Every test starts from a running operator, not one still listing its first objects.
        await _host.Services.GetRequiredService<InformerFactory>().WaitForSyncAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        var address = new Uri(_host.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
        Assert.Equal("https", address.Scheme);
        _client = TestPki.Client(address, null, Pki.Ca);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _host.StopAsync();
        await _host.DisposeAsync();
        await _api.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task A_caller_allowed_to_get_the_path_gets_the_metrics_over_https()
    {
        using var response = await GetAsync("/metrics-spod", "prometheus-token");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("promhttp_metric_handler_requests_total", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var review = _api.Requests.Single(r => r.PathAndQuery.StartsWith("/apis/authorization.k8s.io/v1/subjectaccessreviews", StringComparison.Ordinal));
        Assert.Equal(201, review.StatusCode);
    }

    [Fact]
    public async Task Without_a_token_or_with_one_the_cluster_rejects_the_answer_is_401()
    {
        using var none = await GetAsync("/metrics-spod", token: null);
        using var invalid = await GetAsync("/metrics-spod", "made-up-token");
        using var basic = new HttpRequestMessage(HttpMethod.Get, "/metrics-spod") { Headers = { Authorization = new AuthenticationHeaderValue("Basic", "dXNlcjpwYXNz") } };
        using var wrongScheme = await _client.SendAsync(basic);

        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, invalid.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongScheme.StatusCode);
        Assert.DoesNotContain("security_profiles_operator", await invalid.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // No token, no review: only the made-up token was sent to the cluster.
        Assert.Single(_api.Requests, r => r.PathAndQuery.StartsWith("/apis/authentication.k8s.io/v1/tokenreviews", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_authenticated_caller_without_permission_on_the_path_gets_403()
    {
        using var nosy = await GetAsync("/metrics-spod", "nosy-token");
        using var otherPath = await GetAsync("/metrics", "prometheus-token");

        Assert.Equal(HttpStatusCode.Forbidden, nosy.StatusCode);
        Assert.Contains("user=" + Nosy, await nosy.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, otherPath.StatusCode);
        Assert.Contains("path=/metrics", await otherPath.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Answers_are_remembered_so_repeated_scrapes_do_not_ask_the_cluster_again()
    {
        for (var i = 0; i < 3; i++)
        {
            using var allowed = await GetAsync("/metrics-spod", "prometheus-token");
            using var denied = await GetAsync("/metrics-spod", "nosy-token");
            using var rejected = await GetAsync("/metrics-spod", "made-up-token");
            Assert.Equal((HttpStatusCode.OK, HttpStatusCode.Forbidden, HttpStatusCode.Unauthorized), (allowed.StatusCode, denied.StatusCode, rejected.StatusCode));
        }

        Assert.Equal(3, _api.Requests.Count(r => r.PathAndQuery.StartsWith("/apis/authentication.k8s.io/v1/tokenreviews", StringComparison.Ordinal)));
        Assert.Equal(2, _api.Requests.Count(r => r.PathAndQuery.StartsWith("/apis/authorization.k8s.io/v1/subjectaccessreviews", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task The_spod_insecure_switch_lets_anyone_scrape()
    {
        using (var before = await GetAsync("/metrics-spod", token: null))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, before.StatusCode);
        }

        var backend = _host.Services.GetRequiredService<SpoSdk.Runtime.Backends.IClusterBackend>();
        await backend.Resource<SecurityProfilesOperatorDaemon>().CreateAsync(new SecurityProfilesOperatorDaemon
        {
            Metadata = new V1ObjectMeta { Name = "spod", NamespaceProperty = "security-profiles-operator" },
            Spec = new SecurityProfilesOperatorDaemonSpec { EnableInsecureMetricsAccess = true },
        });

        await Pods.EventuallyAsync(() => GetAsync("/metrics-spod", token: null).GetAwaiter().GetResult().StatusCode == HttpStatusCode.OK, "an unauthenticated scrape to be let in");
        using var runtime = await GetAsync("/metrics", token: null);
        Assert.Equal(HttpStatusCode.OK, runtime.StatusCode);
    }

    [Fact]
    public async Task When_the_cluster_cannot_be_asked_the_answer_is_503_and_nothing_is_remembered()
    {
        await _api.StopAsync();

        using var first = await GetAsync("/metrics-spod", "prometheus-token");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, first.StatusCode);
        Assert.Contains("TokenReview", await first.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private Task<HttpResponseMessage> GetAsync(string path, string? token)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return SendAsync(request);
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request)
    {
        using (request)
        {
            return await _client.SendAsync(request);
        }
    }
}
