namespace SpoSdk.Api.Naming;

/// <summary>
/// Every host path SPO writes, derived from object metadata alone (never from free-form spec
/// strings) and always relative to the node root. A name that could leave its directory — empty,
/// "." or "..", containing a slash, a NUL or other control character, or too long for a file name —
/// is refused with <see cref="UnsafeNodePathException"/> instead of being cleaned up silently.
/// </summary>
public sealed class NodePaths
{
    /// <summary>Upstream's default kubelet directory.</summary>
    public const string DefaultKubeletDirectory = "/var/lib/kubelet";

    // A file name longer than this is refused by common Linux filesystems.
    private const int MaxFileNameBytes = 255;

    /// <summary>Creates the paths for a kubelet directory (an absolute host path).</summary>
    public NodePaths(string kubeletDirectory = DefaultKubeletDirectory)
    {
        ArgumentNullException.ThrowIfNull(kubeletDirectory);
        if (!kubeletDirectory.StartsWith('/') || kubeletDirectory.Split('/').Any(part => part is "." or ".."))
        {
            throw new UnsafeNodePathException("the kubelet directory must be an absolute path without . or .. parts: " + kubeletDirectory);
        }

        KubeletDirectory = kubeletDirectory.TrimEnd('/');
    }

    /// <summary>The kubelet directory on the host.</summary>
    public string KubeletDirectory { get; }

    /// <summary>Where the kubelet looks for seccomp profiles.</summary>
    public string SeccompRoot => KubeletDirectory + "/seccomp";

    /// <summary>The directory of operator-managed seccomp profiles.</summary>
    public string SeccompOperatorDirectory => SeccompRoot + "/operator";

    /// <summary>The host path of a SeccompProfile's file: <c>&lt;kubelet&gt;/seccomp/operator/&lt;name&gt;.json</c>.</summary>
    public string SeccompProfile(string name) => SeccompOperatorDirectory + "/" + FileName(name, ".json");

    /// <summary>
    /// The value pods put in <c>seccompProfile.localhostProfile</c>: the profile path relative to
    /// the kubelet's seccomp root, <c>operator/&lt;name&gt;.json</c>.
    /// </summary>
    public string SeccompLocalhostProfile(string name) => "operator/" + FileName(name, ".json");

    /// <summary>The host path of an AppArmor profile's policy file, where <c>apparmor_parser</c> takes it from.</summary>
    public static string AppArmorProfile(string name) => "/etc/apparmor.d/" + FileName(name, string.Empty);

    /// <summary>The host path of a SELinux policy's CIL file, in selinuxd's policy directory.</summary>
    public static string SelinuxPolicy(string name) => "/etc/selinux.d/" + FileName(name, ".cil");

    /// <summary>
    /// <paramref name="name"/> plus <paramref name="extension"/> (unless already there), checked to
    /// be one plain file name.
    /// </summary>
    public static string FileName(string name, string extension)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(extension);
        var file = extension.Length > 0 && name.EndsWith(extension, StringComparison.Ordinal) ? name : name + extension;
        if (name.Length == 0 || name is "." or ".." || file.Contains('/') || file.Contains('\\') || file.Any(char.IsControl))
        {
            throw new UnsafeNodePathException("\"" + Printable(name) + "\" cannot be used as a file name on the node");
        }

        if (System.Text.Encoding.UTF8.GetByteCount(file) > MaxFileNameBytes)
        {
            throw new UnsafeNodePathException("the name is too long for a file on the node (" + System.Text.Encoding.UTF8.GetByteCount(file) + " bytes, at most " + MaxFileNameBytes + ")");
        }

        return file;
    }

    private static string Printable(string text) =>
        new(text.Take(80).Select(c => char.IsControl(c) ? '?' : c).ToArray());
}

/// <summary>A name or path that would leave the node directory it belongs in.</summary>
public sealed class UnsafeNodePathException(string message) : Exception(message);
