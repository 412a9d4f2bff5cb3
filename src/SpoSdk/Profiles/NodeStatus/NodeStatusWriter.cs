using k8s;
using k8s.Models;
using SpoSdk.Api.Naming;
using SpoSdk.Api.V1;
using SpoSdk.Runtime;
using SpoSdk.Runtime.Backends;
using SpoSdk.Runtime.Controllers;

namespace SpoSdk.Profiles.NodeStatus;

/// <summary>
/// Keeps one node's SecurityProfileNodeStatus objects: named <c>profile-node</c>, owned by the
/// profile (controller reference), labelled with profile id, node, state and kind, and written only
/// when something changes.
/// </summary>
public sealed class NodeStatusWriter
{
    private readonly IResourceClient<SecurityProfileNodeStatus> _statuses;
    private readonly Runtime.Informers.Informer<SecurityProfileNodeStatus>? _cache;
    private readonly Action<string>? _writeFailed;

    /// <summary>Creates the writer for <paramref name="nodeName"/>.</summary>
    /// <param name="backend">Where status objects are written.</param>
    /// <param name="nodeName">The node.</param>
    /// <param name="cache">An informer to check first, so an unchanged state costs no API call.</param>
    /// <param name="writeFailed">
    /// Told the profile's name when writing or deleting its status object fails (upstream's
    /// <c>CannotUpdateNodeStatus</c>); the failure still propagates, so the reconcile is retried with backoff.
    /// </param>
    public NodeStatusWriter(IClusterBackend backend, string nodeName, Runtime.Informers.Informer<SecurityProfileNodeStatus>? cache = null, Action<string>? writeFailed = null)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentException.ThrowIfNullOrEmpty(nodeName);
        _statuses = backend.Resource<SecurityProfileNodeStatus>();
        _cache = cache;
        _writeFailed = writeFailed;
        NodeName = nodeName;
    }

    /// <summary>The node.</summary>
    public string NodeName { get; }

    /// <summary>The status object's key for a profile on this node: upstream's <c>&lt;profile&gt;-&lt;node&gt;</c>.</summary>
    public ObjectKey KeyFor(string kind, string profileName) => ObjectKey.Cluster(ProfileNames.NodeStatusName(kind, profileName, NodeName));

    /// <summary>
    /// The key used when <see cref="KeyFor"/> is taken by a profile of another kind with the same name
    /// (upstream's names are not kind-qualified, so a SelinuxProfile and a RawSelinuxProfile named
    /// alike would share one status object): <c>&lt;kind&gt;-&lt;profile&gt;-&lt;node&gt;</c> in lower case.
    /// </summary>
    public ObjectKey KindQualifiedKeyFor(string kind, string profileName) =>
        ObjectKey.Cluster(ProfileNames.NodeStatusName(kind, ProfileNames.ProfileId(kind, profileName).ToLowerInvariant(), NodeName));

    /// <summary>
    /// The first steps of taking a deleted profile off this node, shared by every node reconciler: nothing
    /// to do unless the profile holds a finalizer of this node (<see cref="NodeFinalizers.Holds"/>); otherwise
    /// the node status says Terminating, and while pods still run with the profile it stays.
    /// </summary>
    /// <returns>What the reconcile returns now (<paramref name="retryLater"/> while in use), or null to go on removing it.</returns>
    public async Task<ReconcileResult?> BeginRemovalAsync(IKubernetesObject<V1ObjectMeta> profile, TimeSpan retryLater, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(profile);
        if (!NodeFinalizers.Holds(profile, NodeName))
        {
            return ReconcileResult.Done;
        }

        if (await GetStatusAsync(profile.Kind, profile.Metadata.Name, cancellationToken).ConfigureAwait(false) is { Status.Status: { } state } status
            && state != SecurityProfileNodeState.Terminating)
        {
            // The file is still this profile's until it is removed: the claim must survive a restart in between, or
            // the removal would be skipped and another profile could take the file while pods still use it.
            var ownedFile = status.Metadata.Annotation(NodeFileClaims.NodeFileAnnotation);
            await SetStateAsync(profile, SecurityProfileNodeState.Terminating, ownedFile, cancellationToken).ConfigureAwait(false);
        }

        return Finalizers.Contains(profile, SpoFinalizers.InUseByActivePods) ? ReconcileResult.After(retryLater) : null;
    }

    /// <summary>The current state on this node, or null when there is no status object.</summary>
    public async Task<SecurityProfileNodeState?> GetStateAsync(string kind, string profileName, CancellationToken cancellationToken) =>
        (await GetStatusAsync(kind, profileName, cancellationToken).ConfigureAwait(false))?.Status?.Status;

    private async Task<SecurityProfileNodeStatus?> GetStatusAsync(string kind, string profileName, CancellationToken cancellationToken)
    {
        var key = await ResolveKeyAsync(kind, profileName, cancellationToken).ConfigureAwait(false);
        return _cache?.Get(key) ?? await _statuses.GetAsync(key, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Whether the state on this node is <paramref name="state"/>. A cache that says otherwise is
    /// checked against the API, since it may not have seen this node's own last write yet.
    /// </summary>
    public async Task<bool> HasStateAsync(string kind, string profileName, SecurityProfileNodeState state, CancellationToken cancellationToken)
    {
        var key = await ResolveKeyAsync(kind, profileName, cancellationToken).ConfigureAwait(false);
        return _cache?.Get(key)?.Status?.Status == state || (await _statuses.GetAsync(key, cancellationToken).ConfigureAwait(false))?.Status?.Status == state;
    }

    /// <summary>Sets the state on this node, creating the status object when missing; writes nothing when it already holds.</summary>
    public Task SetStateAsync(IKubernetesObject<V1ObjectMeta> profile, SecurityProfileNodeState state, CancellationToken cancellationToken) =>
        SetStateAsync(profile, state, ownedFile: null, cancellationToken);

    /// <summary>
    /// Sets the state on this node and records the node file the profile owns here (annotation
    /// <see cref="NodeFileClaims.NodeFileAnnotation"/>; null removes it), so that ownership outlives
    /// the process; writes nothing when both already hold.
    /// </summary>
    public async Task SetStateAsync(IKubernetesObject<V1ObjectMeta> profile, SecurityProfileNodeState state, string? ownedFile, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(profile);
        try
        {
            await WriteStateAsync(profile, state, ownedFile, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsWriteFailure(ex, cancellationToken))
        {
            _writeFailed?.Invoke(profile.Metadata.Name);
            throw;
        }
    }

    /// <summary>Deletes this node's status object of a profile.</summary>
    public async Task<bool> DeleteAsync(string kind, string profileName, CancellationToken cancellationToken)
    {
        try
        {
            return await _statuses.DeleteAsync(await ResolveKeyAsync(kind, profileName, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsWriteFailure(ex, cancellationToken))
        {
            _writeFailed?.Invoke(profileName);
            throw;
        }
    }

    // Anything but the reconcile being cancelled: the API refused or could not be reached.
    private static bool IsWriteFailure(Exception ex, CancellationToken cancellationToken) =>
        !(ex is OperationCanceledException && cancellationToken.IsCancellationRequested);

    private async Task WriteStateAsync(IKubernetesObject<V1ObjectMeta> profile, SecurityProfileNodeState state, string? ownedFile, CancellationToken cancellationToken)
    {
        var key = await ResolveKeyAsync(profile.Kind, profile.Metadata.Name, cancellationToken).ConfigureAwait(false);
        if (_cache?.Get(key) is { } cached && cached.Status?.Status == state && cached.Metadata.Label(SpoLabels.ProfileState) == state.Value && cached.Metadata.Annotation(NodeFileClaims.NodeFileAnnotation) == ownedFile)
        {
            return;
        }

        var existing = await _statuses.GetAsync(key, cancellationToken).ConfigureAwait(false);
        if (existing is null)
        {
            var fresh = New(profile, key.Name, state);
            if (ownedFile is not null)
            {
                fresh.Metadata.Annotations = new Dictionary<string, string> { [NodeFileClaims.NodeFileAnnotation] = ownedFile };
            }

            var created = await _statuses.CreateAsync(fresh, cancellationToken).ConfigureAwait(false);
            created.Status = new SecurityProfileNodeStatusStatus { Status = state };
            await _statuses.UpdateStatusAsync(created, cancellationToken).ConfigureAwait(false);
            return;
        }

        await _statuses.UpdateWithRetryAsync(key, s => SetLabel(s, SpoLabels.ProfileState, state.Value!) | SetOwnedFile(s, ownedFile), cancellationToken).ConfigureAwait(false);
        await _statuses.UpdateStatusWithRetryAsync(
            key,
            s =>
            {
                if (s.Status?.Status == state)
                {
                    return false;
                }

                s.Status = new SecurityProfileNodeStatusStatus { Status = state };
                return true;
            },
            cancellationToken).ConfigureAwait(false);
    }

    // The profile's own status object: the kind-qualified one when it exists, else upstream's name
    // unless a profile of another kind holds it.
    private async Task<ObjectKey> ResolveKeyAsync(string kind, string profileName, CancellationToken cancellationToken)
    {
        var qualified = KindQualifiedKeyFor(kind, profileName);
        if (await FindAsync(qualified, cancellationToken).ConfigureAwait(false) is { } own && own.Metadata.Label(SpoLabels.ProfileKind) == kind)
        {
            return qualified;
        }

        var plain = KeyFor(kind, profileName);
        return await FindAsync(plain, cancellationToken).ConfigureAwait(false) is { } existing && existing.Metadata.Label(SpoLabels.ProfileKind) != kind ? qualified : plain;
    }

    private async Task<SecurityProfileNodeStatus?> FindAsync(ObjectKey key, CancellationToken cancellationToken) =>
        _cache?.Get(key) ?? await _statuses.GetAsync(key, cancellationToken).ConfigureAwait(false);

    private SecurityProfileNodeStatus New(IKubernetesObject<V1ObjectMeta> profile, string name, SecurityProfileNodeState state) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = name,
            Labels = new Dictionary<string, string>
            {
                [SpoLabels.ProfileId] = ProfileNames.ProfileId(profile.Kind, profile.Metadata.Name),
                [SpoLabels.NodeName] = NodeName,
                [SpoLabels.ProfileState] = state.Value!,
                [SpoLabels.ProfileKind] = profile.Kind,
            },
            OwnerReferences =
            [
                new V1OwnerReference
                {
                    ApiVersion = profile.ApiVersion,
                    Kind = profile.Kind,
                    Name = profile.Metadata.Name,
                    Uid = profile.Metadata.Uid,
                    Controller = true,
                    BlockOwnerDeletion = true,
                },
            ],
        },
        Spec = new SecurityProfileNodeStatusSpec { NodeName = NodeName },
    };

    private static bool SetOwnedFile(SecurityProfileNodeStatus status, string? ownedFile)
    {
        if (status.Metadata.Annotation(NodeFileClaims.NodeFileAnnotation) == ownedFile)
        {
            return false;
        }

        status.Metadata.Annotations ??= new Dictionary<string, string>();
        if (ownedFile is null)
        {
            status.Metadata.Annotations.Remove(NodeFileClaims.NodeFileAnnotation);
        }
        else
        {
            status.Metadata.Annotations[NodeFileClaims.NodeFileAnnotation] = ownedFile;
        }

        return true;
    }

    private static bool SetLabel(SecurityProfileNodeStatus status, string key, string value)
    {
        status.Metadata.Labels ??= new Dictionary<string, string>();
        if (status.Metadata.Labels.TryGetValue(key, out var current) && current == value)
        {
            return false;
        }

        status.Metadata.Labels[key] = value;
        return true;
    }
}
