using SpoSdk.Api.Schema;
using SpoSdk.Api.V1;

namespace SpoSdk.Recording.Recorders;

/// <summary>
/// A source of recorded profiles, selected by a ProfileRecording's <c>spec.recorder</c>: the audit-log
/// recorder (<c>Logs</c>, <see cref="Logs.LogRecorder"/>) or an eBPF recorder (<c>Bpf</c>, none ships with
/// SpoSdk). The recorder only gathers what containers did, keyed by the recording token the webhook put
/// on the pod; naming, labels and writing the profile are <see cref="RecordingCollector"/>'s job.
/// </summary>
/// <remarks>
/// Register an implementation in <see cref="ProfileRecorderRegistry"/>. A recorder for <c>Bpf</c> would
/// load its programs, map mount namespaces to tokens (runtime.md §6) and answer <see cref="CollectAsync"/>
/// from its maps.
/// </remarks>
public interface IProfileRecorder
{
    /// <summary>The <c>spec.recorder</c> value this recorder serves.</summary>
    ProfileRecordingRecorder Recorder { get; }

    /// <summary>Whether this recorder can record profiles of <paramref name="kind"/>.</summary>
    bool CanRecord(ProfileRecordingProfileKind kind);

    /// <summary>
    /// The profile recorded for <paramref name="target"/> so far, as a v1 object whose spec is complete and
    /// whose metadata is left to the caller; null when nothing was recorded. Recorded data stays until
    /// <see cref="Reset"/>, so a failed write loses nothing.
    /// </summary>
    ValueTask<RecordedProfile?> CollectAsync(RecordingTarget target, CancellationToken cancellationToken = default);

    /// <summary>Forgets what was recorded under <paramref name="token"/> (after its profile was written).</summary>
    void Reset(string token);

    /// <summary>Forgets everything recorded for one ProfileRecording (it was deleted).</summary>
    void Forget(string @namespace, string recordingName);
}

/// <summary>One recorded container: the pod annotation's token and what it names.</summary>
/// <param name="Token">The recording token (<c>&lt;recording&gt;_&lt;container&gt;_&lt;nonce&gt;_&lt;unix seconds&gt;</c>).</param>
/// <param name="Kind">The profile kind the annotation asks for.</param>
/// <param name="Recorder">The recorder the annotation asks for.</param>
/// <param name="Namespace">The pod's (and the recording's) namespace.</param>
/// <param name="RecordingName">The ProfileRecording's name, from the token.</param>
/// <param name="ContainerName">The container's name, from the token.</param>
public sealed record RecordingTarget(string Token, ProfileRecordingProfileKind Kind, ProfileRecordingRecorder Recorder, string Namespace, string RecordingName, string ContainerName);

/// <summary>A profile a recorder built, and what it had to leave out.</summary>
/// <param name="Profile">The v1 profile (spec only).</param>
/// <param name="Omissions">Why the profile may be incomplete (a cap was hit), for an Event; empty when complete.</param>
public sealed record RecordedProfile(ISpoObject Profile, IReadOnlyList<string> Omissions);
