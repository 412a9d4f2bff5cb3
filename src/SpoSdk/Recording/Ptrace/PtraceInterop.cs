using System.Runtime.InteropServices;

namespace SpoSdk.Recording.Ptrace;

/// <summary>ptrace(2) and process_vm_readv(2) through libc.</summary>
internal static unsafe partial class PtraceInterop
{
    public const int Cont = 7;
    public const int Syscall = 24;
    public const int GetEventMessage = 0x4201;
    public const int Seize = 0x4206;
    public const int GetSyscallInfo = 0x420e;

    public const nint OptionTraceSysGood = 0x1;
    public const nint OptionTraceFork = 0x2;
    public const nint OptionTraceVFork = 0x4;
    public const nint OptionTraceClone = 0x8;
    public const nint OptionTraceExec = 0x10;
    public const nint OptionExitKill = 0x100000;

    public const int EventFork = 1;
    public const int EventVFork = 2;
    public const int EventClone = 3;
    public const int EventExec = 4;
    public const int EventStop = 128;

    public const byte SyscallInfoEntry = 1;
    public const byte SyscallInfoExit = 2;

    [LibraryImport("libc", EntryPoint = "ptrace", SetLastError = true)]
    public static partial nint Ptrace(nint request, int pid, nint address, nint data);

    [LibraryImport("libc", EntryPoint = "process_vm_readv", SetLastError = true)]
    public static partial nint ProcessVmReadv(int pid, IoVector* local, nuint localCount, IoVector* remote, nuint remoteCount, nuint flags);

    /// <summary><c>struct iovec</c>.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct IoVector
    {
        public nint Base;
        public nuint Length;
    }

    /// <summary><c>struct ptrace_syscall_info</c> (entry and exit views of its union).</summary>
    [StructLayout(LayoutKind.Explicit, Size = 96)]
    public struct SyscallInfo
    {
        [FieldOffset(0)]
        public byte Op;

        [FieldOffset(4)]
        public uint Arch;

        [FieldOffset(24)]
        public ulong Number;

        [FieldOffset(24)]
        public long ReturnValue;

        [FieldOffset(32)]
        public byte IsError;

        [FieldOffset(32)]
        public fixed ulong Args[6];
    }
}
