using SpoSdk.Api.Conversion;
using SpoSdk.Api.Serialization;
using SpoSdk.Runtime.Backends;
using SpoSdk.Runtime.Backends.InMemory;
using SpoSdk.Runtime.Backends.Kubernetes;
using SpoSdk.Samples;
using SpoSdk.Testing;

namespace HostedOperatorSample;

/// <summary>
/// The cluster the operator runs against: the embedded in-memory one (optionally with its Kubernetes
/// API served on 127.0.0.1 over the same store), a kubeconfig's, or the one this pod runs in.
/// </summary>
public sealed class OperatorCluster : IAsyncDisposable
{
    private readonly IDisposable? _ownedBackend;
    private readonly KubernetesApiTestServer? _apiServer;

    private OperatorCluster(IClusterBackend backend, string description, IDisposable? ownedBackend, KubernetesApiTestServer? apiServer)
    {
        Backend = backend;
        Description = description;
        _ownedBackend = ownedBackend;
        _apiServer = apiServer;
    }

    /// <summary>The backend the operator uses.</summary>
    public IClusterBackend Backend { get; }

    /// <summary>One line saying which cluster this is.</summary>
    public string Description { get; }

    /// <summary>Whether this is the embedded in-memory cluster.</summary>
    public bool IsEmbedded => _ownedBackend is null;

    /// <summary>Connects as <paramref name="options"/> say; a kubeconfig that cannot be used throws with one clear message.</summary>
    public static async Task<OperatorCluster> ConnectAsync(HostedOperatorOptions options, CancellationToken cancellationToken)
    {
        if (options.Kubeconfig is { } kubeconfig)
        {
            var backend = KubeconfigBackend.Open(kubeconfig);
            return new OperatorCluster(backend, "kubeconfig " + kubeconfig + " (" + backend.Client.BaseUri + ")", backend, null);
        }

        if (options.InCluster)
        {
            var backend = KubernetesBackend.InCluster();
            return new OperatorCluster(backend, "in-cluster (" + backend.Client.BaseUri + ")", backend, null);
        }

        var store = new InMemoryObjectStore();
        var admission = new ObjectAdmission(SpoConverter.Default, SpoKindRegistry.Default);
        var embedded = new InMemoryBackend(store, admission);
        if (options.ServeApiKubeconfig is not { } serveApi)
        {
            return new OperatorCluster(embedded, "embedded in-memory cluster", null, null);
        }

        // One store behind both: what kubectl writes through the API the operator sees at once, and back.
        var server = await KubernetesApiTestServer.StartNewAsync(new KubernetesApiTestServerOptions { Store = store, Admission = admission }, cancellationToken).ConfigureAwait(false);
        server.WriteKubeconfig(serveApi);
        return new OperatorCluster(embedded, "embedded in-memory cluster, Kubernetes API at " + server.BaseAddress + " (kubeconfig " + serveApi + ")", null, server);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _ownedBackend?.Dispose();
        if (_apiServer is not null)
        {
            await _apiServer.DisposeAsync().ConfigureAwait(false);
        }
    }
}
