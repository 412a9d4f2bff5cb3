namespace SpoSdk.Node.Commands;

/// <summary>
/// Finds a program file: first in the given absolute locations (upstream looks for
/// <c>apparmor_parser</c> at <c>/usr/sbin</c>, then <c>/sbin</c>), then on <c>PATH</c>.
/// </summary>
public static class ExecutableLocator
{
    /// <summary>
    /// The full path of the first existing, executable file among <paramref name="preferredPaths"/>
    /// and <c>PATH/<paramref name="name"/></c>, or null when there is none.
    /// </summary>
    /// <param name="name">A bare program name (no directory part).</param>
    /// <param name="preferredPaths">Absolute paths tried first, in order.</param>
    public static string? Find(string name, params IReadOnlyList<string> preferredPaths)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(preferredPaths);
        if (name.Contains('/', StringComparison.Ordinal) || name.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException("A program name has no directory part.", nameof(name));
        }

        foreach (var path in preferredPaths)
        {
            if (Path.IsPathFullyQualified(path) && IsExecutableFile(path))
            {
                return path;
            }
        }

        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            // A relative PATH entry would make the result depend on the current directory.
            if (!Path.IsPathFullyQualified(directory))
            {
                continue;
            }

            var candidate = Path.Combine(directory, name);
            if (IsExecutableFile(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private static bool IsExecutableFile(string path)
    {
        if (!File.Exists(path))
        {
            return false;
        }

        if (OperatingSystem.IsWindows())
        {
            return true;
        }

        const UnixFileMode AnyExecute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        return (File.GetUnixFileMode(path) & AnyExecute) != 0;
    }
}
