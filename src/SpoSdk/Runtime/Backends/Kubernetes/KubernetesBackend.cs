using System.Collections.Concurrent;
using k8s;
using k8s.Models;

namespace SpoSdk.Runtime.Backends.Kubernetes;

/// <summary>
/// Objects on a Kubernetes API server, through KubernetesClient's connection (kubeconfig or
/// in-cluster configuration: TLS, certificates, tokens, exec plugins). SPO kinds of every served
/// version and the core kinds go through one typed path: SpoSdk's own JSON options (never the
/// client's process-wide ones), the status subresource, paged lists, and a watch that reconnects
/// from the last version it saw, reports bookmarks and ends with <see cref="ResourceGoneException"/>
/// on 410. Every API error surfaces as a <see cref="ResourceException"/>.
/// </summary>
/// <remarks>
/// Requests are built here and sent through <see cref="k8s.Kubernetes.HttpClient"/> with
/// <see cref="k8s.Kubernetes.Credentials"/> applied, rather than through the generated
/// <c>CustomObjects</c> operations: those (de)serialize through the client's global JSON options,
/// hand back untyped objects, throw HttpOperationException, and have no typed watch that is not obsolete.
/// </remarks>
public sealed class KubernetesBackend : IClusterBackend, IDisposable
{
    private readonly ConcurrentDictionary<Type, object> _clients = new();
    private readonly KubernetesApiConnection _connection;
    private readonly KubernetesBackendOptions _options;
    private readonly bool _ownsClient;

    /// <summary>Creates a backend over a client the caller keeps owning (and disposes).</summary>
    public KubernetesBackend(k8s.Kubernetes client, KubernetesBackendOptions? options = null)
        : this(client, options, ownsClient: false, http2Allowed: true)
    {
    }

    private KubernetesBackend(k8s.Kubernetes client, KubernetesBackendOptions? options, bool ownsClient, bool http2Allowed)
    {
        ArgumentNullException.ThrowIfNull(client);
        _options = options ?? new KubernetesBackendOptions();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(_options.PageSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(_options.MaxWatchEventBytes);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(_options.MaxErrorBodyBytes);
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.WatchTimeout, TimeSpan.FromSeconds(1));
        Client = client;
        _connection = new KubernetesApiConnection(client, _options, _options.UseHttp2 && http2Allowed);
        _ownsClient = ownsClient;
    }

    /// <summary>The KubernetesClient connection this backend sends through.</summary>
    public k8s.Kubernetes Client { get; }

    /// <summary>A backend from a client configuration; the backend owns the client it creates.</summary>
    public static KubernetesBackend FromConfiguration(KubernetesClientConfiguration configuration, KubernetesBackendOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return new KubernetesBackend(new k8s.Kubernetes(configuration), options, ownsClient: true, http2Allowed: !configuration.DisableHttp2);
    }

    /// <summary>A backend from a kubeconfig file, in its current context or <paramref name="context"/>.</summary>
    public static KubernetesBackend FromKubeconfig(string path, string? context = null, KubernetesBackendOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return FromConfiguration(KubernetesClientConfiguration.BuildConfigFromConfigFile(path, context), options);
    }

    /// <summary>A backend from the pod's service account (KUBERNETES_SERVICE_HOST and the mounted token).</summary>
    public static KubernetesBackend InCluster(KubernetesBackendOptions? options = null) =>
        FromConfiguration(KubernetesClientConfiguration.InClusterConfig(), options);

    /// <inheritdoc />
    public IResourceClient<T> Resource<T>()
        where T : class, IKubernetesObject<V1ObjectMeta> =>
        (IResourceClient<T>)_clients.GetOrAdd(typeof(T), _ => new KubernetesResourceClient<T>(_connection, _options));

    /// <summary>Disposes the client when this backend created it.</summary>
    public void Dispose()
    {
        if (_ownsClient)
        {
            Client.Dispose();
        }
    }
}
