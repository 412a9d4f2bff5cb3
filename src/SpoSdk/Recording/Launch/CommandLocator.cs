namespace SpoSdk.Recording.Launch;

/// <summary>Finds the file a command name refers to, as <c>execvp</c> would.</summary>
public static class CommandLocator
{
    /// <summary>
    /// The absolute path of <paramref name="command"/>: a name with a slash is taken relative to the
    /// current directory, any other is looked up in <c>PATH</c> (an empty entry meaning the current
    /// directory, as POSIX says). Null when there is no executable file.
    /// </summary>
    public static string? Resolve(string command)
    {
        ArgumentException.ThrowIfNullOrEmpty(command);
        if (command.Contains('/', StringComparison.Ordinal))
        {
            var full = Path.GetFullPath(command);
            return IsExecutableFile(full) ? full : null;
        }

        var path = Environment.GetEnvironmentVariable("PATH") ?? "/usr/local/bin:/usr/bin:/bin";
        foreach (var directory in path.Split(':'))
        {
            var candidate = Path.GetFullPath(Path.Combine(directory.Length == 0 ? "." : directory, command));
            if (IsExecutableFile(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private static bool IsExecutableFile(string path) => File.Exists(path) && LibC.Access(path, LibC.XOk) == 0;
}
