using System.Security.Cryptography;
using System.Text;

namespace SpoSdk.Api.Naming;

/// <summary>The names SPO derives from profiles and nodes, exactly as upstream derives them.</summary>
public static class ProfileNames
{
    /// <summary>The longest label value and the longest DNS label.</summary>
    public const int MaxLabelLength = 63;

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

    /// <summary>The finalizer a node puts on a profile it installed: <c>node-deleted</c>, the node name cut to 55 characters when longer.</summary>
    public static string NodeFinalizer(string nodeName)
    {
        ArgumentNullException.ThrowIfNull(nodeName);
        const string Suffix = "-deleted";
        return (nodeName.Length + Suffix.Length > MaxLabelLength ? nodeName[..(MaxLabelLength - Suffix.Length)] : nodeName) + Suffix;
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
