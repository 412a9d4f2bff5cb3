namespace SpoSdk.Node.Files;

/// <summary>
/// The node's files, seen through a node root (<c>/</c> in a cluster, a directory such as
/// <c>./.spo/node</c> elsewhere). Paths are host paths (<c>/var/lib/kubelet/...</c>); nothing
/// outside the root is ever touched. Writes are atomic: a reader, or a crash, sees the old file or
/// the new one, never a mix.
/// </summary>
public interface INodeFileSystem
{
    /// <summary>The node root on this machine.</summary>
    string Root { get; }

    /// <summary>The file's bytes, or null when there is no such file.</summary>
    /// <exception cref="NotAFileException">Something other than a file (a directory) is at the path.</exception>
    byte[]? ReadAllBytes(string hostPath);

    /// <summary>Writes the file unless it already holds exactly <paramref name="content"/>; true when it wrote.</summary>
    /// <param name="hostPath">The file, as a host path.</param>
    /// <param name="content">Its bytes.</param>
    /// <param name="mode">Its mode.</param>
    /// <param name="stagingSubdirectory">
    /// For a directory a daemon watches: the name of a subdirectory of the file's directory where the temporary
    /// file is written before it is renamed into place, so the daemon sees only the finished file appear (selinuxd
    /// installs every file with an extension that appears in <c>/etc/selinux.d</c>). Null: the temporary file is
    /// written beside the file, under a hidden name.
    /// </param>
    /// <exception cref="NotAFileException">Something other than a file (a directory) is at the path.</exception>
    bool WriteIfChanged(string hostPath, ReadOnlySpan<byte> content, UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, string? stagingSubdirectory = null);

    /// <summary>Removes the file; false when there was none.</summary>
    bool Delete(string hostPath);
}
