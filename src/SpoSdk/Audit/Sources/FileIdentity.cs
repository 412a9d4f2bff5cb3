using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace SpoSdk.Audit.Sources;

/// <summary>
/// A file's device and inode plus its size and modification time at the time of asking. Two paths or handles with the same
/// identity are the same file, which is how a tailer tells a rename rotation from an append.
/// </summary>
/// <remarks>
/// .NET has no public inode API, so this calls <c>statx(2)</c>: its buffer layout is the same on every
/// Linux architecture, unlike <c>struct stat</c>.
/// </remarks>
internal readonly partial record struct FileIdentity(ulong Device, ulong Inode, long Size, long ModifiedNanoseconds)
{
    private const int AtFdCwd = -100;
    private const int AtEmptyPath = 0x1000;
    private const uint StatxInoSizeMtime = 0x100 | 0x200 | 0x40;
    private const int StatxBufferBytes = 256;
    private const int ENOENT = 2;
    private const int ENOTDIR = 20;

    /// <summary>True when both name the same file, whatever their sizes.</summary>
    public bool SameFile(in FileIdentity other) => Device == other.Device && Inode == other.Inode;

    /// <summary>The identity of the file at <paramref name="path"/> (symbolic links followed); null when there is none.</summary>
    public static FileIdentity? OfPath(string path)
    {
        Span<byte> buffer = stackalloc byte[StatxBufferBytes];
        if (Statx(AtFdCwd, path, 0, StatxInoSizeMtime, ref MemoryMarshal.GetReference(buffer)) == 0)
        {
            return Read(buffer);
        }

        var error = Marshal.GetLastPInvokeError();
        return error is ENOENT or ENOTDIR ? null : throw new IOException($"statx {path}: {Marshal.GetPInvokeErrorMessage(error)}");
    }

    /// <summary>The identity of the open file behind <paramref name="handle"/>.</summary>
    public static FileIdentity OfHandle(SafeFileHandle handle, string pathForErrors)
    {
        Span<byte> buffer = stackalloc byte[StatxBufferBytes];
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            var fd = (int)handle.DangerousGetHandle();
            if (Statx(fd, string.Empty, AtEmptyPath, StatxInoSizeMtime, ref MemoryMarshal.GetReference(buffer)) != 0)
            {
                throw new IOException($"statx {pathForErrors}: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
            }
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }

        return Read(buffer);
    }

    // struct statx (native byte order): stx_ino at 32, stx_size at 40, stx_mtime {i64 sec, u32 nsec} at 112,
    // stx_dev_major at 136, stx_dev_minor at 140.
    private static FileIdentity Read(ReadOnlySpan<byte> buffer) => new(
        ((ulong)MemoryMarshal.Read<uint>(buffer[136..]) << 32) | MemoryMarshal.Read<uint>(buffer[140..]),
        MemoryMarshal.Read<ulong>(buffer[32..]),
        (long)MemoryMarshal.Read<ulong>(buffer[40..]),
        (MemoryMarshal.Read<long>(buffer[112..]) * 1_000_000_000) + MemoryMarshal.Read<uint>(buffer[120..]));

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Statx(int directoryFd, string path, int flags, uint mask, ref byte buffer);
}
