using System.Runtime.InteropServices;

namespace SpoSdk.IO;

/// <summary>
/// Replaces a file so that a reader, or a crash at any moment, sees the old content or the new,
/// never a mix: a temporary file beside the target, flushed to disk, renamed over it, and the
/// directory flushed too (a rename is only durable once the directory entry is on disk).
/// </summary>
public static partial class AtomicFile
{
    /// <summary>Writes <paramref name="content"/> to <paramref name="path"/> atomically, with <paramref name="mode"/> on Unix.</summary>
    /// <param name="path">The file to replace.</param>
    /// <param name="content">Its new bytes.</param>
    /// <param name="mode">Its mode on Unix.</param>
    /// <param name="stagingDirectory">
    /// Where the temporary file is written before the rename; it must be on the file's filesystem (a subdirectory
    /// of the file's directory is). Null: beside the file, under a hidden name. A directory that a daemon watches
    /// needs one, or the daemon sees the temporary file appear.
    /// </param>
    public static void Write(string path, ReadOnlySpan<byte> content, UnixFileMode mode, string? stagingDirectory = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var temporary = Path.Combine(stagingDirectory ?? directory, "." + Path.GetFileName(path) + "." + Guid.NewGuid().ToString("N")[..12] + ".tmp");
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = mode;
            }

            using (var stream = new FileStream(temporary, options))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }

            if (!OperatingSystem.IsWindows())
            {
                // The creation mode passes through the umask; the file gets exactly the mode asked for.
                File.SetUnixFileMode(temporary, mode);
            }

            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }

        SyncDirectory(directory);
    }

    /// <summary>Flushes a directory's entries to disk (after a rename or a deletion in it).</summary>
    public static void SyncDirectory(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        const int ReadOnlyDirectory = 0x10000; // O_RDONLY | O_DIRECTORY on Linux
        var fd = Open(directory, ReadOnlyDirectory);
        if (fd < 0)
        {
            return;
        }

        _ = FSync(fd);
        _ = Close(fd);
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int FSync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
