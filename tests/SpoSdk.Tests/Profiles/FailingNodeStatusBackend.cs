using k8s;
using k8s.Models;
using SpoSdk.Api.V1;
using SpoSdk.Runtime;
using SpoSdk.Runtime.Backends;

namespace SpoSdk.Tests.Profiles;

/// <summary>
/// A backend whose writes of SecurityProfileNodeStatus objects fail while <see cref="FailWrites"/> is set, as when the
/// API server refuses or cannot be reached; everything else, and every read, goes through.
/// </summary>
internal sealed class FailingNodeStatusBackend(IClusterBackend inner) : IClusterBackend
{
    private volatile bool _failWrites = true;
    private int _failed;

    public bool FailWrites
    {
        get => _failWrites;
        set => _failWrites = value;
    }

    /// <summary>How many writes have failed so far.</summary>
    public int FailedWrites => Volatile.Read(ref _failed);

    public IResourceClient<T> Resource<T>()
        where T : class, IKubernetesObject<V1ObjectMeta> =>
        typeof(T) == typeof(SecurityProfileNodeStatus) ? (IResourceClient<T>)(object)new Statuses(this, inner.Resource<SecurityProfileNodeStatus>()) : inner.Resource<T>();

    private Task<TResult> Write<TResult>(Func<Task<TResult>> write)
    {
        if (!FailWrites)
        {
            return write();
        }

        Interlocked.Increment(ref _failed);
        throw new HttpRequestException("connection refused");
    }

    private sealed class Statuses(FailingNodeStatusBackend owner, IResourceClient<SecurityProfileNodeStatus> statuses) : IResourceClient<SecurityProfileNodeStatus>
    {
        public ResourceType Type => statuses.Type;

        public Task<SecurityProfileNodeStatus?> GetAsync(ObjectKey key, CancellationToken cancellationToken = default) => statuses.GetAsync(key, cancellationToken);

        public Task<ResourceList<SecurityProfileNodeStatus>> ListAsync(string? @namespace = null, ListOptions? options = null, CancellationToken cancellationToken = default) =>
            statuses.ListAsync(@namespace, options, cancellationToken);

        public Task<SecurityProfileNodeStatus> CreateAsync(SecurityProfileNodeStatus obj, CancellationToken cancellationToken = default) =>
            owner.Write(() => statuses.CreateAsync(obj, cancellationToken));

        public Task<SecurityProfileNodeStatus> UpdateAsync(SecurityProfileNodeStatus obj, CancellationToken cancellationToken = default) =>
            owner.Write(() => statuses.UpdateAsync(obj, cancellationToken));

        public Task<SecurityProfileNodeStatus> UpdateStatusAsync(SecurityProfileNodeStatus obj, CancellationToken cancellationToken = default) =>
            owner.Write(() => statuses.UpdateStatusAsync(obj, cancellationToken));

        public Task<bool> DeleteAsync(ObjectKey key, CancellationToken cancellationToken = default) => owner.Write(() => statuses.DeleteAsync(key, cancellationToken));

        public IAsyncEnumerable<WatchEvent<SecurityProfileNodeStatus>> WatchAsync(string? @namespace, string resourceVersion, CancellationToken cancellationToken = default) =>
            statuses.WatchAsync(@namespace, resourceVersion, cancellationToken);
    }
}
