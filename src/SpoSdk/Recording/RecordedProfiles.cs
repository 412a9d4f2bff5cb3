using SpoSdk.Api.V1;

namespace SpoSdk.Recording;

/// <summary>Profiles built from a <see cref="LocalRecording"/>, shaped as upstream's <c>spoc record</c> writes them.</summary>
public static class RecordedProfiles
{
    /// <summary>
    /// The syscalls any process start needs, whatever the program: upstream spoc's
    /// <c>DefaultBaseSyscalls</c> (83 names, <c>internal/pkg/cli/recorder/consts.go</c>), which also
    /// covers what OCI runtimes (runc, crun) do before the container's program runs.
    /// </summary>
    public static IReadOnlyList<string> DefaultBaseSyscalls { get; } =
    [
        "access", "arch_prctl", "brk", "capget", "capset", "chdir", "chmod", "chown", "clone", "close",
        "close_range", "dup2", "dup3", "epoll_create1", "epoll_ctl", "epoll_pwait", "execve", "exit_group",
        "faccessat2", "fchdir", "fchmodat", "fchown", "fchownat", "fcntl", "fstat", "fstatfs", "futex",
        "getdents64", "getegid", "geteuid", "getgid", "getpid", "getppid", "gettid", "getuid", "ioctl",
        "keyctl", "lseek", "mkdirat", "mknodat", "mmap", "mount", "mprotect", "munmap", "nanosleep",
        "newfstatat", "openat", "openat2", "pipe2", "pivot_root", "prctl", "pread64", "pselect6", "read",
        "readlink", "readlinkat", "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "sched_getaffinity",
        "sched_yield", "seccomp", "set_robust_list", "set_tid_address", "setgid", "setgroups", "sethostname",
        "setns", "setresgid", "setresuid", "setsid", "setuid", "sigaltstack", "statfs", "statx", "symlinkat",
        "tgkill", "umask", "umount2", "unlinkat", "unshare", "utimensat", "write",
    ];

    /// <summary>
    /// A v1 SeccompProfile: <c>defaultAction: SCMP_ACT_ERRNO</c>, the architecture, and one
    /// <c>SCMP_ACT_ALLOW</c> rule naming the recorded syscalls plus <paramref name="baseSyscalls"/>,
    /// sorted (ordinal) without duplicates.
    /// </summary>
    public static SeccompProfile Seccomp(string name, SeccompArchitecture architecture, IEnumerable<string> syscalls, IEnumerable<string>? baseSyscalls)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(syscalls);
        var names = new SortedSet<string>(syscalls, StringComparer.Ordinal);
        names.UnionWith(baseSyscalls ?? []);
        return new SeccompProfile
        {
            Metadata = new() { Name = name },
            Spec = new SeccompProfileSpec
            {
                DefaultAction = SeccompAction.ScmpActErrno,
                Architectures = [architecture],
                Syscalls = names.Count == 0 ? null : [new SeccompProfileSyscall { Action = SeccompAction.ScmpActAllow, Names = names.ToList() }],
            },
        };
    }

    /// <summary>A v1 AppArmorProfile whose abstract is the recorded activity (see <see cref="AppArmor.AppArmorActivity.ToAbstract"/>).</summary>
    public static AppArmorProfile AppArmor(string name, AppArmor.AppArmorActivity activity, string? programPath)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(activity);
        return new AppArmorProfile
        {
            Metadata = new() { Name = name },
            Spec = new AppArmorProfileSpec { Abstract = activity.ToAbstract(programPath) },
        };
    }
}
