namespace SpoSdk.Node.Files;

/// <summary>
/// Something other than a file (a directory) is at a node path where a profile's file belongs, e.g. an AppArmorProfile
/// named <c>tunables</c> meets <c>/etc/apparmor.d/tunables</c>. It stays there until someone removes it.
/// </summary>
public sealed class NotAFileException : IOException
{
    /// <summary>Creates the exception for <paramref name="hostPath"/>.</summary>
    public NotAFileException(string hostPath)
        : base(hostPath + " is a directory, not a file")
    {
        HostPath = hostPath;
    }

    /// <summary>The node path, as a host path.</summary>
    public string HostPath { get; }
}
