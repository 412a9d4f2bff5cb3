using System.Text.Json.Nodes;
using k8s.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using SpoSdk.Api.V1;
using SpoSdk.Runtime;
using SpoSdk.Runtime.Backends;
using SpoSdk.Runtime.Backends.Kubernetes;
using SpoSdk.Testing;
using SpoSdk.Tests.AspNetCore;

namespace SpoSdk.Tests.Runtime.Backends;

/// <summary>
/// What the Kubernetes backend does beyond the contract: reconnecting watches, paging, configuration, and
/// error mapping: every API failure reaches the caller as a typed <see cref="ResourceException"/> carrying
/// the server's Status, from the test API server's own answers and from a server answering a chosen Status.
/// </summary>
public sealed class KubernetesBackendTests(ApiServerFixture fixture) : IClassFixture<ApiServerFixture>
{
    private readonly string _id = Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task A_watch_reconnects_from_the_last_version_when_the_server_ends_the_stream()
    {
        using var backend = KubernetesBackend.FromConfiguration(fixture.Server.CreateClientConfiguration(), new KubernetesBackendOptions { WatchTimeout = TimeSpan.FromSeconds(1) });
        var client = backend.Resource<SeccompProfile>();
        var from = (await client.ListAsync()).ResourceVersion;
        var before = WatchRequests();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var writes = Task.Run(async () =>
        {
            await client.CreateAsync(Profile("first"));
            await Task.Delay(TimeSpan.FromMilliseconds(1500), cts.Token);
            await client.CreateAsync(Profile("second"));
        });

        var names = new List<string>();
        await foreach (var change in client.WatchAsync(null, from, cts.Token))
        {
            if (change.Object?.Metadata.Name.EndsWith(_id, StringComparison.Ordinal) == true)
            {
                names.Add(change.Object.Metadata.Name);
                if (names.Count == 2)
                {
                    break;
                }
            }
        }

        await writes;
        Assert.Equal([Name("first"), Name("second")], names);
        var watches = WatchRequests().Skip(before.Count).ToList();
        Assert.True(watches.Count >= 2, string.Join("\n", watches));
        Assert.All(watches, w => Assert.Contains("timeoutSeconds=1", w, StringComparison.Ordinal));
        Assert.Contains("resourceVersion=" + from + "&", watches[0] + "&", StringComparison.Ordinal);
        Assert.DoesNotContain("resourceVersion=" + from + "&", watches[^1] + "&", StringComparison.Ordinal);
    }

    [Fact]
    public async Task Lists_are_read_page_by_page()
    {
        using var backend = KubernetesBackend.FromConfiguration(fixture.Server.CreateClientConfiguration(), new KubernetesBackendOptions { PageSize = 2 });
        var pods = backend.Resource<V1Pod>();
        for (var i = 0; i < 5; i++)
        {
            await pods.CreateAsync(new V1Pod { Metadata = new V1ObjectMeta { Name = "p" + i, NamespaceProperty = "paged-" + _id }, Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "x" }] } });
        }

        var before = fixture.Server.Requests.Count;
        var list = await pods.ListAsync("paged-" + _id);
        Assert.Equal(["p0", "p1", "p2", "p3", "p4"], list.Items.Select(p => p.Metadata.Name).ToArray());
        var pages = fixture.Server.Requests.Skip(before).Where(r => r.PathAndQuery.Contains("/namespaces/paged-" + _id + "/pods", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, pages.Count);
        Assert.All(pages.Skip(1), p => Assert.Contains("continue=", p.PathAndQuery, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Api_errors_without_a_specific_type_keep_their_code_and_reason()
    {
        var error = await Assert.ThrowsAsync<ResourceBadRequestException>(() => fixture.Backend.Resource<V1Pod>().ListAsync(null, new ListOptions("a in b")));
        Assert.Equal((400, "BadRequest"), (error.Code, error.Reason));

        // Custom resources refuse unconditional updates, as a real API server does.
        var created = await fixture.Backend.Resource<SeccompProfile>().CreateAsync(Profile("unconditional"));
        created.Metadata.ResourceVersion = null;
        var invalid = await Assert.ThrowsAsync<ResourceInvalidException>(() => fixture.Backend.Resource<SeccompProfile>().UpdateAsync(created));
        Assert.Equal("metadata.resourceVersion", Assert.Single(invalid.Causes).Field);
    }

    [Fact]
    public async Task Answers_that_are_not_Status_objects_still_become_resource_exceptions()
    {
        await using var proxy = await LoopbackServer.StartAsync(_ => { }, app => app.Run(async context =>
        {
            context.Response.StatusCode = 503;
            context.Response.ContentType = "text/html";
            await context.Response.WriteAsync("<html>upstream down</html>");
        }));
        using var backend = KubernetesBackend.FromConfiguration(new k8s.KubernetesClientConfiguration { Host = proxy.Address.AbsoluteUri });
        var error = await Assert.ThrowsAsync<ResourceRetriableException>(() => backend.Resource<SeccompProfile>().GetAsync(ObjectKey.Cluster("x")));
        Assert.Equal(503, error.Code);
        Assert.Contains("upstream down", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_kubeconfig_written_by_the_test_server_configures_the_backend()
    {
        var directory = Directory.CreateTempSubdirectory("spo-kubeconfig-");
        try
        {
            var path = fixture.Server.WriteKubeconfig(Path.Combine(directory.FullName, "config"), "team-" + _id);
            using var backend = KubernetesBackend.FromKubeconfig(path);
            Assert.Equal(fixture.Server.BaseAddress, backend.Client.BaseUri);
            var created = await backend.Resource<SeccompProfile>().CreateAsync(Profile("kubeconfig"));
            Assert.Equal(created.Metadata.Uid, (await fixture.Backend.Resource<SeccompProfile>().GetAsync(ObjectKey.Cluster(Name("kubeconfig"))))!.Metadata.Uid);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Two_servers_in_one_process_share_nothing()
    {
        await using var other = await KubernetesApiTestServer.StartNewAsync();
        using var otherBackend = KubernetesBackend.FromConfiguration(other.CreateClientConfiguration());
        await otherBackend.Resource<SeccompProfile>().CreateAsync(Profile("only-there"));

        Assert.NotEqual(fixture.Server.BaseAddress, other.BaseAddress);
        Assert.Null(await fixture.Backend.Resource<SeccompProfile>().GetAsync(ObjectKey.Cluster(Name("only-there"))));
        Assert.NotNull(await otherBackend.Resource<SeccompProfile>().GetAsync(ObjectKey.Cluster(Name("only-there"))));
    }

    [Fact]
    public async Task A_stopped_server_ends_open_watches_and_refuses_connections()
    {
        var server = await KubernetesApiTestServer.StartNewAsync();
        using var backend = KubernetesBackend.FromConfiguration(server.CreateClientConfiguration());
        var client = backend.Resource<SeccompProfile>();
        var from = (await client.ListAsync()).ResourceVersion;
        var watch = Task.Run(async () =>
        {
            await foreach (var unused in client.WatchAsync(null, from))
            {
            }
        });

        await Task.Delay(200);
        await server.DisposeAsync();

        // The stream ends, the reconnect finds nobody listening: a transport error, not an API error.
        var error = await Assert.ThrowsAnyAsync<Exception>(() => watch.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.True(error is HttpRequestException or IOException, error.ToString());
    }

    [Fact]
    public async Task The_test_servers_404_409_and_422_carry_its_status()
    {
        var client = fixture.Backend.Resource<SeccompProfile>();
        var created = await client.CreateAsync(Profile("errors"));

        var exists = await Assert.ThrowsAsync<ResourceAlreadyExistsException>(() => client.CreateAsync(Profile("errors")));
        Assert.Equal((409, "AlreadyExists"), (exists.Status.Code, exists.Status.Reason));
        Assert.Contains(Name("errors"), exists.Status.Message, StringComparison.Ordinal);

        var stale = created;
        await client.UpdateAsync(Clone(created, "first"));
        var conflict = await Assert.ThrowsAsync<ResourceConflictException>(() => client.UpdateAsync(Clone(stale, "second")));
        Assert.Equal((409, "Conflict"), (conflict.Code, conflict.Reason));

        var missing = Profile("missing");
        missing.Metadata.ResourceVersion = "1";
        var notFound = await Assert.ThrowsAsync<ResourceNotFoundException>(() => client.UpdateAsync(missing));
        Assert.Equal((404, "NotFound"), (notFound.Code, notFound.Reason));

        var bad = Profile("bad");
        bad.Spec.DefaultAction = SeccompAction.FromValue("SCMP_ACT_NOPE");
        var invalid = await Assert.ThrowsAnyAsync<ResourceException>(() => client.CreateAsync(bad));
        Assert.IsType<ResourceInvalidException>(invalid);
        Assert.Equal(422, invalid.Code);
        Assert.Contains(invalid.Status.Causes, c => c.Field == "spec.defaultAction" && c.Reason.Length > 0);

    }

    [Theory]
    [InlineData(400, "BadRequest", typeof(ResourceBadRequestException))]
    [InlineData(401, "Unauthorized", typeof(ResourceUnauthorizedException))]
    [InlineData(403, "Forbidden", typeof(ResourceForbiddenException))]
    [InlineData(404, "NotFound", typeof(ResourceNotFoundException))]
    [InlineData(409, "AlreadyExists", typeof(ResourceAlreadyExistsException))]
    [InlineData(409, "Conflict", typeof(ResourceConflictException))]
    [InlineData(410, "Expired", typeof(ResourceGoneException))]
    [InlineData(422, "Invalid", typeof(ResourceInvalidException))]
    [InlineData(429, "TooManyRequests", typeof(ResourceRetriableException))]
    [InlineData(500, "ServerTimeout", typeof(ResourceRetriableException))]
    [InlineData(504, "Timeout", typeof(ResourceRetriableException))]
    [InlineData(500, "InternalError", typeof(KubernetesApiException))]
    [InlineData(405, "MethodNotAllowed", typeof(KubernetesApiException))]
    public async Task Every_status_becomes_its_typed_exception_with_the_servers_status(int code, string reason, Type expected)
    {
        await using var server = await StatusServerAsync(code, reason);
        using var backend = KubernetesBackend.FromConfiguration(new k8s.KubernetesClientConfiguration { Host = server.Address.AbsoluteUri });

        // A create, not a get: a get maps 404 to null, and every write path shares the mapping.
        var error = await Assert.ThrowsAnyAsync<ResourceException>(() => backend.Resource<SeccompProfile>().CreateAsync(Profile("x")));
        Assert.IsType(expected, error);
        Assert.Equal(new ResourceStatus(code, reason, "the server says " + reason, error.Status.Causes, 7), error.Status);
        Assert.Equal(new ResourceStatusCause("spec.defaultAction", "not allowed here", "FieldValueForbidden"), Assert.Single(error.Status.Causes));
        if (error is ResourceRetriableException retriable)
        {
            Assert.Equal(TimeSpan.FromSeconds(7), retriable.RetryAfter);
        }
    }

    [Fact]
    public async Task Errors_on_a_watch_stream_and_on_lists_are_typed_too()
    {
        await using var server = await StatusServerAsync(403, "Forbidden");
        using var backend = KubernetesBackend.FromConfiguration(new k8s.KubernetesClientConfiguration { Host = server.Address.AbsoluteUri });
        var client = backend.Resource<SeccompProfile>();

        await Assert.ThrowsAsync<ResourceForbiddenException>(() => client.ListAsync());
        await Assert.ThrowsAsync<ResourceForbiddenException>(() => client.DeleteAsync(ObjectKey.Cluster("x")));
        await Assert.ThrowsAsync<ResourceForbiddenException>(async () =>
        {
            await foreach (var unused in client.WatchAsync(null, "1"))
            {
            }
        });
    }

    [Fact]
    public async Task A_retry_after_header_is_kept_when_the_body_gives_none()
    {
        await using var server = await LoopbackServer.StartAsync(_ => { }, app => app.Run(async context =>
        {
            context.Response.StatusCode = 429;
            context.Response.Headers.RetryAfter = "3";
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync("""{"kind":"Status","apiVersion":"v1","status":"Failure","message":"slow down","reason":"TooManyRequests","code":429}""");
        }));
        using var backend = KubernetesBackend.FromConfiguration(new k8s.KubernetesClientConfiguration { Host = server.Address.AbsoluteUri });

        var error = await Assert.ThrowsAsync<ResourceRetriableException>(() => backend.Resource<SeccompProfile>().ListAsync());
        Assert.Equal(TimeSpan.FromSeconds(3), error.RetryAfter);
        Assert.Equal("slow down", error.Message);
    }

    [Fact]
    public async Task A_request_the_server_never_answers_ends_after_the_clients_HttpClientTimeout_as_a_retriable_timeout()
    {
        // KubernetesClient's own HttpClient never times out; its generated operations apply HttpClientTimeout themselves.
        await using var server = await LoopbackServer.StartAsync(_ => { }, app => app.Run(context => Task.Delay(Timeout.Infinite, context.RequestAborted)));
        using var backend = KubernetesBackend.FromConfiguration(new k8s.KubernetesClientConfiguration { Host = server.Address.AbsoluteUri, HttpClientTimeout = TimeSpan.FromSeconds(1) });
        Assert.Equal(Timeout.InfiniteTimeSpan, backend.Client.HttpClient.Timeout);
        var client = backend.Resource<SeccompProfile>();

        var get = client.GetAsync(ObjectKey.Cluster("x"));
        Assert.Same(get, await Task.WhenAny(get, Task.Delay(TimeSpan.FromSeconds(10))));
        var error = await Assert.ThrowsAsync<ResourceRetriableException>(() => get);
        Assert.Equal((504, "Timeout"), (error.Code, error.Reason));
        Assert.Contains("get seccompprofiles \"x\"", error.Message, StringComparison.Ordinal);
        Assert.Contains("timed out", error.Message, StringComparison.Ordinal);

        var pods = backend.Resource<V1Pod>();
        Assert.Contains("list pods in namespace \"team\"", (await Assert.ThrowsAsync<ResourceRetriableException>(() => pods.ListAsync("team"))).Message, StringComparison.Ordinal);
        Assert.Contains("delete pods \"team/p\"", (await Assert.ThrowsAsync<ResourceRetriableException>(() => pods.DeleteAsync(new ObjectKey("team", "p")))).Message, StringComparison.Ordinal);
        Assert.Contains("patch seccompprofiles \"x\"", (await Assert.ThrowsAsync<ResourceRetriableException>(() => client.PatchAsync(ObjectKey.Cluster("x"), ResourcePatch.Merge(new JsonObject())))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_body_that_stops_halfway_times_out_too_and_the_callers_own_cancellation_stays_a_cancellation()
    {
        await using var server = await LoopbackServer.StartAsync(_ => { }, app => app.Run(async context =>
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync("""{"apiVersion":"security-profiles-operator.x-k8s.io/v1","kind":"SeccompProfile","metadata":{"name":""", context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
            await Task.Delay(Timeout.Infinite, context.RequestAborted);
        }));
        using var backend = KubernetesBackend.FromConfiguration(new k8s.KubernetesClientConfiguration { Host = server.Address.AbsoluteUri, HttpClientTimeout = TimeSpan.FromSeconds(1) });
        var client = backend.Resource<SeccompProfile>();

        var error = await Assert.ThrowsAsync<ResourceRetriableException>(() => client.UpdateAsync(Profile("half")).WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Contains("update seccompprofiles \"" + Name("half") + "\"", error.Message, StringComparison.Ordinal);

        using var patient = KubernetesBackend.FromConfiguration(new k8s.KubernetesClientConfiguration { Host = server.Address.AbsoluteUri, HttpClientTimeout = TimeSpan.FromMinutes(5) });
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => patient.Resource<SeccompProfile>().GetAsync(ObjectKey.Cluster("x"), cts.Token).WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Watches_outlive_the_HttpClientTimeout()
    {
        var configuration = fixture.Server.CreateClientConfiguration();
        configuration.HttpClientTimeout = TimeSpan.FromSeconds(1);
        using var backend = KubernetesBackend.FromConfiguration(configuration);
        var client = backend.Resource<SeccompProfile>();
        var from = (await client.ListAsync()).ResourceVersion;
        var before = WatchRequests().Count;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var write = Task.Run(async () =>
        {
            await Task.Delay(TimeSpan.FromMilliseconds(1500), cts.Token);
            await fixture.Backend.Resource<SeccompProfile>().CreateAsync(Profile("late"));
        });

        await foreach (var change in client.WatchAsync(null, from, cts.Token))
        {
            if (change.Object?.Metadata.Name == Name("late"))
            {
                break;
            }
        }

        await write;
        Assert.Single(WatchRequests().Skip(before));
    }

    private static Task<LoopbackServer> StatusServerAsync(int code, string reason) =>
        LoopbackServer.StartAsync(_ => { }, app => app.Run(async context =>
        {
            var status = new JsonObject
            {
                ["kind"] = "Status",
                ["apiVersion"] = "v1",
                ["status"] = "Failure",
                ["message"] = "the server says " + reason,
                ["reason"] = reason,
                ["code"] = code,
                ["details"] = new JsonObject
                {
                    ["retryAfterSeconds"] = 7,
                    ["causes"] = new JsonArray(new JsonObject { ["reason"] = "FieldValueForbidden", ["message"] = "not allowed here", ["field"] = "spec.defaultAction" }),
                },
            };
            context.Response.StatusCode = code;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(status.ToJsonString());
        }));

    private static SeccompProfile Clone(SeccompProfile profile, string note)
    {
        var copy = new SeccompProfile { Metadata = new V1ObjectMeta { Name = profile.Metadata.Name, ResourceVersion = profile.Metadata.ResourceVersion }, Spec = profile.Spec };
        copy.Metadata.Annotations = new Dictionary<string, string> { ["note"] = note };
        return copy;
    }

    private List<string> WatchRequests() =>
        fixture.Server.Requests.Where(r => r.PathAndQuery.Contains("watch=true", StringComparison.Ordinal) && r.PathAndQuery.Contains("/seccompprofiles?", StringComparison.Ordinal)).Select(r => r.PathAndQuery).ToList();

    private string Name(string name) => name + "-" + _id;

    private SeccompProfile Profile(string name) => new()
    {
        Metadata = new V1ObjectMeta { Name = Name(name) },
        Spec = new SeccompProfileSpec { DefaultAction = SeccompAction.ScmpActErrno },
    };
}
