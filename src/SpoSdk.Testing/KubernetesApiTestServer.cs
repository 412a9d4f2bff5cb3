using System.Collections.Concurrent;
using System.Net;
using System.Text;
using k8s;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SpoSdk.Api.Conversion;
using SpoSdk.Api.Serialization;
using SpoSdk.Runtime.Backends;
using SpoSdk.Runtime.Backends.InMemory;
using SpoSdk.Testing.ApiServer;

namespace SpoSdk.Testing;

/// <summary>
/// A Kubernetes API server in the test process, on 127.0.0.1 with a free port, serving an
/// <see cref="InMemoryObjectStore"/> through <see cref="ObjectAdmission"/>: every SPO kind in every
/// served version (legacy versions converted), Pods, Nodes, Namespaces, Events and Leases. It speaks
/// enough of the real API for KubernetesClient, SpoSdk's Kubernetes backend and kubectl (get, apply,
/// delete): discovery, list (selectors, paging), get, create, update, the status subresource, merge
/// and JSON patches, delete, and watch (bookmarks, timeouts, 410 as an ERROR event), with errors as
/// <c>kind: Status</c> bodies. Plain HTTP on loopback, no authentication. Each instance is independent.
/// </summary>
public sealed class KubernetesApiTestServer : IAsyncDisposable
{
    private static readonly string[] HealthPaths = ["healthz", "livez", "readyz"];

    private readonly KubernetesApiTestServerOptions _options;
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly ResourceCatalog _catalog;
    private readonly Discovery _discovery;
    private readonly ResourceEndpoints _endpoints;
    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    private WebApplication? _app;
    private Uri? _baseAddress;
    private int _disposed;

    /// <summary>Creates a server (not yet listening; see <see cref="StartAsync"/>).</summary>
    public KubernetesApiTestServer(KubernetesApiTestServerOptions? options = null)
    {
        _options = options ?? new KubernetesApiTestServerOptions();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(_options.MaxRequestBodyBytes);
        ArgumentOutOfRangeException.ThrowIfNegative(_options.RequestLogCapacity);
        var registry = _options.Registry ?? SpoKindRegistry.Default;
        Store = _options.Store ?? new InMemoryObjectStore();
        var admission = _options.Admission ?? new ObjectAdmission(SpoConverter.Default, registry);
        _catalog = new ResourceCatalog(registry);
        _discovery = new Discovery(_catalog, _options.KubernetesVersion);
        _endpoints = new ResourceEndpoints(_catalog, Store, admission, registry, _options, _stopping.Token);
    }

    /// <summary>The objects served.</summary>
    public InMemoryObjectStore Store { get; }

    /// <summary>Where the server listens, e.g. <c>http://127.0.0.1:41234/</c>; set once started.</summary>
    public Uri BaseAddress => _baseAddress ?? throw new InvalidOperationException("The server has not been started.");

    /// <summary>The most recent requests, oldest first (at most <see cref="KubernetesApiTestServerOptions.RequestLogCapacity"/>).</summary>
    public IReadOnlyList<RecordedRequest> Requests => _requests.ToArray();

    /// <summary>Creates and starts a server.</summary>
    public static async Task<KubernetesApiTestServer> StartNewAsync(KubernetesApiTestServerOptions? options = null, CancellationToken cancellationToken = default)
    {
        var server = new KubernetesApiTestServer(options);
        try
        {
            await server.StartAsync(cancellationToken).ConfigureAwait(false);
            return server;
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Starts listening on 127.0.0.1 with a port the system picks.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await _lifecycle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_stopping.IsCancellationRequested || _disposed != 0, this);
            if (_app is not null)
            {
                throw new InvalidOperationException("The server is already started.");
            }

            var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
            {
                Args = [],
                ContentRootPath = AppContext.BaseDirectory,
                ApplicationName = typeof(KubernetesApiTestServer).Assembly.GetName().Name,
            });
            builder.Logging.ClearProviders();

            // Embedded in someone else's process: Ctrl+C and SIGTERM stay theirs (a console lifetime would take them).
            builder.Services.AddSingleton<IHostLifetime, EmbeddedLifetime>();

            // An explicit endpoint: ASPNETCORE_URLS and friends in the environment cannot move it off loopback.
            builder.WebHost.ConfigureKestrel(kestrel =>
            {
                kestrel.AddServerHeader = false;
                kestrel.Listen(IPAddress.Loopback, 0);
            });
            var app = builder.Build();
            app.Run(HandleAsync);
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
            _baseAddress = new Uri(address.EndsWith('/') ? address : address + "/");
            _app = app;
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>Ends open watches and stops listening for good (a stopped server does not start again). The store keeps its objects.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        await _lifecycle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_app is null)
            {
                return;
            }

            // Watches run until told otherwise; end them first so shutdown does not wait for them.
            await _stopping.CancelAsync().ConfigureAwait(false);
            await _app.StopAsync(cancellationToken).ConfigureAwait(false);
            await _app.DisposeAsync().ConfigureAwait(false);
            _app = null;
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>A KubernetesClient configuration that talks to this server.</summary>
    public KubernetesClientConfiguration CreateClientConfiguration(string @namespace = "default") =>
        new() { Host = BaseAddress.AbsoluteUri, Namespace = @namespace };

    /// <summary>
    /// Writes a kubeconfig file whose current context points at this server (plain HTTP on loopback,
    /// no user: KubernetesClient refuses a user entry without credentials, kubectl needs none), for
    /// kubectl or <see cref="KubernetesClientConfiguration"/>. Returns <paramref name="path"/>.
    /// </summary>
    public string WriteKubeconfig(string path, string @namespace = "default")
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentException.ThrowIfNullOrEmpty(@namespace);
        var server = BaseAddress.AbsoluteUri.TrimEnd('/');
        var text = new StringBuilder()
            .AppendLine("apiVersion: v1")
            .AppendLine("kind: Config")
            .AppendLine("clusters:")
            .AppendLine("- name: sposdk-test")
            .AppendLine("  cluster:")
            .AppendLine("    server: " + server)
            .AppendLine("contexts:")
            .AppendLine("- name: sposdk-test")
            .AppendLine("  context:")
            .AppendLine("    cluster: sposdk-test")
            .AppendLine("    namespace: \"" + @namespace + "\"")
            .AppendLine("current-context: sposdk-test")
            .AppendLine("users: []")
            .AppendLine("preferences: {}")
            .ToString();
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        File.WriteAllText(path, text);
        return path;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await StopAsync().ConfigureAwait(false);
        _stopping.Dispose();
        _lifecycle.Dispose();
    }

    private async Task HandleAsync(HttpContext context)
    {
        // Recorded when the answer starts, so a watch shows up while it is still open.
        context.Response.OnStarting(() =>
        {
            Record(context);
            return Task.CompletedTask;
        });
        try
        {
            await RouteAsync(context).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            // The client went away or the server is stopping.
        }
        finally
        {
            if (!context.Response.HasStarted)
            {
                Record(context);
            }
        }
    }

    private async Task RouteAsync(HttpContext context)
    {
        var segments = (context.Request.Path.Value ?? "/").Split('/', StringSplitOptions.RemoveEmptyEntries);
        var ct = context.RequestAborted;
        if (AccessReviewEndpoints.Matches(segments))
        {
            await AccessReviewEndpoints.HandleAsync(context, segments, _options.AccessReviews, _options.MaxRequestBodyBytes).ConfigureAwait(false);
            return;
        }

        if (segments is ["api", "v1", _, ..])
        {
            await _endpoints.HandleAsync(context, string.Empty, "v1", new ArraySegment<string>(segments, 2, segments.Length - 2)).ConfigureAwait(false);
            return;
        }

        if (segments is ["apis", var group, var version, _, ..] && _catalog.HasGroupVersion(group, version))
        {
            await _endpoints.HandleAsync(context, group, version, new ArraySegment<string>(segments, 3, segments.Length - 3)).ConfigureAwait(false);
            return;
        }

        var get = HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method);
        System.Text.Json.Nodes.JsonObject? document = segments switch
        {
            ["api"] => Discovery.CoreVersions(BaseAddress.Authority),
            ["api", "v1"] => _discovery.Resources(string.Empty, "v1"),
            ["apis"] => _discovery.GroupList(),
            ["apis", var name] => _discovery.Group(name),
            ["apis", var name, var served] when _catalog.HasGroupVersion(name, served) => _discovery.Resources(name, served),
            ["version"] => _discovery.Version(),
            _ => null,
        };
        if (document is not null)
        {
            await (get
                ? ResourceEndpoints.WriteJsonAsync(context.Response, 200, document, ct)
                : WriteErrorAsync(context, ApiError.MethodNotAllowed())).ConfigureAwait(false);
            return;
        }

        if (segments is ["openapi", "v2"] or ["swagger-2.0.0.pb-v1"] && get)
        {
            // An empty schema document: kubectl apply then validates nothing client-side and uses
            // merge patches for custom resources, as it does against a server without schemas.
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";
            context.Response.ContentLength = 0;
            return;
        }

        if (segments is [var health] && HealthPaths.Contains(health) && get)
        {
            context.Response.StatusCode = 200;
            context.Response.ContentType = "text/plain";
            await context.Response.WriteAsync("ok", ct).ConfigureAwait(false);
            return;
        }

        await WriteErrorAsync(context, ApiError.NoRoute()).ConfigureAwait(false);
    }

    private static Task WriteErrorAsync(HttpContext context, ApiError error) =>
        ResourceEndpoints.WriteJsonAsync(context.Response, error.Code, ApiStatus.From(error, null, null), context.RequestAborted);

    private void Record(HttpContext context)
    {
        if (_options.RequestLogCapacity == 0 || !context.Items.TryAdd(typeof(RecordedRequest), null))
        {
            return;
        }

        var request = context.Request;
        _requests.Enqueue(new RecordedRequest(
            request.Method,
            request.Path.Value + request.QueryString.Value,
            request.Headers.Accept.Count > 0 ? request.Headers.Accept.ToString() : null,
            request.ContentType,
            context.Response.StatusCode));
        while (_requests.Count > _options.RequestLogCapacity && _requests.TryDequeue(out _))
        {
        }
    }

    private sealed class EmbeddedLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
