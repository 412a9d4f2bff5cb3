using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using SpoSdk.Api.Schema;

namespace SpoSdk.Recording.Recorders;

/// <summary>
/// The names of recorded and merged profiles (runtime.md §4.3, §4.4; test-vectors §1.11), and the
/// collision-free alternatives used when a name is held by an object that is not this recording's.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>Recorded: <c>&lt;recording&gt;-&lt;container&gt;</c>, plus <c>-&lt;replica suffix&gt;</c> where the suffix is
/// the pod name minus its <c>generateName</c> (Deployment pods: <c>web-7d9f8c6b5-x2x9q</c> → <c>x2x9q</c>).</item>
/// <item>Partial (<c>mergeStrategy: Containers</c>) of a pod without <c>generateName</c>: the whole pod name is
/// the suffix (upstream #3328 / PR #3377), so a partial never takes the merged name.</item>
/// <item>Merged: <c>&lt;recording&gt;-&lt;container&gt;</c>.</item>
/// <item>A name longer than an object name may be (253) keeps its first characters and ends in <c>-</c> and 8 hex
/// digits of its SHA-256, so distinct long names stay distinct (upstream fails to create the object).</item>
/// <item>When a name is held by a foreign object (not labelled with this recording's id and namespace, or
/// recorded for another container), the next candidate is tried: <c>&lt;name&gt;-&lt;h&gt;</c>, then
/// <c>&lt;name&gt;-&lt;h&gt;-2</c> … <c>-&lt;h&gt;-9</c>, where <c>h</c> is 8 hex digits of SHA-256 of
/// <c>&lt;namespace&gt;/&lt;recording&gt;/&lt;container&gt;</c>: stable for the same recording and container, and
/// distinct from other recordings'. A foreign object is never overwritten.</item>
/// </list>
/// </remarks>
public static class RecordedProfileNames
{
    /// <summary>How many names are tried before giving up.</summary>
    public const int MaxCandidates = 10;

    private const int HashDigits = 8;

    /// <summary>The pod name minus its <c>generateName</c>; empty when the pod has none or the name does not start with it.</summary>
    public static string ReplicaSuffix(string podName, string? generateName)
    {
        ArgumentNullException.ThrowIfNull(podName);
        return !string.IsNullOrEmpty(generateName) && podName.StartsWith(generateName, StringComparison.Ordinal)
            ? podName[generateName.Length..]
            : string.Empty;
    }

    /// <summary>The name of the profile recorded for one container of one pod.</summary>
    /// <param name="recordingName">The ProfileRecording's name.</param>
    /// <param name="containerName">The container's name.</param>
    /// <param name="podName">The pod's name.</param>
    /// <param name="generateName">The pod's <c>generateName</c>, if any.</param>
    /// <param name="partial">Whether the recording merges per container (<c>mergeStrategy: Containers</c>).</param>
    public static string ForContainer(string recordingName, string containerName, string podName, string? generateName, bool partial)
    {
        ArgumentNullException.ThrowIfNull(recordingName);
        ArgumentNullException.ThrowIfNull(containerName);
        var suffix = ReplicaSuffix(podName, generateName);
        if (suffix.Length == 0 && partial)
        {
            suffix = podName;
        }

        return Fit(recordingName + "-" + containerName + (suffix.Length == 0 ? string.Empty : "-" + suffix));
    }

    /// <summary>The name of the profile merged from one container's partial profiles.</summary>
    public static string Merged(string recordingName, string containerName)
    {
        ArgumentNullException.ThrowIfNull(recordingName);
        ArgumentNullException.ThrowIfNull(containerName);
        return Fit(recordingName + "-" + containerName);
    }

    /// <summary>The names to try for <paramref name="name"/>, in order (see the type's remarks).</summary>
    public static IEnumerable<string> Candidates(string name, string @namespace, string recordingName, string containerName)
    {
        ArgumentNullException.ThrowIfNull(name);
        yield return name;
        var hash = Hash(@namespace + "/" + recordingName + "/" + containerName);
        yield return Fit(name + "-" + hash);
        for (var i = 2; i < MaxCandidates; i++)
        {
            yield return Fit(name + "-" + hash + "-" + i.ToString(CultureInfo.InvariantCulture));
        }
    }

    /// <summary>A valid object name for <paramref name="name"/>: itself when short enough, else its start and a hash.</summary>
    public static string Fit(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length <= MetadataRules.MaxNameLength)
        {
            return name;
        }

        var head = name[..(MetadataRules.MaxNameLength - HashDigits - 1)].TrimEnd('-', '.');
        return head + "-" + Hash(name);
    }

    private static string Hash(string value) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)))[..HashDigits];
}
