using k8s;
using k8s.Models;
using SpoSdk.Api.Naming;
using SpoSdk.Runtime;
using SpoSdk.Runtime.Backends;

namespace SpoSdk.Profiles.NodeStatus;

/// <summary>
/// A node's hold on a profile (runtime.md §1.5): its finalizer <c>&lt;node&gt;-deleted</c> (the
/// partial-profile finalizer for partial profiles) and the <c>profile-id</c> label, put on before
/// anything is written to the node so that a deletion always comes back to clean up.
/// </summary>
public static class NodeFinalizers
{
    /// <summary>The finalizer this node puts on <paramref name="profile"/>.</summary>
    public static string For(IKubernetesObject<V1ObjectMeta> profile, string nodeName)
    {
        ArgumentNullException.ThrowIfNull(profile);
        return profile.Metadata.Labels?.ContainsKey(SpoLabels.Partial) == true ? SpoFinalizers.PartialProfile : ProfileNames.NodeFinalizer(nodeName);
    }

    /// <summary>
    /// Whether <paramref name="profile"/> holds a finalizer of this node, so that its deletion needs this node to clean
    /// up: the partial-profile finalizer, the node's own, or upstream's cut form of it
    /// (<see cref="ProfileNames.UpstreamNodeFinalizer"/>, from upstream's operator or an earlier version, which the node
    /// may share with other nodes).
    /// </summary>
    public static bool Holds(IKubernetesObject<V1ObjectMeta> profile, string nodeName)
    {
        ArgumentNullException.ThrowIfNull(profile);
        return Finalizers.Contains(profile, SpoFinalizers.PartialProfile)
            || Finalizers.Contains(profile, ProfileNames.NodeFinalizer(nodeName))
            || Finalizers.Contains(profile, ProfileNames.UpstreamNodeFinalizer(nodeName));
    }

    /// <summary>
    /// The finalizers on <paramref name="profile"/> this node removes once it has cleaned up a deleted profile: the
    /// partial-profile finalizer when there is one, else the node's own; empty when the profile holds neither.
    /// Upstream's cut form of a long node name is never among them, as nodes whose names share their first 55
    /// characters share it, and a node that is still an earlier version (or has not cleaned up since it restarted) may
    /// need it: <see cref="ProfileStatusAggregator{TProfile}"/> removes it once no status of such a node remains. For a
    /// name of 55 characters or fewer upstream's form is the node's own.
    /// </summary>
    public static IReadOnlyList<string> ForDeletion(IKubernetesObject<V1ObjectMeta> profile, string nodeName)
    {
        ArgumentNullException.ThrowIfNull(profile);
        if (Finalizers.Contains(profile, SpoFinalizers.PartialProfile))
        {
            return [SpoFinalizers.PartialProfile];
        }

        var own = ProfileNames.NodeFinalizer(nodeName);
        return Finalizers.Contains(profile, own) ? [own] : [];
    }

    /// <summary>Removes <see cref="ForDeletion"/>'s finalizers of this node from the profile; returns the current object (null when it is gone).</summary>
    public static Task<T?> RemoveAsync<T>(IResourceClient<T> client, T profile, string nodeName, CancellationToken cancellationToken)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        ArgumentNullException.ThrowIfNull(client);
        var finalizers = ForDeletion(profile, nodeName);
        return client.UpdateWithRetryAsync(ObjectKey.Of(profile), p => finalizers.Aggregate(false, (changed, f) => Finalizers.Remove(p, f) | changed), cancellationToken);
    }

    /// <summary>
    /// Adds the finalizer and the profile-id label unless both are there; returns the current object (null when it is gone).
    /// A profile found being deleted is returned unchanged (the API server refuses new finalizers on it): callers check
    /// the returned object's deletionTimestamp.
    /// </summary>
    public static Task<T?> EnsureAsync<T>(IResourceClient<T> client, T profile, string nodeName, CancellationToken cancellationToken)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(profile);
        var finalizer = For(profile, nodeName);
        var id = ProfileNames.ProfileId(profile.Kind, profile.Metadata.Name);
        if (Finalizers.Contains(profile, finalizer) && profile.Metadata.Label(SpoLabels.ProfileId) == id)
        {
            return Task.FromResult<T?>(profile);
        }

        return client.UpdateWithRetryAsync(ObjectKey.Of(profile), p =>
        {
            if (p.Metadata.DeletionTimestamp is not null)
            {
                // Deleted since the cache was read: too late to hold it.
                return false;
            }

            var changed = Finalizers.Add(p, finalizer);
            p.Metadata.Labels ??= new Dictionary<string, string>();
            if (p.Metadata.Label(SpoLabels.ProfileId) != id)
            {
                p.Metadata.Labels[SpoLabels.ProfileId] = id;
                changed = true;
            }

            return changed;
        }, cancellationToken);
    }
}
