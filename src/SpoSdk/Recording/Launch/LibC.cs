using System.Runtime.InteropServices;

namespace SpoSdk.Recording.Launch;

/// <summary>The few libc calls the launcher and the tracer need (Linux, glibc or musl).</summary>
internal static unsafe partial class LibC
{
    public const int SigTrap = 5;
    public const int SigKill = 9;
    public const int SigPipe = 13;
    public const int SigTerm = 15;
    public const int SigChld = 17;
    public const int SigCont = 18;
    public const int SigStop = 19;

    public const int EIntr = 4;
    public const int ENoEnt = 2;
    public const int ESrch = 3;
    public const int EChild = 10;
    public const int EAccess = 13;
    public const int EPerm = 1;

    public const int WNoHang = 1;
    public const int WUntraced = 2;
    public const int WNoThread = 0x20000000;
    public const int WAll = 0x40000000;

    public const short PosixSpawnSetSigDef = 0x04;
    public const short PosixSpawnSetSigMask = 0x08;

    public const int XOk = 1;

    private const int SigSetMask = 2;

    // glibc's posix_spawnattr_t is 336 bytes and sigset_t 128 on 64-bit targets; room to spare.
    private const int SpawnAttrSize = 1024;
    private const int SigSetSize = 256;

    [LibraryImport("libc", EntryPoint = "posix_spawn")]
    private static partial int PosixSpawn(int* pid, byte* path, void* fileActions, void* attributes, byte** argv, byte** envp);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_init")]
    private static partial int PosixSpawnAttrInit(void* attributes);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_destroy")]
    private static partial int PosixSpawnAttrDestroy(void* attributes);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_setflags")]
    private static partial int PosixSpawnAttrSetFlags(void* attributes, short flags);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_setsigmask")]
    private static partial int PosixSpawnAttrSetSigMask(void* attributes, void* mask);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_setsigdefault")]
    private static partial int PosixSpawnAttrSetSigDefault(void* attributes, void* signals);

    [LibraryImport("libc", EntryPoint = "sigemptyset")]
    private static partial int SigEmptySet(void* set);

    [LibraryImport("libc", EntryPoint = "sigaddset")]
    private static partial int SigAddSet(void* set, int signal);

    [LibraryImport("libc", EntryPoint = "pthread_sigmask")]
    private static partial int PthreadSigMask(int how, void* set, void* oldSet);

    [LibraryImport("libc", EntryPoint = "signal")]
    private static partial nint Signal(int signal, nint handler);

    [LibraryImport("libc", EntryPoint = "execve", SetLastError = true)]
    public static partial int Execve(byte* path, byte** argv, byte** envp);

    [LibraryImport("libc", EntryPoint = "raise")]
    public static partial int Raise(int signal);

    [LibraryImport("libc", EntryPoint = "getppid")]
    public static partial int GetParentPid();

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);

    [LibraryImport("libc", EntryPoint = "waitpid", SetLastError = true)]
    public static partial int WaitPid(int pid, int* status, int options);

    [LibraryImport("libc", EntryPoint = "access", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int Access(string path, int mode);

    [LibraryImport("libc", EntryPoint = "readlink", SetLastError = true)]
    public static partial nint ReadLink(byte* path, byte* buffer, nuint size);

    [LibraryImport("libc", EntryPoint = "realpath")]
    public static partial byte* RealPath(byte* path, byte* resolved);

    [LibraryImport("libc", EntryPoint = "strerror")]
    private static partial byte* StrError(int errno);

    /// <summary>The C library's text for an errno value.</summary>
    public static string ErrorText(int errno) => Marshal.PtrToStringUTF8((nint)StrError(errno)) ?? "errno " + errno;

    /// <summary>
    /// Starts <paramref name="path"/> with an empty signal mask and SIGPIPE at its default, since .NET
    /// ignores SIGPIPE and an ignored signal survives execve. Returns the pid, or throws with errno's text.
    /// </summary>
    public static int Spawn(string path, IReadOnlyList<string> argv, IReadOnlyList<string> environment)
    {
        var attributes = stackalloc byte[SpawnAttrSize];
        var mask = stackalloc byte[SigSetSize];
        var defaults = stackalloc byte[SigSetSize];
        var pathBytes = NativeStrings.Allocate(path);
        var nativeArgv = NativeStrings.AllocateArray(argv);
        var nativeEnv = NativeStrings.AllocateArray(environment);
        try
        {
            Check(PosixSpawnAttrInit(attributes), "posix_spawnattr_init");
            try
            {
                SigEmptySet(mask);
                SigEmptySet(defaults);
                SigAddSet(defaults, SigPipe);
                Check(PosixSpawnAttrSetSigMask(attributes, mask), "posix_spawnattr_setsigmask");
                Check(PosixSpawnAttrSetSigDefault(attributes, defaults), "posix_spawnattr_setsigdefault");
                Check(PosixSpawnAttrSetFlags(attributes, PosixSpawnSetSigDef | PosixSpawnSetSigMask), "posix_spawnattr_setflags");
                int pid;
                Check(PosixSpawn(&pid, pathBytes, null, attributes, nativeArgv, nativeEnv), "posix_spawn " + path);
                return pid;
            }
            finally
            {
                PosixSpawnAttrDestroy(attributes);
            }
        }
        finally
        {
            NativeStrings.Free(pathBytes);
            NativeStrings.FreeArray(nativeArgv);
            NativeStrings.FreeArray(nativeEnv);
        }
    }

    /// <summary>Unblocks every signal and restores SIGPIPE's default for the program about to be exec'd.</summary>
    public static void ResetSignalsForExec()
    {
        var empty = stackalloc byte[SigSetSize];
        SigEmptySet(empty);
        PthreadSigMask(SigSetMask, empty, null);
        Signal(SigPipe, 0);
    }

    /// <summary>waitpid that retries on EINTR; returns the pid or -errno.</summary>
    public static int WaitPidRetrying(int pid, out int status, int options)
    {
        int result;
        int local;
        do
        {
            result = WaitPid(pid, &local, options);
        }
        while (result < 0 && Marshal.GetLastPInvokeError() == EIntr);

        status = local;
        return result < 0 ? -Marshal.GetLastPInvokeError() : result;
    }

    /// <summary>The target of a symbolic link such as <c>/proc/PID/fd/N</c>, or null.</summary>
    public static string? ReadLink(string path)
    {
        var pathBytes = stackalloc byte[256];
        if (!NativeStrings.TryEncode(path, new Span<byte>(pathBytes, 256)))
        {
            return null;
        }

        const int Size = 4097;
        var buffer = stackalloc byte[Size];
        var length = ReadLink(pathBytes, buffer, Size);
        return length is <= 0 or >= Size ? null : System.Text.Encoding.UTF8.GetString(buffer, (int)length);
    }

    /// <summary>The canonical absolute path (symbolic links resolved), or null when it does not resolve.</summary>
    public static string? CanonicalPath(string path)
    {
        var pathBytes = NativeStrings.Allocate(path);
        try
        {
            var buffer = stackalloc byte[4097];
            var result = RealPath(pathBytes, buffer);
            return result is null ? null : Marshal.PtrToStringUTF8((nint)result);
        }
        finally
        {
            NativeStrings.Free(pathBytes);
        }
    }

    /// <summary>The exit code a shell reports for a wait status: the code, or 128 + the signal.</summary>
    public static int ExitCodeOf(int status) => (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f);

    public static bool Exited(int status) => (status & 0x7f) == 0;

    public static bool Signaled(int status) => (status & 0x7f) is not 0 and not 0x7f;

    public static bool Stopped(int status) => (status & 0xff) == 0x7f;

    public static int StopSignal(int status) => (status >> 8) & 0xff;

    private static void Check(int error, string what)
    {
        if (error != 0)
        {
            throw new LaunchException(what + ": " + ErrorText(error), error);
        }
    }
}

/// <summary>NUL-terminated UTF-8 strings and string arrays in unmanaged memory.</summary>
internal static unsafe class NativeStrings
{
    public static byte* Allocate(string value)
    {
        var count = System.Text.Encoding.UTF8.GetByteCount(value);
        var memory = (byte*)NativeMemory.Alloc((nuint)count + 1);
        System.Text.Encoding.UTF8.GetBytes(value, new Span<byte>(memory, count));
        memory[count] = 0;
        return memory;
    }

    public static byte** AllocateArray(IReadOnlyList<string> values)
    {
        var array = (byte**)NativeMemory.AllocZeroed((nuint)(values.Count + 1), (nuint)sizeof(byte*));
        for (var i = 0; i < values.Count; i++)
        {
            array[i] = Allocate(values[i]);
        }

        return array;
    }

    public static void Free(byte* value) => NativeMemory.Free(value);

    public static void FreeArray(byte** array)
    {
        if (array is null)
        {
            return;
        }

        for (var p = array; *p is not null; p++)
        {
            NativeMemory.Free(*p);
        }

        NativeMemory.Free(array);
    }

    /// <summary>Encodes with a terminating NUL into <paramref name="target"/>; false when it does not fit.</summary>
    public static bool TryEncode(string value, Span<byte> target)
    {
        if (!System.Text.Encoding.UTF8.TryGetBytes(value, target[..^1], out var written))
        {
            return false;
        }

        target[written] = 0;
        return true;
    }

    /// <summary>The strings of a NULL-terminated <c>char**</c> such as <c>environ</c>.</summary>
    public static List<string> ReadArray(byte** array)
    {
        var result = new List<string>();
        for (var p = array; p is not null && *p is not null; p++)
        {
            result.Add(Marshal.PtrToStringUTF8((nint)(*p))!);
        }

        return result;
    }
}

/// <summary>A child process could not be started or prepared.</summary>
public sealed class LaunchException : Exception
{
    /// <summary>Creates the exception.</summary>
    public LaunchException(string message, int errno = 0)
        : base(message) => Errno = errno;

    /// <summary>Creates the exception without a message.</summary>
    public LaunchException()
    {
    }

    /// <summary>Creates the exception with a cause.</summary>
    public LaunchException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The errno value behind the failure, 0 when none.</summary>
    public int Errno { get; }
}
