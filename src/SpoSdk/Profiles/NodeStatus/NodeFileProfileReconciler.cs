using System.Text;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SpoSdk.Api.Naming;
using SpoSdk.Api.V1;
using SpoSdk.Audit.Metrics;
using SpoSdk.Node;
using SpoSdk.Node.Files;
using SpoSdk.Runtime;
using SpoSdk.Runtime.Backends;
using SpoSdk.Runtime.Controllers;
using SpoSdk.Runtime.Events;
using SpoSdk.Runtime.Informers;
using SpoSdk.Translators;

namespace SpoSdk.Profiles.NodeStatus;

/// <summary>What a node reconciler tells a user who wrote a profile the node will not install.</summary>
/// <param name="Reason">The event reason.</param>
/// <param name="Message">The event message: one line naming the object and what to change.</param>
public sealed record ProfileRefusal(string Reason, string Message);

/// <summary>
/// The node side shared by the profile kinds that become one file on the node and something the
/// kernel loads from it (SelinuxProfile, RawSelinuxProfile, AppArmorProfile): this node's finalizer
/// and status object, the SPOD gate, translation, a claim on the file (<see cref="NodeFileClaims"/>:
/// a file owned by another object is never overwritten), an atomic write only when the content
/// changed, then the kind's install step. An unchanged, installed profile costs no write at all.
/// </summary>
/// <typeparam name="TProfile">The profile kind.</typeparam>
public abstract class NodeFileProfileReconciler<TProfile> : IReconciler<TProfile>
    where TProfile : class, IKubernetesObject<V1ObjectMeta>
{
    /// <summary>How long to wait before asking again about an install in progress or a missing reference.</summary>
    protected static readonly TimeSpan RetryLater = TimeSpan.FromSeconds(10);

    private readonly Informer<TProfile> _profiles;
    private readonly Informer<SecurityProfilesOperatorDaemon>? _spod;
    private readonly IResourceClient<TProfile> _client;
    private readonly NodeFileClaims _claims;
    private readonly NodeStatusWriter _status;
    private readonly IEventRecorder _events;
    private readonly INodeProfileInstaller _installer;
    private readonly ILogger _logger;
    private readonly NodeProfileMetrics? _metrics;

    /// <summary>Creates the reconciler.</summary>
    /// <param name="backend">The cluster.</param>
    /// <param name="profiles">The profiles of this kind.</param>
    /// <param name="spod">The operator's SPOD (read for the gate and options); null when there is none.</param>
    /// <param name="statuses">The node statuses, to skip unchanged status writes.</param>
    /// <param name="files">The node's files.</param>
    /// <param name="node">This node.</param>
    /// <param name="claims">The node's file ownership, shared with the other kinds' reconcilers.</param>
    /// <param name="installer">Makes the kernel take the written file.</param>
    /// <param name="events">Where events go.</param>
    /// <param name="logger">The log.</param>
    /// <param name="metrics">The kind's SPO counters (installs, removals, errors); null counts nothing.</param>
    protected NodeFileProfileReconciler(
        IClusterBackend backend,
        Informer<TProfile> profiles,
        Informer<SecurityProfilesOperatorDaemon>? spod,
        Informer<SecurityProfileNodeStatus>? statuses,
        INodeFileSystem files,
        NodeOptions node,
        NodeFileClaims claims,
        INodeProfileInstaller installer,
        IEventRecorder events,
        ILogger? logger,
        NodeProfileMetrics? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(installer);
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(profiles);
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(claims);
        ArgumentNullException.ThrowIfNull(events);
        _profiles = profiles;
        _spod = spod;
        _client = backend.Resource<TProfile>();
        Files = files;
        Node = node;
        _claims = claims;
        _status = new NodeStatusWriter(backend, node.NodeName, statuses, name => metrics?.Failed(name, NodeProfileFailure.NodeStatus));
        _events = events;
        _installer = installer;
        _logger = logger ?? NullLogger.Instance;
        _metrics = metrics;
    }

    /// <summary>The node's files.</summary>
    protected INodeFileSystem Files { get; }

    /// <summary>This node.</summary>
    protected NodeOptions Node { get; }

    /// <summary>The event reason when a profile cannot be translated or saved (e.g. <c>CannotSaveSelinuxPolicy</c>).</summary>
    protected abstract string CannotSaveReason { get; }

    /// <summary>The event reason when a profile was installed (e.g. <c>SavedSelinuxPolicy</c>).</summary>
    protected abstract string SavedReason { get; }

    /// <summary>The mode of the file written.</summary>
    protected abstract UnixFileMode FileMode { get; }

    /// <summary>Whether the kernel must forget the profile before its file goes (AppArmor unloads from the file).</summary>
    protected virtual bool UninstallBeforeFileRemoval => false;

    /// <summary>The host path of the profile's file; throws <see cref="UnsafeNodePathException"/> for a name that cannot be one.</summary>
    protected abstract string HostPath(TProfile profile);

    /// <summary>Why this node will not install the profile under the operator's SPOD, or null when it may.</summary>
    protected abstract ProfileRefusal? Refusal(TProfile profile, SecurityProfilesOperatorDaemon? spod);

    /// <summary>Whether the profile is turned off (<c>spec.state: Disabled</c>).</summary>
    protected abstract bool IsDisabled(TProfile profile);

    /// <summary>
    /// Why the node already has something of this profile's name that no SPO object installed (checked only
    /// while the profile does not own its node file yet), or null: e.g. a host AppArmor profile in the kernel.
    /// </summary>
    protected virtual string? ForeignOccupant(TProfile profile) => null;

    /// <summary>The file's content.</summary>
    protected abstract TranslationResult Translate(TProfile profile, SecurityProfilesOperatorDaemon? spod);

    /// <summary>A profile of this kind by name, from the cache.</summary>
    protected TProfile? Find(string name) => _profiles.Get(ObjectKey.Cluster(name));

    /// <inheritdoc />
    public async Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken cancellationToken)
    {
        var profile = _profiles.Get(key);
        if (profile is null)
        {
            return ReconcileResult.Done;
        }

        if (profile.Metadata.DeletionTimestamp is not null)
        {
            return await DeleteAsync(profile, cancellationToken).ConfigureAwait(false);
        }

        // The finalizer goes on before any status is written, a refused name's Error included: the deletion then comes
        // back to this node, which removes its status (nothing else would without a garbage collector).
        if (await NodeFinalizers.EnsureAsync(_client, profile, Node.NodeName, cancellationToken).ConfigureAwait(false) is not { } owned)
        {
            return ReconcileResult.Done;
        }

        profile = owned;
        if (profile.Metadata.DeletionTimestamp is not null)
        {
            // Deleted since the cache was read (no finalizer could be added): clean up instead.
            return await DeleteAsync(profile, cancellationToken).ConfigureAwait(false);
        }

        string path;
        try
        {
            path = HostPath(profile);
        }
        catch (UnsafeNodePathException ex)
        {
            await FailAsync(profile, CannotSaveReason, "$.metadata.name: " + ex.Message, null, NodeProfileFailure.Save, cancellationToken).ConfigureAwait(false);
            return ReconcileResult.Done;
        }

        var spod = _spod?.Get(new ObjectKey(Node.OperatorNamespace, Node.SpodName));
        if (Refusal(profile, spod) is { } refusal)
        {
            await FailAsync(profile, refusal.Reason, refusal.Message, OwnedFile(profile, path), NodeProfileFailure.NotSupported, cancellationToken).ConfigureAwait(false);
            return ReconcileResult.Done;
        }

        var partial = profile.Metadata.Labels?.ContainsKey(SpoLabels.Partial) == true;
        if (partial || IsDisabled(profile))
        {
            return await TurnOffAsync(profile, path, partial ? SecurityProfileNodeState.Partial : SecurityProfileNodeState.Disabled, cancellationToken).ConfigureAwait(false);
        }

        var translation = Translate(profile, spod);
        if (!translation.Succeeded)
        {
            await FailAsync(profile, CannotSaveReason, string.Join("; ", translation.Errors), OwnedFile(profile, path), NodeProfileFailure.Save, cancellationToken).ConfigureAwait(false);

            // A missing referenced profile may yet be created; everything else needs a change to the profile or the SPOD.
            return translation.Errors.Any(e => e.Kind == TranslationErrorKind.NotFound) ? ReconcileResult.After(RetryLater) : ReconcileResult.Done;
        }

        bool changed;
        try
        {
            if (!_claims.Owns(path, profile.Kind, profile.Metadata.Name) && ForeignOccupant(profile) is { } occupant)
            {
                await FailAsync(profile, CannotSaveReason, occupant, null, NodeProfileFailure.FileConflict, cancellationToken).ConfigureAwait(false);
                return ReconcileResult.Done;
            }

            if (_claims.TryClaim(path, profile.Kind, profile.Metadata.Name) is { } other)
            {
                var message = path + " on node " + Node.NodeName + " already belongs to " + other + "; " + NodeFileClaims.OwnerName(profile.Kind, profile.Metadata.Name) + " was not installed (a node file is never overwritten)";
                await FailAsync(profile, "NodeFileConflict", message, null, NodeProfileFailure.FileConflict, cancellationToken).ConfigureAwait(false);
                return ReconcileResult.Done;
            }

            changed = Files.WriteIfChanged(path, Encoding.UTF8.GetBytes(translation.Text!), FileMode, _installer.StagingSubdirectory);
        }
        catch (NotAFileException ex)
        {
            // A directory at the path (/etc/apparmor.d/tunables) is the node's, like a host profile: it stays until someone removes it.
            await FailAsync(profile, CannotSaveReason, ex.Message + " on node " + Node.NodeName + "; " + NodeFileClaims.OwnerName(profile.Kind, profile.Metadata.Name) + " was not installed", OwnedFile(profile, path), NodeProfileFailure.FileConflict, cancellationToken).ConfigureAwait(false);
            return ReconcileResult.Done;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // No space, no permission, a read-only file system: said in the status and an event rather than thrown,
            // which would leave the status Pending with nothing said; asked again later.
            await FailAsync(profile, CannotSaveReason, "cannot save " + path + " on node " + Node.NodeName + ": " + ex.Message, OwnedFile(profile, path), NodeProfileFailure.Save, cancellationToken).ConfigureAwait(false);
            return ReconcileResult.After(RetryLater);
        }

        var stillInstalled = !changed && await _status.HasStateAsync(profile.Kind, profile.Metadata.Name, SecurityProfileNodeState.Installed, cancellationToken).ConfigureAwait(false);
        if (stillInstalled && !_installer.AppliesFilesLater)
        {
            return ReconcileResult.Done;
        }

        var installed = await _installer.InstallAsync(profile.Metadata.Name, path, cancellationToken).ConfigureAwait(false);
        if (stillInstalled && installed.State != NodeInstallState.Failed)
        {
            // A resync asking an installer that applies files later: only a failure changes anything (one that is
            // busy or restarting does not demote an installed profile).
            return ReconcileResult.Done;
        }

        if (changed && _installer.AppliesFilesLater && installed.State != NodeInstallState.InProgress)
        {
            // Right after the write the answer, done or failed, may still be about the previous file: ask again on a later pass.
            installed = NodeInstallResult.InProgress("the installer has not applied the new file of " + profile.Metadata.Name + " yet");
        }

        switch (installed.State)
        {
            case NodeInstallState.Done:
                // Only a pass that wrote the file or finished an install gets here (an unchanged, installed
                // profile returned above), so a resync never counts as an update.
                _metrics?.Changed(ProfileOperation.Update);
                await _events.RecordAsync(profile, EventKind.Normal, SavedReason, "Successfully saved profile to disk on " + Node.NodeName, cancellationToken).ConfigureAwait(false);
                await _status.SetStateAsync(profile, SecurityProfileNodeState.Installed, path, cancellationToken).ConfigureAwait(false);
                return ReconcileResult.Done;
            case NodeInstallState.InProgress:
                CountUnreachable(profile, installed);
                await _status.SetStateAsync(profile, SecurityProfileNodeState.InProgress, path, cancellationToken).ConfigureAwait(false);
                return ReconcileResult.After(RetryLater);
            default:
                await FailAsync(profile, CannotSaveReason, installed.Message, path, installed.NotSupportedOnNode ? NodeProfileFailure.NotSupported : NodeProfileFailure.Install, cancellationToken).ConfigureAwait(false);
                return ReconcileResult.Done;
        }
    }

    // Waiting for a service that cannot be reached is still waiting, but upstream counts every such pass as an error.
    private void CountUnreachable(TProfile profile, NodeInstallResult result)
    {
        if (result.ServiceUnreachable)
        {
            _metrics?.Failed(profile.Metadata.Name, NodeProfileFailure.Unreachable);
        }
    }

    private string? OwnedFile(TProfile profile, string path) => _claims.Owns(path, profile.Kind, profile.Metadata.Name) ? path : null;

    // Disabled and partial profiles are not in force on the node: their file goes, as for seccomp.
    private async Task<ReconcileResult> TurnOffAsync(TProfile profile, string path, SecurityProfileNodeState state, CancellationToken cancellationToken)
    {
        if (_claims.Owns(path, profile.Kind, profile.Metadata.Name))
        {
            var removed = await RemoveFileAsync(profile, path, cancellationToken).ConfigureAwait(false);
            if (removed.State == NodeInstallState.Failed)
            {
                await FailAsync(profile, CannotSaveReason, removed.Message, path, NodeProfileFailure.Remove, cancellationToken).ConfigureAwait(false);
                return ReconcileResult.Done;
            }

            _claims.Release(path, profile.Kind, profile.Metadata.Name);
        }

        await _status.SetStateAsync(profile, state, null, cancellationToken).ConfigureAwait(false);
        return ReconcileResult.Done;
    }

    private async Task<NodeInstallResult> RemoveFileAsync(TProfile profile, string path, CancellationToken cancellationToken)
    {
        var result = await RemoveFileCoreAsync(profile, path, cancellationToken).ConfigureAwait(false);
        if (result.State == NodeInstallState.Done)
        {
            _metrics?.Changed(ProfileOperation.Delete);
        }

        return result;
    }

    private async Task<NodeInstallResult> RemoveFileCoreAsync(TProfile profile, string path, CancellationToken cancellationToken)
    {
        if (UninstallBeforeFileRemoval)
        {
            var result = await _installer.RemoveAsync(profile.Metadata.Name, path, cancellationToken).ConfigureAwait(false);
            Files.Delete(path);
            return result;
        }

        Files.Delete(path);
        return await _installer.RemoveAsync(profile.Metadata.Name, path, cancellationToken).ConfigureAwait(false);
    }

    private async Task<ReconcileResult> DeleteAsync(TProfile profile, CancellationToken cancellationToken)
    {
        if (await _status.BeginRemovalAsync(profile, RetryLater, cancellationToken).ConfigureAwait(false) is { } now)
        {
            return now;
        }

        string? path;
        try
        {
            path = HostPath(profile);
        }
        catch (UnsafeNodePathException)
        {
            path = null; // nothing can have been written for such a name
        }

        if (path is not null && _claims.Owns(path, profile.Kind, profile.Metadata.Name))
        {
            var removed = await RemoveFileAsync(profile, path, cancellationToken).ConfigureAwait(false);
            if (removed.State == NodeInstallState.InProgress)
            {
                CountUnreachable(profile, removed);
                return ReconcileResult.After(RetryLater);
            }

            // As upstream (runtime.md §10.12): a removal the kernel side reports as failed still lets the object go.
            if (removed.State == NodeInstallState.Failed)
            {
                _metrics?.Failed(profile.Metadata.Name, NodeProfileFailure.Remove);
                await _events.RecordAsync(profile, EventKind.Warning, CannotSaveReason, removed.Message, cancellationToken).ConfigureAwait(false);
            }

            _claims.Release(path, profile.Kind, profile.Metadata.Name);
        }

        await _status.DeleteAsync(profile.Kind, profile.Metadata.Name, cancellationToken).ConfigureAwait(false);
        await NodeFinalizers.RemoveAsync(_client, profile, Node.NodeName, cancellationToken).ConfigureAwait(false);
        return ReconcileResult.Done;
    }

    private async Task FailAsync(TProfile profile, string reason, string message, string? ownedFile, NodeProfileFailure failure, CancellationToken cancellationToken)
    {
        _metrics?.Failed(profile.Metadata.Name, failure);
        _logger.LogWarning("{Kind} {Name} on {Node}: {Reason}: {Message}", profile.Kind, profile.Metadata.Name, Node.NodeName, reason, message);
        await _events.RecordAsync(profile, EventKind.Warning, reason, message, cancellationToken).ConfigureAwait(false);
        await _status.SetStateAsync(profile, SecurityProfileNodeState.Error, ownedFile, cancellationToken).ConfigureAwait(false);
    }
}
