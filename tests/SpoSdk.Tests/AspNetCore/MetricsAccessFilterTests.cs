using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using SpoSdk.AspNetCore.Auth;
using SpoSdk.AspNetCore.Metrics;
using SpoSdk.Tests.Audit.Enrichment;

namespace SpoSdk.Tests.AspNetCore;

/// <summary>The metrics filter's rules that need a clock or an address a loopback test cannot have.</summary>
public sealed class MetricsAccessFilterTests
{
    private static readonly MetricsCaller Prometheus = new("system:serviceaccount:monitoring:prometheus", "uid-1", ["system:serviceaccounts"], new Dictionary<string, IReadOnlyList<string>>());

    [Fact]
    public async Task The_in_memory_backend_lets_loopback_in_and_refuses_other_addresses()
    {
        var filter = new MetricsAccessFilter(Options.Create(new SpoMetricsOptions()), () => null, Pods.NewBackend());

        var loopback = Request(IPAddress.IPv6Loopback, token: null);
        var remote = Request(IPAddress.Parse("10.1.2.3"), token: "any");

        Assert.True(await filter.AllowAsync(loopback));
        Assert.False(await filter.AllowAsync(remote));
        Assert.Equal(StatusCodes.Status403Forbidden, remote.Response.StatusCode);
    }

    [Fact]
    public async Task Allowed_answers_last_five_minutes_and_denied_ones_thirty_seconds()
    {
        var time = new FakeTimeProvider();
        var review = new CountingReview { Allowed = true };
        var filter = new MetricsAccessFilter(Options.Create(new SpoMetricsOptions()), () => review, backend: null, time: time);

        Assert.True(await filter.AllowAsync(Request(IPAddress.Loopback, "t")));

        // Four minutes on: the token is reviewed again (remembered for one minute), the allow is still remembered.
        time.Advance(TimeSpan.FromMinutes(4));
        Assert.True(await filter.AllowAsync(Request(IPAddress.Loopback, "t")));
        Assert.Equal((2, 1), (review.Authentications, review.Authorizations));

        // Past five minutes the allow is asked again; now the cluster says no.
        time.Advance(TimeSpan.FromMinutes(1.5));
        review.Allowed = false;
        var denied = Request(IPAddress.Loopback, "t");
        Assert.False(await filter.AllowAsync(denied));
        Assert.Equal(StatusCodes.Status403Forbidden, denied.Response.StatusCode);
        Assert.Equal((3, 2), (review.Authentications, review.Authorizations));

        // The denial is remembered for 30 seconds, then asked again.
        review.Allowed = true;
        time.Advance(TimeSpan.FromSeconds(20));
        Assert.False(await filter.AllowAsync(Request(IPAddress.Loopback, "t")));
        time.Advance(TimeSpan.FromSeconds(11));
        Assert.True(await filter.AllowAsync(Request(IPAddress.Loopback, "t")));
        Assert.Equal(3, review.Authorizations);
    }

    [Fact]
    public async Task A_flood_of_made_up_tokens_does_not_grow_the_cache_past_its_bound()
    {
        var review = new CountingReview { Authenticates = false };
        var filter = new MetricsAccessFilter(Options.Create(new SpoMetricsOptions { MaxCachedReviews = 8 }), () => review, backend: null, time: new FakeTimeProvider());

        for (var i = 0; i < 50; i++)
        {
            var request = Request(IPAddress.Loopback, "made-up-" + i);
            Assert.False(await filter.AllowAsync(request));
            Assert.Equal(StatusCodes.Status401Unauthorized, request.Response.StatusCode);
        }

        // The newest rejection is remembered; the older ones made way rather than pile up.
        var again = Request(IPAddress.Loopback, "made-up-49");
        Assert.False(await filter.AllowAsync(again));
        Assert.Equal(50, review.Authentications);
        Assert.True(filter.CachedReviews <= 8, "cached: " + filter.CachedReviews);
    }

    [Theory]
    [InlineData(true, "TokenReview")]
    [InlineData(false, "SubjectAccessReview")]
    public async Task A_review_that_times_out_is_503_and_not_the_scrape_s_own_cancellation(bool authentication, string named)
    {
        var review = new CountingReview { Allowed = true, TimeOutAuthentication = authentication, TimeOutAuthorization = !authentication };
        var filter = new MetricsAccessFilter(Options.Create(new SpoMetricsOptions()), () => review, backend: null, time: new FakeTimeProvider());
        var request = Request(IPAddress.Loopback, "t");

        Assert.False(await filter.AllowAsync(request));

        Assert.Equal(StatusCodes.Status503ServiceUnavailable, request.Response.StatusCode);
        request.Response.Body.Position = 0;
        Assert.Contains(named + " did not complete", await new StreamReader(request.Response.Body).ReadToEndAsync(), StringComparison.Ordinal);
    }

    // An OpenShift OAuth token scoped to user:info has the same user, uid and groups as the user's full token and
    // differs only in extra: the decision cache keys on extra too, as controller-runtime's keys on the whole review.
    [Fact]
    public async Task A_scoped_token_does_not_inherit_the_full_token_s_cached_allow()
    {
        var review = new ScopeAwareReview();
        var filter = new MetricsAccessFilter(Options.Create(new SpoMetricsOptions()), () => review, backend: null, time: new FakeTimeProvider());

        Assert.True(await filter.AllowAsync(Request(IPAddress.Loopback, "full-token")));
        var scoped = Request(IPAddress.Loopback, "scoped-token");

        Assert.False(await filter.AllowAsync(scoped));
        Assert.Equal(StatusCodes.Status403Forbidden, scoped.Response.StatusCode);
    }

    private static DefaultHttpContext Request(IPAddress local, string? token)
    {
        var context = new DefaultHttpContext();
        context.Connection.LocalIpAddress = local;
        context.Request.Method = "GET";
        context.Request.Path = "/metrics-spod";
        context.Response.Body = new MemoryStream();
        if (token is not null)
        {
            context.Request.Headers.Authorization = "Bearer " + token;
        }

        return context;
    }

    private static TaskCanceledException TimedOut() => new("The request was canceled due to the configured HttpClient.Timeout of 100 seconds elapsing.", new TimeoutException());

    private sealed class ScopeAwareReview : IMetricsAccessReview
    {
        private const string Scopes = "scopes.authorization.openshift.io";

        public Task<MetricsCaller?> AuthenticateAsync(string token, CancellationToken cancellationToken) =>
            Task.FromResult<MetricsCaller?>(new MetricsCaller(
                "alice",
                "uid-alice",
                ["system:authenticated:oauth", "system:authenticated"],
                token == "scoped-token" ? new Dictionary<string, IReadOnlyList<string>> { [Scopes] = ["user:info"] } : new Dictionary<string, IReadOnlyList<string>>()));

        public Task<bool> AuthorizeAsync(MetricsCaller caller, string verb, string path, CancellationToken cancellationToken) =>
            Task.FromResult(!caller.Extra.ContainsKey(Scopes));
    }

    private sealed class CountingReview : IMetricsAccessReview
    {
        public bool Authenticates { get; set; } = true;

        public bool Allowed { get; set; }

        public bool TimeOutAuthentication { get; set; }

        public bool TimeOutAuthorization { get; set; }

        public int Authentications { get; private set; }

        public int Authorizations { get; private set; }

        public Task<MetricsCaller?> AuthenticateAsync(string token, CancellationToken cancellationToken)
        {
            Authentications++;
            if (TimeOutAuthentication)
            {
                return Task.FromException<MetricsCaller?>(TimedOut());
            }

            return Task.FromResult(Authenticates ? Prometheus : null);
        }

        public Task<bool> AuthorizeAsync(MetricsCaller caller, string verb, string path, CancellationToken cancellationToken)
        {
            Authorizations++;
            Assert.Equal(("get", "/metrics-spod"), (verb, path));
            if (TimeOutAuthorization)
            {
                return Task.FromException<bool>(TimedOut());
            }

            return Task.FromResult(Allowed);
        }
    }
}
