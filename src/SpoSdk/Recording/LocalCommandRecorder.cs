using System.Runtime.InteropServices;
using SpoSdk.Api.Syscalls;
using SpoSdk.Api.V1;
using SpoSdk.Recording.AppArmor;
using SpoSdk.Recording.Launch;
using SpoSdk.Recording.Ptrace;

namespace SpoSdk.Recording;

/// <summary>What to record.</summary>
/// <param name="Program">The command's absolute path (see <see cref="CommandLocator"/>).</param>
/// <param name="Argv">Its argv, argv[0] included.</param>
/// <param name="RecordAppArmor">Also record files, executables and sockets (costs a stop per syscall exit).</param>
public sealed record LocalRecordingRequest(string Program, IReadOnlyList<string> Argv, bool RecordAppArmor = false);

/// <summary>The result of recording one command.</summary>
public sealed class LocalRecording
{
    internal LocalRecording(int exitCode, bool started, SeccompArchitecture architecture, IReadOnlyList<string> syscalls, AppArmorActivity? appArmor, string? programPath, IReadOnlyList<string> warnings)
    {
        ExitCode = exitCode;
        Started = started;
        Architecture = architecture;
        Syscalls = syscalls;
        AppArmor = appArmor;
        ProgramPath = programPath;
        Warnings = warnings;
    }

    /// <summary>The command's exit code, or 128 + the signal that ended it.</summary>
    public int ExitCode { get; }

    /// <summary>Whether the command was exec'd (false: nothing was recorded).</summary>
    public bool Started { get; }

    /// <summary>The native architecture the syscalls were recorded for.</summary>
    public SeccompArchitecture Architecture { get; }

    /// <summary>The names of the syscalls made by the command and everything it started, sorted (ordinal).</summary>
    public IReadOnlyList<string> Syscalls { get; }

    /// <summary>The AppArmor-relevant activity, when requested.</summary>
    public AppArmorActivity? AppArmor { get; }

    /// <summary>The canonical path of the program that ran.</summary>
    public string? ProgramPath { get; }

    /// <summary>Things the recording could not capture (foreign-ABI calls, unnamed numbers, dropped paths).</summary>
    public IReadOnlyList<string> Warnings { get; }
}

/// <summary>
/// Records a local command with ptrace: every syscall of the command and of every process and thread
/// it starts (forks, vforks, clones, execs followed), from its exec on; the launcher's own syscalls are
/// never included. The host program must call <see cref="LauncherChild.RunIfRequested"/> at the top of
/// <c>Main</c> (spoc does), because the command is started through a launcher child of this program.
/// </summary>
public sealed class LocalCommandRecorder
{
    private readonly LauncherCommand _launcher;

    /// <summary>Creates a recorder that relaunches <paramref name="launcher"/> (default: this program).</summary>
    public LocalCommandRecorder(LauncherCommand? launcher = null) => _launcher = launcher ?? LauncherCommand.CurrentProcess();

    /// <summary>The seccomp architecture and audit architecture of this machine, or null where unsupported.</summary>
    public static (SeccompArchitecture Seccomp, uint Audit)? NativeArchitecture => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => (SeccompArchitecture.ScmpArchX8664, SyscallTable.AuditArchX86_64),
        Architecture.Arm64 => (SeccompArchitecture.ScmpArchAarch64, SyscallTable.AuditArchAarch64),
        Architecture.X86 => (SeccompArchitecture.ScmpArchX86, SyscallTable.AuditArchI386),
        Architecture.Arm => (SeccompArchitecture.ScmpArchArm, SyscallTable.AuditArchArm),
        Architecture.Ppc64le => (SeccompArchitecture.ScmpArchPpc64le, SyscallTable.AuditArchPpc64Le),
        Architecture.S390x => (SeccompArchitecture.ScmpArchS390x, SyscallTable.AuditArchS390X),
        Architecture.RiscV64 => (SeccompArchitecture.ScmpArchRiscv64, SyscallTable.AuditArchRiscv64),
        _ => null,
    };

    /// <summary>
    /// Runs the command under ptrace until it and everything it started have ended. Cancelling sends the
    /// command SIGTERM and still collects what it did until then.
    /// </summary>
    /// <exception cref="PtraceUnavailableException">ptrace cannot be used here.</exception>
    /// <exception cref="LaunchException">The launcher child cannot be started.</exception>
    /// <exception cref="PlatformNotSupportedException">Not Linux, or an architecture without syscall tables.</exception>
    public async Task<LocalRecording> RecordAsync(LocalRecordingRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!OperatingSystem.IsLinux() || NativeArchitecture is not { } native)
        {
            throw new PlatformNotSupportedException("ptrace recording needs Linux on an architecture with syscall tables");
        }

        var observer = new ActivityObserver(native.Audit, request.RecordAppArmor, request.Program);
        var outcome = await PtraceTracer.RunAsync(_launcher, request.Program, request.Argv, observer, cancellationToken).ConfigureAwait(false);
        var warnings = new List<string>();
        if (observer.ForeignArchCalls > 0)
        {
            warnings.Add(observer.ForeignArchCalls + " syscalls through another architecture's ABI were not recorded");
        }

        if (observer.UnnamedNumbers.Count > 0)
        {
            warnings.Add("syscall numbers without a name in the libseccomp " + SyscallTable.LibseccompVersion + " tables were not recorded: " + string.Join(", ", observer.UnnamedNumbers));
        }

        if (observer.AppArmor is { } activity)
        {
            if (activity.DroppedPaths > 0)
            {
                warnings.Add(activity.DroppedPaths + " paths beyond the cap of " + AppArmorActivity.MaxTrackedPaths + " were not recorded");
            }

            if (activity.OverlongPaths > 0)
            {
                warnings.Add(activity.OverlongPaths + " paths longer than " + AppArmorActivity.MaxPathBytes + " bytes were not recorded");
            }
        }

        return new LocalRecording(outcome.ExitCode, outcome.Started, native.Seccomp, observer.SyscallNames(), observer.AppArmor, observer.ProgramPath, warnings);
    }
}
