using SpoSdk.Api.V1;
using SpoSdk.Runtime;

namespace SpoSdk.Admission.State;

/// <summary>What a binding needs to know about the profile it names.</summary>
/// <param name="Kind">The profile's kind.</param>
/// <param name="Name">The profile's name.</param>
/// <param name="HasStatus">
/// Whether the operator has initialised <c>status.status</c>; upstream refuses to bind a profile
/// before that, because its usage fields are not known yet.
/// </param>
/// <param name="LocalhostProfile">SeccompProfile <c>status.localhostProfile</c>, if set.</param>
/// <param name="SelinuxUsage">SelinuxProfile <c>status.usage</c>, if set.</param>
public sealed record BindableProfile(ProfileBindingProfileKind Kind, string Name, bool HasStatus, string? LocalhostProfile = null, string? SelinuxUsage = null);

/// <summary>
/// The reads the pod webhooks make. Implementations answer from a cache (see
/// <see cref="ClusterAdmissionState"/>) so admission does not cost an API round trip per binding.
/// </summary>
public interface IAdmissionLookups
{
    /// <summary>
    /// The ProfileBindings of a namespace, ordered by name. The objects may be shared snapshots:
    /// callers must not change them.
    /// </summary>
    ValueTask<IReadOnlyList<ProfileBinding>> ListProfileBindingsAsync(string @namespace, CancellationToken cancellationToken);

    /// <summary>The ProfileRecordings of a namespace, ordered by name; shared snapshots as above.</summary>
    ValueTask<IReadOnlyList<ProfileRecording>> ListProfileRecordingsAsync(string @namespace, CancellationToken cancellationToken);

    /// <summary>The profile a binding names, or null when no such profile exists.</summary>
    ValueTask<BindableProfile?> GetProfileAsync(ProfileBindingProfileKind kind, string name, CancellationToken cancellationToken);

    /// <summary>
    /// Whether a pod other than <paramref name="excludingName"/> that was created from
    /// <paramref name="generateName"/> still exists and is not being deleted. Decides whether a
    /// <c>generateName</c> workload entry may go when one of its pods is deleted.
    /// </summary>
    ValueTask<bool> HasOtherLivePodsAsync(string @namespace, string generateName, string excludingName, CancellationToken cancellationToken);

    /// <summary>A namespace's labels, or null when the namespace does not exist.</summary>
    ValueTask<IReadOnlyDictionary<string, string>?> GetNamespaceLabelsAsync(string @namespace, CancellationToken cancellationToken);
}

/// <summary>The objects that track the pods they apply to.</summary>
public enum WorkloadOwnerKind
{
    /// <summary>A ProfileBinding: <c>status.activeWorkloads</c> holds <c>namespace/pod</c>, finalizer <c>active-workload-lock</c>.</summary>
    ProfileBinding,

    /// <summary>A ProfileRecording: <c>status.activeWorkloads</c> holds the pod name, finalizer <c>active-seccomp-profile-recording-lock</c>.</summary>
    ProfileRecording,
}

/// <summary>
/// Where the pod webhooks write their bookkeeping: the owner's <c>status.activeWorkloads</c> and its
/// lock finalizer. Implementations read the owner fresh, write only when something changes, and
/// retry on conflicts; an owner that no longer exists is not an error.
/// </summary>
public interface IWorkloadBookkeeping
{
    /// <summary>Adds <paramref name="workload"/> to the owner's active workloads and makes sure it carries its lock finalizer.</summary>
    ValueTask AddWorkloadAsync(WorkloadOwnerKind kind, ObjectKey owner, string workload, CancellationToken cancellationToken);

    /// <summary>
    /// Removes those of <paramref name="workloads"/> the owner lists; drops the lock finalizer once
    /// the list is empty. Writes nothing when none is listed.
    /// </summary>
    ValueTask RemoveWorkloadsAsync(WorkloadOwnerKind kind, ObjectKey owner, IReadOnlyCollection<string> workloads, CancellationToken cancellationToken);

    /// <summary>Reports a warning about the owner (a Kubernetes Event); best effort, never throws.</summary>
    ValueTask WarnAsync(WorkloadOwnerKind kind, ObjectKey owner, string reason, string message, CancellationToken cancellationToken);
}
