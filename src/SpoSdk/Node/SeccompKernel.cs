namespace SpoSdk.Node;

/// <summary>Whether the kernel this process runs on can enforce seccomp filters.</summary>
public static class SeccompKernel
{
    /// <summary>Where the kernel reports a process's seccomp mode (proc(5), since Linux 3.8).</summary>
    public const string ProcessStatus = "/proc/self/status";

    // This process's kernel cannot change while it runs: read once, whichever SDK instance asks first.
    private static readonly Lazy<bool> ThisKernel = new(() => OperatingSystem.IsLinux() && HasSeccompLine(ProcessStatus));

    /// <summary>
    /// True when <paramref name="statusPath"/> has a <c>Seccomp:</c> line: the kernel writes it only when built with
    /// seccomp, which is upstream's own check (runtime.md §1.5 step 1). A node agent shares its node's kernel, so its
    /// own status answers for the node. Not Linux, or no readable status, is no seccomp.
    /// </summary>
    public static bool IsSupported(string statusPath = ProcessStatus)
    {
        ArgumentException.ThrowIfNullOrEmpty(statusPath);
        return statusPath == ProcessStatus ? ThisKernel.Value : HasSeccompLine(statusPath);
    }

    private static bool HasSeccompLine(string statusPath)
    {
        try
        {
            foreach (var line in File.ReadLines(statusPath))
            {
                if (line.StartsWith("Seccomp:", StringComparison.Ordinal))
                {
                    return true;
                }
            }

            return false;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
