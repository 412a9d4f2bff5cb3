using System.Runtime.InteropServices;
using System.Text;

namespace SpoSdk.Cli.Commands;

/// <summary>Reading command inputs: a path, or <c>-</c> for stdin; failures are reported, not thrown.</summary>
internal static class InputFile
{
    /// <summary>The text of <paramref name="path"/>, or null after printing why it could not be read.</summary>
    public static async Task<string?> ReadAsync(string path, TextReader stdin, TextWriter stderr)
    {
        try
        {
            return path == "-" ? await stdin.ReadToEndAsync().ConfigureAwait(false) : await File.ReadAllTextAsync(path).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            var reason = ex is FileNotFoundException or DirectoryNotFoundException ? "file not found" : ex.Message;
            await stderr.WriteLineAsync("spoc: cannot read " + path + ": " + reason).ConfigureAwait(false);
            return null;
        }
    }
}

/// <summary>
/// Writing command outputs (<c>-o OUT</c>, and migrate's files in place) so a reader never sees half a file,
/// and so what OUT names survives: a device, FIFO or socket (<c>/dev/stdout</c>, <c>/dev/null</c>, a pipe) is
/// opened and written as it is, the way Go's <c>os.WriteFile</c> would; a symbolic link is followed and the
/// file it points to replaced atomically (the link stays a link); a regular file is replaced atomically.
/// </summary>
internal static partial class OutputFile
{
    /// <summary>
    /// Writes <paramref name="text"/> as UTF-8 to <paramref name="path"/>; on failure prints
    /// <c>spoc COMMAND: cannot write PATH: reason</c> (with the path as given) and returns false.
    /// </summary>
    public static async Task<bool> TryWriteAsync(string command, string path, string text, TextWriter stderr, UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite)
    {
        try
        {
            Write(path, Encoding.UTF8.GetBytes(text), mode);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            await stderr.WriteLineAsync("spoc " + command + ": cannot write " + path + ": " + Reason(ex)).ConfigureAwait(false);
            return false;
        }
    }

    /// <summary>
    /// Writes <paramref name="content"/> to <paramref name="path"/> as the type says; <paramref name="mode"/> is a
    /// replaced or new regular file's mode on Unix (null: the existing file's, else owner read-write).
    /// </summary>
    /// <exception cref="IOException">The file could not be written.</exception>
    /// <exception cref="UnauthorizedAccessException">Permission denied.</exception>
    public static void Write(string path, ReadOnlySpan<byte> content, UnixFileMode? mode)
    {
        var target = FinalTarget(path, out var throughDescriptor);
        var type = TypeOf(target);
        if (type == FileKind.Directory)
        {
            throw new IOException("is a directory");
        }

        // A descriptor (/dev/stdout, /proc/self/fd/N) names what the shell opened: write into it, never replace it.
        if (throughDescriptor || type == FileKind.Special)
        {
            WriteDirectly(target, content);
            return;
        }

        var fileMode = mode ?? UnixFileMode.UserRead | UnixFileMode.UserWrite;
        if (mode is null && type == FileKind.Regular && !OperatingSystem.IsWindows())
        {
            fileMode = File.GetUnixFileMode(target);
        }

        SpoSdk.IO.AtomicFile.Write(target, content, fileMode);
    }

    // The file to replace, resolved by the kernel (realpath), never by joining link text: a relative link under a
    // linked folder resolves where the kernel finds it. A symbolic link as OUT is followed only when the kernel's
    // fs.protected_symlinks rule would follow it: not a link someone else planted in a sticky world-writable folder
    // such as /tmp (spoc record and merge write /tmp/profile.yaml by default). A link to a missing file is refused.
    private static string FinalTarget(string path, out bool throughDescriptor)
    {
        var full = Path.GetFullPath(path);
        throughDescriptor = IsDescriptorPath(full);
        // A device, FIFO or socket, reached through links or not (/dev/stdout to a pipe has no path to resolve to):
        // written as it is, opened by the kernel.
        if (throughDescriptor || OperatingSystem.IsWindows() || TypeOf(full) == FileKind.Special)
        {
            return full;
        }

        if (new FileInfo(full).LinkTarget is not null)
        {
            RefusePlantedLink(full);
            return RealPath(full) ?? throw new IOException("a symbolic link to a file that does not exist");
        }

        var directory = RealPath(Path.GetDirectoryName(full)!) ?? throw new DirectoryNotFoundException();
        return Path.Join(directory, Path.GetFileName(full));
    }

    private static void RefusePlantedLink(string link)
    {
        const int StickyOtherWritable = 0x200 | 0x2;
        var folder = Stat(Path.GetDirectoryName(link)!, followLinks: false);
        var owner = Stat(link, followLinks: false);
        if (folder is null || owner is null || (folder.Value.Mode & StickyOtherWritable) != StickyOtherWritable)
        {
            return;
        }

        var self = GetEffectiveUserId();
        if (owner.Value.Uid != self && owner.Value.Uid != folder.Value.Uid)
        {
            throw new IOException("a symbolic link in a sticky world-writable folder that neither you nor the folder's owner made (not followed, as the kernel's fs.protected_symlinks would not)");
        }
    }

    // realpath(3): the kernel's resolution, links and '..' as the kernel walks them; null when it does not resolve.
    private static string? RealPath(string path)
    {
        var pointer = RealPathNative(path, IntPtr.Zero);
        if (pointer == IntPtr.Zero)
        {
            return null;
        }

        try
        {
            return Marshal.PtrToStringUTF8(pointer);
        }
        finally
        {
            Free(pointer);
        }
    }

    // The owner and mode of path (links followed or not), or null when it cannot be read; struct statx has stx_uid
    // at byte 20 and stx_mode at byte 28 on every architecture.
    private static (uint Uid, int Mode)? Stat(string path, bool followLinks)
    {
        const int AtFdCwd = -100, AtSymlinkNoFollow = 0x100;
        const uint StatxTypeModeUid = 0x1 | 0x2 | 0x8;
        var buffer = new byte[256];
        try
        {
            return Statx(AtFdCwd, path, followLinks ? 0 : AtSymlinkNoFollow, StatxTypeModeUid, buffer) == 0 ? (BitConverter.ToUInt32(buffer, 20), BitConverter.ToUInt16(buffer, 28)) : null;
        }
        catch (EntryPointNotFoundException)
        {
            return null; // a C library without statx (glibc before 2.28)
        }
    }

    private static bool IsDescriptorPath(string path) =>
        !OperatingSystem.IsWindows() && (path.StartsWith("/proc/", StringComparison.Ordinal) || path.StartsWith("/dev/fd/", StringComparison.Ordinal));

    private static void WriteDirectly(string path, ReadOnlySpan<byte> content)
    {
        // O_TRUNC empties a regular file behind a descriptor path and is ignored by devices and FIFOs; no lock (FileShare).
        var exists = File.Exists(path);
        using var stream = new FileStream(path, new FileStreamOptions { Mode = exists ? FileMode.Truncate : FileMode.Create, Access = FileAccess.Write, Share = FileShare.ReadWrite | FileShare.Delete });
        stream.Write(content);
        stream.Flush();
    }

    private enum FileKind
    {
        Missing,
        Regular,
        Directory,
        Special,
    }

    // What is at path, links followed: only the file type tells a FIFO or device from a regular file.
    private static FileKind TypeOf(string path)
    {
        if (Directory.Exists(path))
        {
            return FileKind.Directory;
        }

        if (!File.Exists(path))
        {
            return FileKind.Missing;
        }

        if (!OperatingSystem.IsLinux())
        {
            return FileKind.Regular;
        }

        const int SFmt = 0xF000, SRegular = 0x8000;

        // Unreadable: File.Exists saw it, so the write reports what is wrong.
        return Stat(path, followLinks: true) is not { } stat || (stat.Mode & SFmt) == SRegular ? FileKind.Regular : FileKind.Special;
    }

    // Why a write failed, without the temporary file's name the exception carries.
    public static string Reason(Exception ex)
    {
        var reason = ex switch
        {
            UnauthorizedAccessException => "permission denied",
            FileNotFoundException or DirectoryNotFoundException => "no such file or directory",
            IOException { HResult: > 0 and < 4096 } io when !OperatingSystem.IsWindows() => Marshal.GetPInvokeErrorMessage(io.HResult),
            _ => ex.Message,
        };
        return reason.Length > 1 && char.IsUpper(reason[0]) && char.IsLower(reason[1]) ? char.ToLowerInvariant(reason[0]) + reason[1..] : reason;
    }

    [LibraryImport("libc", EntryPoint = "realpath", StringMarshalling = StringMarshalling.Utf8)]
    private static partial IntPtr RealPathNative(string path, IntPtr resolved);

    [LibraryImport("libc", EntryPoint = "free")]
    private static partial void Free(IntPtr pointer);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEffectiveUserId();

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Statx(int dirfd, string path, int flags, uint mask, byte[] buffer);
}
