using System.Runtime.InteropServices;

namespace SpoSdk.Recording.Seccomp;

/// <summary>libseccomp.so.2, called directly (no native shim).</summary>
internal static unsafe partial class Libseccomp
{
    public const string LibraryName = "libseccomp.so.2";

    public const uint ActKillProcess = 0x80000000;
    public const uint ActKillThread = 0x00000000;
    public const uint ActTrap = 0x00030000;
    public const uint ActNotify = 0x7fc00000;
    public const uint ActLog = 0x7ffc0000;
    public const uint ActAllow = 0x7fff0000;

    public const int AttrCtlLog = 6;
    public const int AttrCtlSsb = 7;
    public const int AttrCtlWaitKill = 10;

    public const int SyscallError = -1;

    [LibraryImport(LibraryName, EntryPoint = "seccomp_init")]
    public static partial nint Init(uint defaultAction);

    [LibraryImport(LibraryName, EntryPoint = "seccomp_release")]
    public static partial void Release(nint context);

    [LibraryImport(LibraryName, EntryPoint = "seccomp_arch_add")]
    public static partial int ArchAdd(nint context, uint archToken);

    [LibraryImport(LibraryName, EntryPoint = "seccomp_arch_resolve_name", StringMarshalling = StringMarshalling.Utf8)]
    public static partial uint ArchResolveName(string name);

    [LibraryImport(LibraryName, EntryPoint = "seccomp_attr_set")]
    public static partial int AttrSet(nint context, int attribute, uint value);

    [LibraryImport(LibraryName, EntryPoint = "seccomp_syscall_resolve_name", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int SyscallResolveName(string name);

    [LibraryImport(LibraryName, EntryPoint = "seccomp_rule_add_array")]
    public static partial int RuleAddArray(nint context, uint action, int syscall, uint argumentCount, ArgCompare* arguments);

    [LibraryImport(LibraryName, EntryPoint = "seccomp_load")]
    public static partial int Load(nint context);

    [LibraryImport(LibraryName, EntryPoint = "seccomp_version")]
    private static partial Version* GetVersion();

    public static uint Errno(uint errno) => 0x00050000 | (errno & 0xffff);

    public static uint Trace(uint message) => 0x7ff00000 | (message & 0xffff);

    /// <summary>The installed library's version, e.g. <c>2.5.4</c>.</summary>
    public static string VersionText()
    {
        var version = GetVersion();
        return version is null ? "unknown" : version->Major + "." + version->Minor + "." + version->Micro;
    }

    /// <summary>Whether libseccomp.so.2 can be loaded here.</summary>
    public static bool IsAvailable(out string? reason)
    {
        if (NativeLibrary.TryLoad(LibraryName, typeof(Libseccomp).Assembly, null, out _))
        {
            reason = null;
            return true;
        }

        reason = LibraryName + " cannot be loaded (install libseccomp2)";
        return false;
    }

    /// <summary><c>struct scmp_arg_cmp</c>.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct ArgCompare
    {
        public uint Argument;
        public int Operator;
        public ulong DatumA;
        public ulong DatumB;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Version
    {
        public uint Major;
        public uint Minor;
        public uint Micro;
    }
}
