using System.Security.Cryptography;
using System.Text;

namespace SpoSdk.Api.Naming;

/// <summary>The names SPO derives from profiles and nodes, as upstream derives them (but for the finalizers of long node names, <see cref="NodeFinalizer"/>).</summary>
public static class ProfileNames
{
    /// <summary>The longest label value and the longest DNS label.</summary>
    public const int MaxLabelLength = 63;

    /// <summary>The suffix of every node finalizer.</summary>
    public const string NodeFinalizerSuffix = "-deleted";

    /// <summary>
    /// The profile id label value: <c>Kind-name</c> when shorter than 63 characters, else
    /// <c>Kind-</c> and the first hex digits of SHA-256 of <c>Kind-name</c> filling 63.
    /// </summary>
    public static string ProfileId(string kind, string name)
    {
        ArgumentNullException.ThrowIfNull(kind);
        ArgumentNullException.ThrowIfNull(name);
        var id = kind + "-" + name;
        if (id.Length < MaxLabelLength)
        {
            return id;
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(id)));
        return kind + "-" + hash[..Math.Max(0, MaxLabelLength - kind.Length - 1)];
    }

    /// <summary>
    /// The finalizer a node puts on a profile it installed: <c>node-deleted</c> while that fits a label (63
    /// characters); for a longer node name its first 46 characters, <c>-</c>, 8 hex digits of SHA-256 of the whole
    /// name, then <c>-deleted</c>. Upstream cuts the name to 55 characters instead (<see cref="UpstreamNodeFinalizer"/>),
    /// so nodes of one pool sharing a long prefix would share one finalizer, and the first node to clean up would let
    /// the profile go before the others removed their files.
    /// </summary>
    public static string NodeFinalizer(string nodeName)
    {
        ArgumentNullException.ThrowIfNull(nodeName);
        return FitWithHash(nodeName, MaxLabelLength - NodeFinalizerSuffix.Length, hashDigits: 8) + NodeFinalizerSuffix;
    }

    /// <summary>
    /// <paramref name="name"/> when it has at most <paramref name="maxLength"/> characters, else its start, <c>-</c> and
    /// the first <paramref name="hashDigits"/> hex digits of SHA-256 of the whole name, <paramref name="maxLength"/> in
    /// all: names that share a long prefix stay distinct.
    /// </summary>
    public static string FitWithHash(string name, int maxLength, int hashDigits)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, hashDigits + 2);
        if (name.Length <= maxLength)
        {
            return name;
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(name)))[..hashDigits];
        return name[..(maxLength - hashDigits - 1)] + "-" + hash;
    }

    /// <summary>
    /// Upstream's finalizer for a node: <c>node-deleted</c>, the node name cut to 55 characters when longer. Still
    /// recognised on profiles (written by upstream's operator or an earlier version), never written.
    /// </summary>
    public static string UpstreamNodeFinalizer(string nodeName)
    {
        ArgumentNullException.ThrowIfNull(nodeName);
        return (nodeName.Length + NodeFinalizerSuffix.Length > MaxLabelLength ? nodeName[..(MaxLabelLength - NodeFinalizerSuffix.Length)] : nodeName) + NodeFinalizerSuffix;
    }

    /// <summary>
    /// The SecurityProfileNodeStatus name for a profile on a node: <c>profile-node</c>. When that
    /// is not a valid object name (over 253 characters), the profile part becomes its hashed id so
    /// long names still get a status object instead of an error (upstream fails there).
    /// </summary>
    public static string NodeStatusName(string kind, string profileName, string nodeName)
    {
        ArgumentNullException.ThrowIfNull(profileName);
        ArgumentNullException.ThrowIfNull(nodeName);
        var name = profileName + "-" + nodeName;
        if (name.Length <= Schema.MetadataRules.MaxNameLength)
        {
            return name;
        }

        var id = ProfileId(kind, profileName).ToLowerInvariant();
        return (id + "-" + nodeName)[..Math.Min(id.Length + 1 + nodeName.Length, Schema.MetadataRules.MaxNameLength)].TrimEnd('-', '.');
    }
}
