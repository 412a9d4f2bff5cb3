using System.Runtime.InteropServices;
using SpoSdk.IO;

namespace SpoSdk.Node.Files;

/// <summary>
/// <see cref="INodeFileSystem"/> on the local disk. Writes are <see cref="AtomicFile"/> writes, so a
/// process killed at any moment leaves the old file or the new one. Paths with <c>.</c> or
/// <c>..</c> parts, and symbolic links that lead out of the root, are refused.
/// </summary>
public sealed partial class LocalNodeFileSystem : INodeFileSystem
{
    private const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    private readonly string _root;
    private readonly bool _isHostRoot;

    /// <summary>Creates the view of <paramref name="root"/> (created when missing).</summary>
    public LocalNodeFileSystem(string root)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        var full = Path.GetFullPath(root);
        _isHostRoot = full == "/";
        if (!_isHostRoot)
        {
            Directory.CreateDirectory(full);
            full = RealPath(full).TrimEnd('/');
        }

        _root = full;
    }

    /// <inheritdoc />
    public string Root => _root;

    /// <inheritdoc />
    public byte[]? ReadAllBytes(string hostPath)
    {
        var path = Resolve(hostPath, createDirectories: false);
        ThrowIfDirectory(hostPath, path);
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    /// <inheritdoc />
    public bool WriteIfChanged(string hostPath, ReadOnlySpan<byte> content, UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, string? stagingSubdirectory = null)
    {
        if (stagingSubdirectory is not null && (stagingSubdirectory is "" or "." or ".." || stagingSubdirectory.Contains('/') || stagingSubdirectory.Contains('\0')))
        {
            throw new ArgumentException("a staging subdirectory is one plain name, not \"" + stagingSubdirectory + "\"", nameof(stagingSubdirectory));
        }

        var path = Resolve(hostPath, createDirectories: true);
        ThrowIfDirectory(hostPath, path);
        if (File.Exists(path) && new FileInfo(path).Length == content.Length && File.ReadAllBytes(path).AsSpan().SequenceEqual(content))
        {
            return false;
        }

        // Resolved like the file itself: a staging directory that is a link out of the root is refused.
        var staging = stagingSubdirectory is null ? null : Path.GetDirectoryName(Resolve(hostPath[..hostPath.LastIndexOf('/')] + "/" + stagingSubdirectory + "/staged", createDirectories: true));
        AtomicFile.Write(path, content, mode, staging);
        return true;
    }

    /// <inheritdoc />
    public bool Delete(string hostPath)
    {
        var path = Resolve(hostPath, createDirectories: false);
        if (!File.Exists(path))
        {
            return false;
        }

        File.Delete(path);
        AtomicFile.SyncDirectory(Path.GetDirectoryName(path)!);
        return true;
    }

    // .NET reports a directory as access denied on read and as a failed rename on write: say what is there.
    private static void ThrowIfDirectory(string hostPath, string path)
    {
        if (Directory.Exists(path))
        {
            throw new NotAFileException(hostPath);
        }
    }

    // The local path of a host path, after checking it cannot lead out of the root.
    private string Resolve(string hostPath, bool createDirectories)
    {
        ArgumentNullException.ThrowIfNull(hostPath);
        var parts = hostPath.Split('/');
        if (!hostPath.StartsWith('/') || parts.Skip(1).Any(p => p is "" or "." or "..") || hostPath.Contains('\0'))
        {
            throw new UnauthorizedAccessException("refusing node path \"" + hostPath + "\": it must be absolute and plain");
        }

        var path = _isHostRoot ? hostPath : _root + hostPath;
        var directory = Path.GetDirectoryName(path)!;
        if (!_isHostRoot)
        {
            // Check the deepest directory that exists before creating anything below it: creating
            // through a link that leads out would already write outside the root.
            var existing = directory;
            while (!Directory.Exists(existing) && existing.Length > _root.Length)
            {
                existing = Path.GetDirectoryName(existing)!;
            }

            var real = RealPath(existing);
            if (real != _root && !real.StartsWith(_root + "/", StringComparison.Ordinal))
            {
                throw new UnauthorizedAccessException("refusing node path \"" + hostPath + "\": a symbolic link leads out of the node root");
            }
        }

        if (createDirectories)
        {
            if (!OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(directory, DirectoryMode);
            }
            else
            {
                Directory.CreateDirectory(directory);
            }
        }

        return path;
    }

    private static string RealPath(string path)
    {
        var pointer = RealPathNative(path, IntPtr.Zero);
        if (pointer == IntPtr.Zero)
        {
            return Path.GetFullPath(path);
        }

        try
        {
            return Marshal.PtrToStringUTF8(pointer)!;
        }
        finally
        {
            Free(pointer);
        }
    }

    [LibraryImport("libc", EntryPoint = "realpath", StringMarshalling = StringMarshalling.Utf8)]
    private static partial IntPtr RealPathNative(string path, IntPtr resolved);

    [LibraryImport("libc", EntryPoint = "free")]
    private static partial void Free(IntPtr pointer);
}
