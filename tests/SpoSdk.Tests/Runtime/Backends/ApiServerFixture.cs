using SpoSdk.Runtime.Backends.InMemory;
using SpoSdk.Runtime.Backends.Kubernetes;
using SpoSdk.Testing;

namespace SpoSdk.Tests.Runtime.Backends;

/// <summary>One test API server per test class, with the contract's history and bookmark settings, and a Kubernetes backend talking to it.</summary>
public sealed class ApiServerFixture : IAsyncLifetime
{
    private KubernetesApiTestServer? _server;
    private KubernetesBackend? _backend;

    public KubernetesApiTestServer Server => _server ?? throw new InvalidOperationException("not started");

    public KubernetesBackend Backend => _backend ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync()
    {
        _server = await KubernetesApiTestServer.StartNewAsync(new KubernetesApiTestServerOptions
        {
            Store = new InMemoryObjectStore(new InMemoryStoreOptions { WatchHistory = ResourceClientContract.WatchHistory }),
            BookmarkInterval = ResourceClientContract.BookmarkInterval,
        });
        _backend = KubernetesBackend.FromConfiguration(_server.CreateClientConfiguration());
    }

    public async Task DisposeAsync()
    {
        _backend?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
