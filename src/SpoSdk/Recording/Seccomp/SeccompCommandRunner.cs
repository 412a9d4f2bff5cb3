using SpoSdk.Recording.Launch;

namespace SpoSdk.Recording.Seccomp;

/// <summary>
/// Runs a command under a seccomp filter: a launcher child loads the filter on its main thread and
/// execs the command; this waits for it.
/// </summary>
public static class SeccompCommandRunner
{
    /// <summary>
    /// Runs <paramref name="program"/> (an absolute path) with <paramref name="argv"/> under the filter and
    /// returns its exit code, or 128 + the signal that ended it. Call <see cref="SeccompFilterLoader.Check"/>
    /// first: the child reports only a short message when the filter fails to load. Cancelling sends the
    /// command SIGTERM and still waits for it. Blocks the calling thread.
    /// </summary>
    /// <exception cref="LaunchException">The launcher child cannot be started.</exception>
    public static int Run(SeccompFilterDefinition definition, string program, IReadOnlyList<string> argv, LauncherCommand? launcher = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentException.ThrowIfNullOrEmpty(program);
        ArgumentNullException.ThrowIfNull(argv);
        var pid = LauncherChild.Spawn(launcher ?? LauncherCommand.CurrentProcess(), LaunchMode.LoadSeccompFilter, program, argv, definition.ToTransportJson());
        using var cancellation = cancellationToken.Register(() => LibC.Kill(pid, LibC.SigTerm));
        var result = LibC.WaitPidRetrying(pid, out var status, 0);
        if (result < 0)
        {
            throw new LaunchException("waitpid: " + LibC.ErrorText(-result), -result);
        }

        return LibC.ExitCodeOf(status);
    }
}
