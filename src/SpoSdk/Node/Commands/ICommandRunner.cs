namespace SpoSdk.Node.Commands;

/// <summary>
/// Runs an external program with an argument array, never a shell command line: each argument
/// reaches the program as one argv element, whatever characters it holds. Tests replace it.
/// </summary>
public interface ICommandRunner
{
    /// <summary>
    /// Runs <paramref name="fileName"/> with <paramref name="arguments"/> and waits for it to exit.
    /// </summary>
    /// <param name="fileName">An absolute path, or a program name looked up on <c>PATH</c>.</param>
    /// <param name="arguments">The argv elements after the program name.</param>
    /// <param name="options">Working directory, environment, standard input, time limit and output cap.</param>
    /// <param name="cancellationToken">Cancels the wait; the process (and its children) is killed.</param>
    /// <returns>The exit code and the captured output.</returns>
    /// <exception cref="CommandNotFoundException">The program does not exist or cannot be started.</exception>
    /// <exception cref="TimeoutException">The program ran longer than <see cref="CommandOptions.Timeout"/> and was killed.</exception>
    Task<CommandResult> RunAsync(string fileName, IReadOnlyList<string> arguments, CommandOptions? options = null, CancellationToken cancellationToken = default);
}

/// <summary>How <see cref="ICommandRunner.RunAsync"/> starts and bounds a program.</summary>
public sealed record CommandOptions
{
    /// <summary>The working directory; null keeps the current one.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>Environment variables to set (a null value removes the variable); the rest is inherited.</summary>
    public IReadOnlyDictionary<string, string?>? Environment { get; init; }

    /// <summary>Text written to the program's standard input, which is then closed; null gives it an empty input.</summary>
    public string? StandardInput { get; init; }

    /// <summary>The longest the program may run before it is killed; null waits without limit.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>
    /// At most this many characters of each output stream are kept (the rest is read and dropped),
    /// so a chatty or hostile program cannot exhaust memory.
    /// </summary>
    public int MaxOutputChars { get; init; } = 1024 * 1024;
}

/// <summary>What a finished program returned.</summary>
/// <param name="ExitCode">The exit code (128 + signal number when killed by a signal, as shells report it).</param>
/// <param name="StandardOutput">The captured standard output, at most <see cref="CommandOptions.MaxOutputChars"/> characters.</param>
/// <param name="StandardError">The captured standard error, at most <see cref="CommandOptions.MaxOutputChars"/> characters.</param>
/// <param name="OutputTruncated">Whether either stream was longer than the cap.</param>
public sealed record CommandResult(int ExitCode, string StandardOutput, string StandardError, bool OutputTruncated = false)
{
    /// <summary>Whether the program exited with code 0.</summary>
    public bool Succeeded => ExitCode == 0;
}

/// <summary>The program of a command does not exist or could not be started.</summary>
public sealed class CommandNotFoundException : Exception
{
    /// <summary>Creates the exception for <paramref name="fileName"/>.</summary>
    public CommandNotFoundException(string fileName, Exception? innerException = null)
        : base("cannot start '" + fileName + "'" + (innerException is null ? string.Empty : ": " + innerException.Message), innerException)
    {
        FileName = fileName;
    }

    /// <summary>The program that could not be started.</summary>
    public string FileName { get; }
}
