using System.Globalization;
using Microsoft.Win32.SafeHandles;

namespace SpoSdk.Audit.Enrichment;

/// <summary>
/// <see cref="IProcFs"/> over a directory: <c>/proc</c> by default (a node's SPO daemon runs with the host PID
/// namespace), or any directory laid out like it (SPOD <c>hostProcVolumePath</c>, tests).
/// </summary>
public sealed class ProcFs : IProcFs
{
    /// <summary>The real <c>/proc</c>.</summary>
    public const string DefaultRoot = "/proc";

    /// <summary>Reads under <paramref name="root"/> (default <c>/proc</c>).</summary>
    public ProcFs(string root = DefaultRoot)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        Root = Path.TrimEndingDirectorySeparator(root);
    }

    /// <inheritdoc/>
    public string Root { get; }

    /// <inheritdoc/>
    public bool TryRead(int pid, ProcFile file, Span<byte> buffer, out int length)
    {
        length = 0;
        if (pid <= 0)
        {
            return false;
        }

        var path = Root + "/" + pid.ToString(CultureInfo.InvariantCulture) + "/" + FileName(file);
        try
        {
            using SafeFileHandle handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);

            // /proc files report size 0 and are produced as they are read: read until the end or the buffer is full.
            while (length < buffer.Length)
            {
                var read = RandomAccess.Read(handle, buffer[length..], length);
                if (read == 0)
                {
                    break;
                }

                length += read;
            }

            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Gone (ENOENT), exited while being read (ESRCH), or not ours to read (EACCES): all mean "unknown".
            length = 0;
            return false;
        }
    }

    /// <inheritdoc/>
    public bool TryReadBootTime(out DateTimeOffset bootTime)
    {
        bootTime = default;
        try
        {
            // "btime <seconds since the epoch>" is one line of the system-wide stat file.
            foreach (var line in File.ReadLines(Root + "/stat"))
            {
                if (line.StartsWith("btime ", StringComparison.Ordinal)
                    && long.TryParse(line.AsSpan(6).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
                    && seconds <= DateTimeOffset.MaxValue.ToUnixTimeSeconds())
                {
                    bootTime = DateTimeOffset.FromUnixTimeSeconds(seconds);
                    return true;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }

        return false;
    }

    private static string FileName(ProcFile file) => file switch
    {
        ProcFile.Stat => "stat",
        ProcFile.Cgroup => "cgroup",
        ProcFile.Cmdline => "cmdline",
        ProcFile.Environ => "environ",
        _ => throw new ArgumentOutOfRangeException(nameof(file), file, "not a /proc file the enrichment reads"),
    };
}
