using k8s.Models;
using SpoSdk.Api.Conversion;
using SpoSdk.Api.Serialization;
using SpoSdk.Runtime;
using SpoSdk.Runtime.Backends;

namespace SpoSdk.Tests.Hosting;

/// <summary>
/// A CRD install that fails with a cancellation that is not the stop (HttpClient.Timeout surfaces as a
/// TaskCanceledException) is logged like any failure: without leader election there is only one manager term.
/// </summary>
public sealed class CrdInstallFailureTests
{
    [Fact]
    public async Task A_timed_out_CRD_install_does_not_kill_the_manager_role()
    {
        var inner = new SpoSdk.Runtime.Backends.InMemory.InMemoryBackend(new SpoSdk.Runtime.Backends.InMemory.InMemoryObjectStore(), new ObjectAdmission(SpoConverter.Default, SpoKindRegistry.Default));
        await using var host = await OperatorHost.StartAsync((spo, root) => spo
            .UseBackend(_ => new TimingOutCrdBackend(inner))
            .WithNodeName("node-a").WithNodeRoot(root).WithExpectedNodes("node-a")
            .AddSeccomp().InstallCrds().WithoutLeaderElection());

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (host.Operator.ManagerTerms == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.Equal(1, host.Operator.ManagerTerms);
    }

    private sealed class TimingOutCrdBackend(IClusterBackend inner) : IClusterBackend
    {
        public IResourceClient<T> Resource<T>()
            where T : class, k8s.IKubernetesObject<V1ObjectMeta> =>
            typeof(T) == typeof(V1CustomResourceDefinition) ? new TimingOut<T>(inner.Resource<T>()) : inner.Resource<T>();
    }

    private sealed class TimingOut<T>(IResourceClient<T> inner) : IResourceClient<T>
        where T : class, k8s.IKubernetesObject<V1ObjectMeta>
    {
        public ResourceType Type => inner.Type;

        public Task<T?> GetAsync(ObjectKey key, CancellationToken cancellationToken = default) => inner.GetAsync(key, cancellationToken);

        public Task<ResourceList<T>> ListAsync(string? @namespace = null, ListOptions? options = null, CancellationToken cancellationToken = default) => inner.ListAsync(@namespace, options, cancellationToken);

        public Task<T> CreateAsync(T obj, CancellationToken cancellationToken = default) => inner.CreateAsync(obj, cancellationToken);

        public Task<T> UpdateAsync(T obj, CancellationToken cancellationToken = default) => inner.UpdateAsync(obj, cancellationToken);

        public Task<T> UpdateStatusAsync(T obj, CancellationToken cancellationToken = default) => inner.UpdateStatusAsync(obj, cancellationToken);

        public Task<T> ApplyAsync(T obj, ApplyOptions options, CancellationToken cancellationToken = default) =>
            Task.FromException<T>(new TaskCanceledException("The request was canceled due to the configured HttpClient.Timeout of 100 seconds elapsing.", new TimeoutException()));

        public Task<bool> DeleteAsync(ObjectKey key, CancellationToken cancellationToken = default) => inner.DeleteAsync(key, cancellationToken);

        public IAsyncEnumerable<WatchEvent<T>> WatchAsync(string? @namespace, string resourceVersion, CancellationToken cancellationToken = default) => inner.WatchAsync(@namespace, resourceVersion, cancellationToken);
    }
}
