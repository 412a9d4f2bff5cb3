using k8s.Models;
using SpoSdk.Runtime;
using SpoSdk.Runtime.Backends;
using SpoSdk.Runtime.Leader;

namespace SpoSdk.Tests.Runtime.Leader;

/// <summary>A backend whose updates of the leader Lease fail while <see cref="FailUpdates"/> is set, as when the API server is unreachable for one instance.</summary>
internal sealed class FailingLeaseBackend(IClusterBackend inner) : IClusterBackend
{
    private volatile bool _failUpdates;
    private int _failed;

    public bool FailUpdates
    {
        get => _failUpdates;
        set => _failUpdates = value;
    }

    /// <summary>How many updates have failed so far.</summary>
    public int FailedUpdates => Volatile.Read(ref _failed);

    public IResourceClient<T> Resource<T>()
        where T : class, k8s.IKubernetesObject<V1ObjectMeta> =>
        typeof(T) == typeof(V1Lease) ? (IResourceClient<T>)(object)new FailingLeases(this, inner.Resource<V1Lease>()) : inner.Resource<T>();

    private Task<V1Lease> Fail()
    {
        Interlocked.Increment(ref _failed);
        throw new HttpRequestException("connection refused");
    }

    private sealed class FailingLeases(FailingLeaseBackend owner, IResourceClient<V1Lease> leases) : IResourceClient<V1Lease>
    {
        public ResourceType Type => leases.Type;

        public Task<V1Lease?> GetAsync(ObjectKey key, CancellationToken cancellationToken = default) => leases.GetAsync(key, cancellationToken);

        public Task<ResourceList<V1Lease>> ListAsync(string? @namespace = null, ListOptions? options = null, CancellationToken cancellationToken = default) => leases.ListAsync(@namespace, options, cancellationToken);

        public Task<V1Lease> CreateAsync(V1Lease obj, CancellationToken cancellationToken = default) => leases.CreateAsync(obj, cancellationToken);

        public Task<V1Lease> UpdateAsync(V1Lease obj, CancellationToken cancellationToken = default) =>
            owner.FailUpdates && obj.Metadata?.Name == LeaderElectionOptions.DefaultLeaseName ? owner.Fail() : leases.UpdateAsync(obj, cancellationToken);

        public Task<V1Lease> UpdateStatusAsync(V1Lease obj, CancellationToken cancellationToken = default) => leases.UpdateStatusAsync(obj, cancellationToken);

        public Task<bool> DeleteAsync(ObjectKey key, CancellationToken cancellationToken = default) => leases.DeleteAsync(key, cancellationToken);

        public IAsyncEnumerable<WatchEvent<V1Lease>> WatchAsync(string? @namespace, string resourceVersion, CancellationToken cancellationToken = default) => leases.WatchAsync(@namespace, resourceVersion, cancellationToken);
    }
}
