using System.Collections;
using System.Globalization;
using System.Runtime.InteropServices;
using SpoSdk.Recording.Seccomp;

namespace SpoSdk.Recording.Launch;

/// <summary>What the launcher child does between starting and exec'ing the target.</summary>
public enum LaunchMode
{
    /// <summary>Stops itself with SIGSTOP so a tracer can seize it, then execs the target.</summary>
    StopForTracer,

    /// <summary>Loads a seccomp filter on the exec'ing thread, then execs the target.</summary>
    LoadSeccompFilter,
}

/// <summary>
/// The launcher child: the same program started again with an environment marker, which prepares
/// itself (stop for a tracer, or load a seccomp filter) and then <c>execve</c>s the target on its
/// main thread. Managed code never forks; the parent starts the child with <c>posix_spawn</c>.
/// <para>
/// The marker is <c>SPOSDK_LAUNCHER=&lt;mode&gt;:&lt;parent pid&gt;</c>; a marker whose pid is not the
/// actual parent (e.g. inherited by accident) is ignored. The target never sees the marker variables.
/// The child's command line is the target's absolute path followed by its argv (argv[0] included),
/// so nothing about it looks like a subcommand a user could type.
/// </para>
/// </summary>
public static class LauncherChild
{
    /// <summary>The environment variable that marks a launcher child and names its mode.</summary>
    public const string ModeVariable = "SPOSDK_LAUNCHER";

    /// <summary>The environment variable carrying the seccomp filter for <see cref="LaunchMode.LoadSeccompFilter"/>.</summary>
    public const string SeccompVariable = "SPOSDK_LAUNCHER_SECCOMP";

    /// <summary>Exit code when the launcher itself fails before the target runs (as <c>env</c> and <c>nice</c> use).</summary>
    public const int LauncherFailed = 125;

    /// <summary>Exit code when the target exists but cannot be executed.</summary>
    public const int CannotExecute = 126;

    /// <summary>Exit code when the target does not exist.</summary>
    public const int NotFound = 127;

    private const string StopModeName = "stop";
    private const string SeccompModeName = "seccomp";

    /// <summary>
    /// Call first in <c>Main</c>, on the main thread: when this process is a launcher child it execs the
    /// target and never returns, or returns the exit code of a failure; otherwise it returns null at once.
    /// </summary>
    public static int? RunIfRequested(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var marker = Environment.GetEnvironmentVariable(ModeVariable);
        if (marker is null || ParseMarker(marker) is not { } mode)
        {
            return null;
        }

        if (args.Count < 2)
        {
            Console.Error.WriteLine("spoc: launcher child started without a target");
            return LauncherFailed;
        }

        return RunChild(mode, args[0], args.Skip(1).ToList());
    }

    /// <summary>
    /// Starts a launcher child for <paramref name="program"/> (an absolute path) with <paramref name="argv"/>
    /// and returns its pid. Call it on the thread that will wait for (or trace) the child.
    /// </summary>
    internal static int Spawn(LauncherCommand launcher, LaunchMode mode, string program, IReadOnlyList<string> argv, string? seccompFilter = null)
    {
        var environment = ReadEnvironment().Where(e => !IsMarker(e)).ToList();
        environment.Add(ModeVariable + "=" + (mode == LaunchMode.StopForTracer ? StopModeName : SeccompModeName) + ":" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        if (seccompFilter is not null)
        {
            environment.Add(SeccompVariable + "=" + seccompFilter);
        }

        var childArgv = new List<string> { launcher.Path };
        childArgv.AddRange(launcher.Arguments);
        childArgv.Add(program);
        childArgv.AddRange(argv);
        return LibC.Spawn(launcher.Path, childArgv, environment);
    }

    private static LaunchMode? ParseMarker(string marker)
    {
        var colon = marker.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0 || !int.TryParse(marker.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var parent) || parent != LibC.GetParentPid())
        {
            return null;
        }

        return marker[..colon] switch
        {
            StopModeName => LaunchMode.StopForTracer,
            SeccompModeName => LaunchMode.LoadSeccompFilter,
            _ => null,
        };
    }

    private static unsafe int RunChild(LaunchMode mode, string program, IReadOnlyList<string> argv)
    {
        // Everything execve needs is built before the stop or the filter: after the filter is loaded this
        // thread should make no call the target's profile might not allow.
        var seccompFilter = Environment.GetEnvironmentVariable(SeccompVariable);
        var environment = ReadEnvironment().Where(e => !IsMarker(e)).ToList();
        var path = NativeStrings.Allocate(program);
        var nativeArgv = NativeStrings.AllocateArray(argv);
        var nativeEnvironment = NativeStrings.AllocateArray(environment);
        LibC.ResetSignalsForExec();

        if (mode == LaunchMode.StopForTracer)
        {
            LibC.Raise(LibC.SigStop);
        }
        else
        {
            if (seccompFilter is null)
            {
                Console.Error.WriteLine("spoc: launcher child started without a seccomp filter");
                return LauncherFailed;
            }

            try
            {
                SeccompFilterLoader.LoadForExec(SeccompFilterDefinition.FromTransportJson(seccompFilter));
            }
            catch (Exception ex) when (ex is SeccompFilterException or System.Text.Json.JsonException)
            {
                Console.Error.WriteLine("spoc: cannot load the seccomp filter: " + ex.Message);
                return LauncherFailed;
            }
        }

        LibC.Execve(path, nativeArgv, nativeEnvironment);
        var errno = Marshal.GetLastPInvokeError();
        Console.Error.WriteLine("spoc: cannot execute " + program + ": " + LibC.ErrorText(errno));
        return errno == LibC.ENoEnt ? NotFound : CannotExecute;
    }

    private static bool IsMarker(string entry) =>
        entry.StartsWith(ModeVariable + "=", StringComparison.Ordinal) || entry.StartsWith(SeccompVariable + "=", StringComparison.Ordinal);

    // The process environment in its native order (the managed view is an unordered dictionary).
    private static unsafe List<string> ReadEnvironment()
    {
        foreach (var name in (ReadOnlySpan<string>)["libc.so.6", "libc"])
        {
            if (NativeLibrary.TryLoad(name, out var libc) && NativeLibrary.TryGetExport(libc, "environ", out var environ))
            {
                return NativeStrings.ReadArray(*(byte***)environ);
            }
        }

        return Environment.GetEnvironmentVariables().Cast<DictionaryEntry>()
            .Select(e => e.Key + "=" + e.Value)
            .Order(StringComparer.Ordinal)
            .ToList();
    }
}
