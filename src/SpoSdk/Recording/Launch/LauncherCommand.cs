using System.Reflection;

namespace SpoSdk.Recording.Launch;

/// <summary>
/// How to start the program that acts as the launcher child: a program that calls
/// <see cref="LauncherChild.RunIfRequested"/> first thing in <c>Main</c> (spoc does). The child's
/// arguments are these <see cref="Arguments"/>, then the target's path and argv.
/// </summary>
/// <param name="Path">The executable to spawn (an apphost, or the <c>dotnet</c> muxer).</param>
/// <param name="Arguments">Arguments before the target's, e.g. the entry assembly for the muxer.</param>
public sealed record LauncherCommand(string Path, IReadOnlyList<string> Arguments)
{
    /// <summary>
    /// The running program itself: its apphost, or <c>dotnet</c> plus the entry assembly when it was
    /// started as <c>dotnet app.dll</c>.
    /// </summary>
    public static LauncherCommand CurrentProcess()
    {
        var processPath = Environment.ProcessPath ?? throw new LaunchException("the path of the running program is unknown");
        var entry = Assembly.GetEntryAssembly()?.Location;
        var isMuxer = System.IO.Path.GetFileNameWithoutExtension(processPath).Equals("dotnet", StringComparison.Ordinal);
        if (isMuxer)
        {
            if (string.IsNullOrEmpty(entry))
            {
                throw new LaunchException("cannot relaunch a program started through dotnet without an entry assembly path");
            }

            return new LauncherCommand(processPath, [entry]);
        }

        return new LauncherCommand(processPath, []);
    }
}
