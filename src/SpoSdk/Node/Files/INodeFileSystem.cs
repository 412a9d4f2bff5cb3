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
    byte[]? ReadAllBytes(string hostPath);

    /// <summary>Writes the file unless it already holds exactly <paramref name="content"/>; true when it wrote.</summary>
    bool WriteIfChanged(string hostPath, ReadOnlySpan<byte> content, UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

    /// <summary>Removes the file; false when there was none.</summary>
    bool Delete(string hostPath);
}
