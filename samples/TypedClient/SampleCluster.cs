using SpoSdk.Runtime.Backends;
using SpoSdk.Runtime.Backends.Kubernetes;
using SpoSdk.Samples;
using SpoSdk.Testing;

namespace TypedClientSample;

/// <summary>
/// Where the sample runs: a real cluster from a kubeconfig, or an in-process API server on 127.0.0.1.
/// Either way the typed clients go through the Kubernetes backend, over HTTP.
/// </summary>
internal sealed class SampleCluster : IAsyncDisposable
{
    private readonly KubernetesBackend _backend;
    private readonly KubernetesApiTestServer? _server;

    private SampleCluster(KubernetesBackend backend, KubernetesApiTestServer? server, string description)
    {
        _backend = backend;
        _server = server;
        Description = description;
    }

    /// <summary>The backend the clients use.</summary>
    public IClusterBackend Backend => _backend;

    /// <summary>One line saying which cluster this is.</summary>
    public string Description { get; }

    /// <summary>Connects to the kubeconfig's current context, or starts an in-process API server when it is null.</summary>
    public static async Task<SampleCluster> ConnectAsync(string? kubeconfig, CancellationToken cancellationToken)
    {
        if (kubeconfig is not null)
        {
            var backend = KubeconfigBackend.Open(kubeconfig);
            return new SampleCluster(backend, null, "kubeconfig " + kubeconfig + " (" + backend.Client.BaseUri + ")");
        }

        var server = await KubernetesApiTestServer.StartNewAsync(cancellationToken: cancellationToken);
        return new SampleCluster(KubernetesBackend.FromConfiguration(server.CreateClientConfiguration()), server, "in-process API server at " + server.BaseAddress);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _backend.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
