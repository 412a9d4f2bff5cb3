using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SpoSdk.Api.Naming;
using SpoSdk.Api.Schema;
using SpoSdk.Api.Serialization;
using SpoSdk.Api.V1;
using SpoSdk.Audit.Metrics;
using SpoSdk.Node;
using SpoSdk.Node.Files;
using SpoSdk.Profiles.NodeStatus;
using SpoSdk.Profiles.Spod;
using SpoSdk.Runtime;
using SpoSdk.Runtime.Backends;
using SpoSdk.Runtime.Controllers;
using SpoSdk.Runtime.Events;
using SpoSdk.Runtime.Informers;
using SpoSdk.Translators;

namespace SpoSdk.Profiles.Seccomp;

/// <summary>
/// The node side of a SeccompProfile (upstream's daemon reconciler, runtime.md §1): resolves the
/// base chain, applies the SPOD allow-list, writes <c>&lt;kubelet&gt;/seccomp/operator/&lt;name&gt;.json</c>
/// atomically under the node root, and keeps this node's finalizer and status object. Idempotent:
/// an unchanged profile causes no write at all.
/// </summary>
/// <remarks>
/// Decisions where upstream is plainly wrong (runtime.md §10): the syscall union is de-duplicated
/// (see <see cref="SyscallUnion"/>); a profile switched to Disabled has its file removed, so pods
/// cannot keep using a profile its owner turned off; a profile the SPOD allow-list refuses has its
/// file removed and its node status set to Error, instead of the object being deleted; the
/// <c>syscalls</c> annotation is written only for profiles with a base (otherwise it repeats the
/// spec) and only when it changes.
/// </remarks>
public sealed class SeccompProfileNodeReconciler : IReconciler<SeccompProfile>
{
    private static readonly TimeSpan RetryLater = TimeSpan.FromSeconds(10);

    private readonly Informer<SeccompProfile> _profiles;
    private readonly SpodSettingsProvider? _spod;
    private readonly IResourceClient<SeccompProfile> _client;
    private readonly INodeFileSystem _files;
    private readonly NodePaths _paths;
    private readonly NodeOptions _node;
    private readonly NodeStatusWriter _status;
    private readonly BaseProfileResolver _bases;
    private readonly IEventRecorder _events;
    private readonly ILogger _logger;
    private readonly SpodMetrics? _metrics;

    /// <summary>
    /// Creates the reconciler; <paramref name="spod"/> gives the SPOD's allow-list and OCI trust switch (defaults without it);
    /// <paramref name="metrics"/> counts file writes, removals and errors (nothing when null).
    /// </summary>
    public SeccompProfileNodeReconciler(
        IClusterBackend backend,
        Informer<SeccompProfile> profiles,
        SpodSettingsProvider? spod,
        Informer<SecurityProfileNodeStatus>? statuses,
        INodeFileSystem files,
        NodeOptions node,
        IEventRecorder events,
        IOciBaseProfileSource? oci = null,
        ILogger<SeccompProfileNodeReconciler>? logger = null,
        SpodMetrics? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(profiles);
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(events);
        _profiles = profiles;
        _spod = spod;
        _client = backend.Resource<SeccompProfile>();
        _files = files;
        _node = node;
        _paths = new NodePaths(node.KubeletDirectory);
        _status = new NodeStatusWriter(backend, node.NodeName, statuses, _ => metrics?.SeccompProfileFailed(SeccompProfileErrorReason.CannotUpdateNodeStatus));
        _bases = new BaseProfileResolver(name => _profiles.Get(ObjectKey.Cluster(name)), oci);
        _events = events;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _metrics = metrics;
    }

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

        if (!_node.SeccompSupported)
        {
            // As upstream (runtime.md §1.5 step 1): said and counted, nothing written, no retry: the kernel will not change.
            // Unlike upstream, a deletion still goes ahead, so a finalizer from before cannot hold the object forever.
            _metrics?.SeccompProfileFailed(SeccompProfileErrorReason.SeccompNotSupportedOnNode);
            await _events.RecordAsync(profile, EventKind.Warning, "SeccompNotSupportedOnNode", "Seccomp is not supported by the kernel of node " + _node.NodeName, cancellationToken).ConfigureAwait(false);
            return ReconcileResult.Done;
        }

        // The finalizer goes on before any status is written, a refused name's Error included: the deletion then comes
        // back to this node, which removes its status (nothing else would without a garbage collector).
        if (await NodeFinalizers.EnsureAsync(_client, profile, _node.NodeName, cancellationToken).ConfigureAwait(false) is not { } owned)
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
            path = _paths.SeccompProfile(profile.Metadata.Name);
        }
        catch (UnsafeNodePathException ex)
        {
            await FailAsync(profile, "CannotSaveSeccompProfile", ex.Message, cancellationToken).ConfigureAwait(false);
            return ReconcileResult.Done;
        }

        if (FileOwner(profile) is { } twin)
        {
            // Asked again later: once the other profile is gone, the file is this one's.
            await FailAsync(profile, "CannotSaveSeccompProfile", path + " on node " + _node.NodeName + " already belongs to SeccompProfile/" + twin.Metadata.Name + "; SeccompProfile/" + profile.Metadata.Name + " was not installed (a node file is never overwritten)", cancellationToken).ConfigureAwait(false);
            return ReconcileResult.After(RetryLater);
        }

        if (profile.Metadata.Labels?.ContainsKey(SpoLabels.Partial) == true || profile.Spec.State == SeccompProfileSpecState.Disabled)
        {
            RemoveFile(path);
            var state = profile.Spec.State == SeccompProfileSpecState.Disabled ? SecurityProfileNodeState.Disabled : SecurityProfileNodeState.Partial;
            await _status.SetStateAsync(profile, state, cancellationToken).ConfigureAwait(false);
            return ReconcileResult.Done;
        }

        var spod = _spod?.Current ?? SpodSettings.Default;
        SeccompProfileSpec spec;
        try
        {
            spec = await _bases.ResolveAsync(profile, spod.OciSignatureVerificationDisabled, cancellationToken).ConfigureAwait(false);
        }
        catch (BaseProfileException ex)
        {
            await FailAsync(profile, ex.Reason, ex.Message, cancellationToken).ConfigureAwait(false);
            return ReconcileResult.After(RetryLater);
        }

        if (AllowedSyscallsPolicy.Check(spec, spod) is { } refusal)
        {
            // An allow-list that tightens after the profile was installed must take it off the node
            // (upstream deletes such profiles outright, runtime.md §1.4).
            RemoveFile(path);
            await FailAsync(profile, "ProfileNotAllowed", refusal, cancellationToken).ConfigureAwait(false);
            return ReconcileResult.Done;
        }

        bool written;
        try
        {
            written = _files.WriteIfChanged(path, Encoding.UTF8.GetBytes(SeccompProfileJson.ToCompactJson(spec)));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A directory at the path, no space, no permission: said in the status and an event rather than thrown,
            // which would leave the status Pending with nothing said; asked again later, except for a directory,
            // which stays until someone removes it.
            await FailAsync(profile, "CannotSaveSeccompProfile", "cannot save " + path + " on node " + _node.NodeName + ": " + ex.Message, cancellationToken).ConfigureAwait(false);
            return ex is NotAFileException ? ReconcileResult.Done : ReconcileResult.After(RetryLater);
        }

        if (written)
        {
            // Upstream counts a written file; an unchanged resync writes nothing and counts nothing.
            _metrics?.SeccompProfileChanged(ProfileOperation.Update);
            await _events.RecordAsync(profile, EventKind.Normal, "SavedSeccompProfile", "Successfully saved profile to disk on " + _node.NodeName, cancellationToken).ConfigureAwait(false);
        }

        // After the file: the annotation only informs, and must never keep the profile off the node.
        if (!string.IsNullOrEmpty(profile.Spec.BaseProfileName))
        {
            await AnnotateSyscallsAsync(profile, spec, cancellationToken).ConfigureAwait(false);
        }

        await _status.SetStateAsync(profile, SecurityProfileNodeState.Installed, cancellationToken).ConfigureAwait(false);
        return ReconcileResult.Done;
    }

    private async Task<ReconcileResult> DeleteAsync(SeccompProfile profile, CancellationToken cancellationToken)
    {
        if (await _status.BeginRemovalAsync(profile, RetryLater, cancellationToken).ConfigureAwait(false) is { } now)
        {
            return now;
        }

        try
        {
            var path = _paths.SeccompProfile(profile.Metadata.Name);
            if (FileOwner(profile) is null)
            {
                RemoveFile(path);
            }
        }
        catch (UnsafeNodePathException)
        {
            // Nothing can have been written for such a name.
        }

        await _status.DeleteAsync(profile.Kind, profile.Metadata.Name, cancellationToken).ConfigureAwait(false);
        await NodeFinalizers.RemoveAsync(_client, profile, _node.NodeName, cancellationToken).ConfigureAwait(false);
        return ReconcileResult.Done;
    }

    /// <summary>
    /// The other SeccompProfile that owns this one's file, or null. <c>foo</c> and <c>foo.json</c> map to one file
    /// (<c>.json</c> is appended only when missing, as upstream): the one created first owns it (by name on a tie),
    /// and the other neither writes nor removes it while the first exists.
    /// </summary>
    private SeccompProfile? FileOwner(SeccompProfile profile)
    {
        const string Json = ".json";
        var name = profile.Metadata.Name;
        var twinName = name.EndsWith(Json, StringComparison.Ordinal) ? name[..^Json.Length] : name + Json;
        if (twinName.Length == 0 || _profiles.Get(ObjectKey.Cluster(twinName)) is not { } twin)
        {
            return null;
        }

        var mine = profile.Metadata.CreationTimestamp ?? DateTime.MaxValue;
        var theirs = twin.Metadata.CreationTimestamp ?? DateTime.MaxValue;
        return theirs < mine || (theirs == mine && string.CompareOrdinal(twinName, name) < 0) ? twin : null;
    }

    // Upstream writes the resolved list whatever its size; the API server refuses annotations over 256 KiB in all
    // (issue #2477), so a list that would not fit is left out, and a stale one taken off.
    private async Task AnnotateSyscallsAsync(SeccompProfile profile, SeccompProfileSpec resolved, CancellationToken cancellationToken)
    {
        var value = JsonSerializer.Serialize(resolved.Syscalls ?? [], SpoJsonOptions.Pruning);
        if (profile.Metadata.Annotation(SpoAnnotations.Syscalls) == value)
        {
            return;
        }

        if (profile.Metadata.Annotation(SpoAnnotations.Syscalls) is null && !Fits(profile, value))
        {
            LogLeftOut(profile, value);
            return;
        }

        var leftOut = false;
        await _client.UpdateWithRetryAsync(ObjectKey.Of(profile), p =>
        {
            p.Metadata.Annotations ??= new Dictionary<string, string>();
            if (p.Metadata.Annotation(SpoAnnotations.Syscalls) == value)
            {
                return false;
            }

            leftOut = !Fits(p, value);
            if (leftOut)
            {
                return p.Metadata.Annotations.Remove(SpoAnnotations.Syscalls);
            }

            p.Metadata.Annotations[SpoAnnotations.Syscalls] = value;
            return true;
        }, cancellationToken).ConfigureAwait(false);
        if (leftOut)
        {
            LogLeftOut(profile, value);
        }
    }

    private void LogLeftOut(SeccompProfile profile, string value) =>
        _logger.LogWarning("SeccompProfile {Name}: the resolved syscalls ({Bytes} bytes) would take its annotations over the API server's limit of {Limit} bytes; annotation {Annotation} left out", profile.Metadata.Name, Encoding.UTF8.GetByteCount(value), MetadataRules.MaxTotalAnnotationBytes, SpoAnnotations.Syscalls);

    // Whether the syscalls annotation with this value keeps the profile's annotations within the API server's limit.
    private static bool Fits(SeccompProfile profile, string value) =>
        MetadataRules.AnnotationBytes(profile.Metadata.Annotations?.Where(a => a.Key != SpoAnnotations.Syscalls))
            + Encoding.UTF8.GetByteCount(SpoAnnotations.Syscalls) + Encoding.UTF8.GetByteCount(value) <= MetadataRules.MaxTotalAnnotationBytes;

    private void RemoveFile(string path)
    {
        if (_files.Delete(path))
        {
            _metrics?.SeccompProfileChanged(ProfileOperation.Delete);
        }
    }

    private async Task FailAsync(SeccompProfile profile, string reason, string message, CancellationToken cancellationToken)
    {
        // Every reason used here is one of upstream's; anything else would be a bug, counted as the profile's fault.
        _metrics?.SeccompProfileFailed(Enum.TryParse<SeccompProfileErrorReason>(reason, out var known) ? known : SeccompProfileErrorReason.InvalidSeccompProfile);
        _logger.LogWarning("SeccompProfile {Name} on {Node}: {Reason}: {Message}", profile.Metadata.Name, _node.NodeName, reason, message);
        await _events.RecordAsync(profile, EventKind.Warning, reason, message, cancellationToken).ConfigureAwait(false);
        await _status.SetStateAsync(profile, SecurityProfileNodeState.Error, cancellationToken).ConfigureAwait(false);
    }
}
