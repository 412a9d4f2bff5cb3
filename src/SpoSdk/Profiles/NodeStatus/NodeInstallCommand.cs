using SpoSdk.Node.Commands;
using SpoSdk.Node.Files;

namespace SpoSdk.Profiles.NodeStatus;

/// <summary>Runs a node tool (semodule, apparmor_parser) for an install step and turns its exit into a <see cref="NodeInstallResult"/>.</summary>
internal static class NodeInstallCommand
{
    private static readonly CommandOptions Options = new() { Timeout = TimeSpan.FromMinutes(5), MaxOutputChars = 16 * 1024 };

    /// <summary>The local path of a host path under the node root.</summary>
    public static string LocalPath(INodeFileSystem files, string hostPath) => files.Root == "/" ? hostPath : files.Root.TrimEnd('/') + hostPath;

    /// <summary>Runs <paramref name="program"/> with <paramref name="arguments"/>; a non-zero exit, a missing program or a timeout is a failure naming <paramref name="what"/>.</summary>
    public static async Task<NodeInstallResult> RunAsync(ICommandRunner runner, string program, string tool, IReadOnlyList<string> arguments, string what, CancellationToken cancellationToken)
    {
        try
        {
            var result = await runner.RunAsync(program, arguments, Options, cancellationToken).ConfigureAwait(false);
            return result.Succeeded
                ? NodeInstallResult.Done
                : NodeInstallResult.Failed(tool + " could not " + what + " (exit " + result.ExitCode + "): " + OneLine(result.StandardError + result.StandardOutput));
        }
        catch (Exception ex) when (ex is CommandNotFoundException or TimeoutException)
        {
            return NodeInstallResult.Failed(tool + " could not " + what + ": " + ex.Message);
        }
    }

    // Tool output becomes an event message: one line.
    private static string OneLine(string text) => string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
