using SpoSdk.Api.V1;
namespace SpoSdk.Recording.Recorders;

/// <summary>
/// The recorders this SDK instance has, keyed by <c>spec.recorder</c>. A ProfileRecording whose recorder
/// is missing is not silently ignored: <see cref="Unavailable"/> says why and how to plug one in, and
/// <see cref="ProfileRecordingReconciler"/> reports it as a Warning Event on the recording.
/// </summary>
public sealed class ProfileRecorderRegistry
{
    /// <summary>The Event reason for a recording whose recorder (or kind/recorder pair) this instance cannot serve.</summary>
    public const string UnavailableReason = "RecorderUnavailable";

    private readonly Dictionary<string, IProfileRecorder> _recorders = new(StringComparer.Ordinal);

    /// <summary>Creates a registry holding <paramref name="recorders"/> (at most one per recorder value).</summary>
    public ProfileRecorderRegistry(IEnumerable<IProfileRecorder> recorders)
    {
        ArgumentNullException.ThrowIfNull(recorders);
        foreach (var recorder in recorders)
        {
            ArgumentNullException.ThrowIfNull(recorder);
            var key = recorder.Recorder.Value ?? string.Empty;
            if (!_recorders.TryAdd(key, recorder))
            {
                throw new ArgumentException("two recorders registered for recorder " + key, nameof(recorders));
            }
        }
    }

    /// <summary>The registered recorders, ordered by recorder value.</summary>
    public IReadOnlyList<IProfileRecorder> All => _recorders.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Value).ToList();

    /// <summary>The recorder for <paramref name="recorder"/>, or null when none is registered.</summary>
    public IProfileRecorder? Find(ProfileRecordingRecorder recorder) =>
        _recorders.TryGetValue(recorder.Value ?? string.Empty, out var found) ? found : null;

    /// <summary>
    /// Why a recording of <paramref name="kind"/> with <paramref name="recorder"/> cannot be recorded here,
    /// or null when it can.
    /// </summary>
    /// <param name="kind">The recording's <c>spec.kind</c>.</param>
    /// <param name="recorder">The recording's <c>spec.recorder</c>.</param>
    /// <param name="nodeName">The node this instance records on, named in the message.</param>
    public string? Unavailable(ProfileRecordingProfileKind kind, ProfileRecordingRecorder recorder, string nodeName)
    {
        if (Find(recorder) is { } found)
        {
            return found.CanRecord(kind)
                ? null
                : "the " + recorder + " recorder on node " + nodeName + " cannot record " + kind + " profiles (" + Pairs + ")";
        }

        var why = recorder == ProfileRecordingRecorder.Bpf
            ? "SpoSdk ships no eBPF recorder (eBPF programs cannot be loaded by this host)"
            : "no recorder is registered for it";
        return "the " + recorder + " recorder is not available on node " + nodeName + ": " + why
            + "; nothing will be recorded for this ProfileRecording. Plug one in by registering an IProfileRecorder whose Recorder is "
            + recorder + " in the ProfileRecorderRegistry, or record with recorder: Logs (" + Pairs + ")";
    }

    private const string Pairs = "Logs records SeccompProfile and SelinuxProfile; Bpf records SeccompProfile and AppArmorProfile";
}
