using SpoSdk.Api.Naming;

namespace SpoSdk.Recording.Recorders;

/// <summary>
/// The per-node finalizer a daemon puts on a ProfileRecording while it follows a pod of it:
/// <c>node.recording.spo.x-k8s.io/&lt;node&gt;</c>. It keeps the recording until that node has written the
/// profiles of its pods, so the manager merges only once every node did (not in upstream, see docs/decisions.md).
/// </summary>
public static class RecordingNodeFinalizers
{
    /// <summary>The prefix every node finalizer of a recording starts with.</summary>
    public const string Prefix = "node.recording.spo.x-k8s.io/";

    private const int HashLength = 10;

    /// <summary>
    /// The finalizer of <paramref name="nodeName"/>: the node name when it has at most 63 characters, else its
    /// first 52 characters, <c>-</c> and 10 hex digits of SHA-256 of the whole name (two nodes never share one).
    /// </summary>
    public static string ForNode(string nodeName)
    {
        ArgumentException.ThrowIfNullOrEmpty(nodeName);
        return Prefix + ProfileNames.FitWithHash(nodeName, ProfileNames.MaxLabelLength, HashLength);
    }

    /// <summary>Whether <paramref name="finalizer"/> is a node finalizer of a recording.</summary>
    public static bool IsNodeFinalizer(string finalizer) =>
        finalizer is not null && finalizer.StartsWith(Prefix, StringComparison.Ordinal) && finalizer.Length > Prefix.Length;
}
