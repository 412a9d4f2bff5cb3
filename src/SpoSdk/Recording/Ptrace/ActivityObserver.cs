using System.Globalization;
using SpoSdk.Api.Syscalls;
using SpoSdk.Recording.AppArmor;
using SpoSdk.Recording.Launch;

namespace SpoSdk.Recording.Ptrace;

/// <summary>
/// Turns traced syscalls into a recording: the set of syscall numbers of the native architecture and,
/// when asked, the AppArmor-relevant file, exec and socket activity. Runs on the tracer thread only.
/// </summary>
internal sealed class ActivityObserver : ISyscallObserver
{
    private const int AtFdCwd = -100;
    private const ulong OAccessMode = 3;
    private const ulong OCreate = 0x40;
    private const ulong OTruncate = 0x200;
    private const ulong OPath = 0x200000;
    private const ulong ProtExec = 0x4;
    private const ulong MapAnonymous = 0x20;

    private readonly uint _nativeArch;
    private readonly bool[] _seen = new bool[1024];
    private readonly SortedSet<long> _unnamed = [];
    private readonly AppArmorActivity? _apparmor;
    private readonly Dictionary<int, Pending> _pending = [];
    private readonly Dictionary<int, string> _execTargets = [];

    private readonly string _rootProgram;

    public ActivityObserver(uint nativeArch, bool recordAppArmor, string rootProgram)
    {
        _nativeArch = nativeArch;
        _rootProgram = rootProgram;
        _apparmor = recordAppArmor ? new AppArmorActivity() : null;
    }

    private enum Effect
    {
        OpenFile,
        WritePath,
        MapLibrary,
        Socket,
    }

    /// <summary>Syscalls made through another architecture's ABI (e.g. int 0x80 on x86_64); not recorded.</summary>
    public long ForeignArchCalls { get; private set; }

    /// <summary>Numbers of the native architecture without a name in the syscall tables.</summary>
    public IReadOnlyCollection<long> UnnamedNumbers => _unnamed;

    public AppArmorActivity? AppArmor => _apparmor;

    /// <summary>The canonical path of the first program exec'd (the recorded program).</summary>
    public string? ProgramPath { get; private set; }

    /// <summary>The recorded syscall names, sorted (ordinal).</summary>
    public List<string> SyscallNames()
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < _seen.Length; i++)
        {
            if (_seen[i] && SyscallTable.GetName(_nativeArch, i) is { } name)
            {
                names.Add(name);
            }
        }

        return names.ToList();
    }

    public bool OnEntry(int tid, uint auditArch, long number, ReadOnlySpan<ulong> args)
    {
        if (auditArch != _nativeArch)
        {
            ForeignArchCalls++;
            return false;
        }

        if (number is < 0 or >= 1024 || SyscallTable.GetName(_nativeArch, (int)number) is not { } name)
        {
            _unnamed.Add(number);
            return false;
        }

        _seen[number] = true;
        return _apparmor is not null && OnAppArmorEntry(tid, name, args);
    }

    public void OnExit(int tid, long result, bool isError)
    {
        if (!_pending.Remove(tid, out var pending) || isError || _apparmor is null)
        {
            return;
        }

        switch (pending.Effect)
        {
            case Effect.OpenFile:
                _apparmor.AddFile(ReadFdPath(tid, result) ?? string.Empty, pending.Access);
                break;
            case Effect.Socket:
                _apparmor.AddSocket((int)pending.Value, (int)pending.Value2);
                break;
            default:
                _apparmor.AddFile(pending.Path ?? string.Empty, pending.Access);
                break;
        }
    }

    public void OnExec(int tid, int formerTid)
    {
        // execve counts from the exec event: its entry belonged to the launcher (or, for a child, it is
        // recorded at entry anyway).
        if (SyscallTable.GetNumber(_nativeArch, "execve") is var execve and >= 0)
        {
            _seen[execve] = true;
        }

        var executable = LibC.ReadLink("/proc/" + tid.ToString(CultureInfo.InvariantCulture) + "/exe");
        if (!_execTargets.Remove(formerTid, out var requested) && ProgramPath is null)
        {
            requested = _rootProgram;
        }

        ProgramPath ??= executable;
        if (_apparmor is null || executable is null)
        {
            return;
        }

        _apparmor.AddFile(executable, FileAccessKind.Spawn);

        // A script runs its interpreter: both files are executed.
        if (requested is not null && LibC.CanonicalPath(requested) is { } script && script != executable)
        {
            _apparmor.AddFile(script, FileAccessKind.Spawn);
        }
    }

    private bool OnAppArmorEntry(int tid, string name, ReadOnlySpan<ulong> args)
    {
        switch (name)
        {
            case "open":
                return ExpectOpen(tid, args[1]);
            case "openat":
                return ExpectOpen(tid, args[2]);
            case "openat2":
                return TraceeMemory.ReadUInt64(tid, args[2]) is { } flags && ExpectOpen(tid, flags);
            case "creat":
                return Expect(tid, new Pending(Effect.OpenFile, FileAccessKind.Write));
            case "mkdir" or "mknod" or "unlink" or "rmdir":
                return ExpectWrite(tid, AtFdCwd, args[0]);
            case "mkdirat" or "mknodat" or "unlinkat":
                return ExpectWrite(tid, (int)args[0], args[1]);
            case "socket":
                return Expect(tid, new Pending(Effect.Socket, FileAccessKind.None) { Value = args[0], Value2 = args[1] });
            case "mmap" when (args[2] & ProtExec) != 0 && (args[3] & MapAnonymous) == 0 && (int)args[4] >= 0:
                return ReadFdPath(tid, (long)(int)args[4]) is { } library && Expect(tid, new Pending(Effect.MapLibrary, FileAccessKind.Exec) { Path = library });
            case "execve":
                StashExecTarget(tid, AtFdCwd, args[0]);
                return false;
            case "execveat":
                StashExecTarget(tid, (int)args[0], args[1]);
                return false;
            default:
                return false;
        }
    }

    private bool ExpectOpen(int tid, ulong flags)
    {
        // O_PATH opens no file for reading or writing (and skips the LSM open hook upstream records).
        if ((flags & OPath) != 0)
        {
            return false;
        }

        var access = (flags & OAccessMode) switch
        {
            0 => FileAccessKind.Read,
            1 => FileAccessKind.Write,
            _ => FileAccessKind.Read | FileAccessKind.Write,
        };

        // Creating or truncating a file is writing it, whatever the access mode says.
        if ((flags & (OCreate | OTruncate)) != 0)
        {
            access |= FileAccessKind.Write;
        }

        return Expect(tid, new Pending(Effect.OpenFile, access));
    }

    private bool ExpectWrite(int tid, int dirFd, ulong pathAddress) =>
        ResolvePath(tid, dirFd, pathAddress) is { } path && Expect(tid, new Pending(Effect.WritePath, FileAccessKind.Write) { Path = path });

    private void StashExecTarget(int tid, int dirFd, ulong pathAddress)
    {
        if (ResolvePath(tid, dirFd, pathAddress) is { } path)
        {
            _execTargets[tid] = path;
        }
    }

    private bool Expect(int tid, Pending pending)
    {
        _pending[tid] = pending;
        return true;
    }

    private string? ResolvePath(int tid, int dirFd, ulong pathAddress)
    {
        switch (TraceeMemory.ReadCString(tid, pathAddress, out var path))
        {
            case TraceeMemory.ReadStatus.TooLong:
                _apparmor!.AddOverlongPath();
                return null;
            case TraceeMemory.ReadStatus.Unreadable:
                return null;
        }

        if (path!.StartsWith('/'))
        {
            return Lexical(path);
        }

        var process = "/proc/" + tid.ToString(CultureInfo.InvariantCulture);
        var directory = dirFd == AtFdCwd ? LibC.ReadLink(process + "/cwd") : LibC.ReadLink(process + "/fd/" + dirFd.ToString(CultureInfo.InvariantCulture));
        return directory is null || !directory.StartsWith('/') ? null : Lexical(directory + "/" + path);
    }

    private static string? ReadFdPath(int tid, long fd) =>
        fd < 0 ? null : LibC.ReadLink("/proc/" + tid.ToString(CultureInfo.InvariantCulture) + "/fd/" + fd.ToString(CultureInfo.InvariantCulture));

    // "." and ".." and repeated slashes, without touching the file system (the path may not exist yet).
    private static string Lexical(string path)
    {
        var parts = new List<string>();
        foreach (var part in path.Split('/'))
        {
            if (part.Length == 0 || part == ".")
            {
                continue;
            }

            if (part == "..")
            {
                if (parts.Count > 0)
                {
                    parts.RemoveAt(parts.Count - 1);
                }
            }
            else
            {
                parts.Add(part);
            }
        }

        return "/" + string.Join('/', parts);
    }

    private sealed record Pending(Effect Effect, FileAccessKind Access)
    {
        public string? Path { get; init; }

        public ulong Value { get; init; }

        public ulong Value2 { get; init; }
    }
}
