using System.Buffers;
using System.Text;

namespace SpoSdk.Audit.Enrichment;

/// <summary>What the JSON enricher reports of a process: its command line and the exec request that started it.</summary>
/// <param name="CmdLine"><c>/proc/&lt;pid&gt;/cmdline</c> with every NUL turned into a space (so it usually ends in one), as upstream.</param>
/// <param name="RequestUid">
/// <c>SPO_EXEC_REQUEST_UID</c> from the environment, else from a <c>SPO_EXEC_REQUEST_UID=&lt;uid&gt;</c> argument
/// (the exec-metadata webhook injects <c>env SPO_EXEC_REQUEST_UID=&lt;uid&gt;</c>); null when neither has one.
/// </param>
public sealed record ProcessCommandLine(string CmdLine, string? RequestUid)
{
    /// <summary>The variable the exec-metadata webhook sets.</summary>
    public const string RequestUidVariable = "SPO_EXEC_REQUEST_UID";

    /// <summary>The most of <c>cmdline</c> read.</summary>
    public const int MaxCmdlineBytes = 32 * 1024;

    /// <summary>The most of <c>environ</c> searched.</summary>
    public const int MaxEnvironBytes = 128 * 1024;

    /// <summary>Reads the process's command line and request UID; null when its command line cannot be read (it exited).</summary>
    public static ProcessCommandLine? Read(IProcFs proc, int pid)
    {
        ArgumentNullException.ThrowIfNull(proc);
        var buffer = ArrayPool<byte>.Shared.Rent(MaxEnvironBytes);
        try
        {
            if (!proc.TryRead(pid, ProcFile.Cmdline, buffer.AsSpan(0, MaxCmdlineBytes), out var length))
            {
                return null;
            }

            var cmdline = Encoding.UTF8.GetString(buffer, 0, length).Replace('\0', ' ');
            var requestUid = proc.TryRead(pid, ProcFile.Environ, buffer.AsSpan(0, MaxEnvironBytes), out length)
                ? FindInEnvironment(buffer.AsSpan(0, length))
                : null;
            return new ProcessCommandLine(cmdline, requestUid ?? FindInCommandLine(cmdline));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The value of <c>SPO_EXEC_REQUEST_UID</c> in a NUL-separated environment; null when absent or empty.</summary>
    public static string? FindInEnvironment(ReadOnlySpan<byte> environ)
    {
        foreach (var range in environ.Split((byte)0))
        {
            var entry = environ[range];
            if (entry.Length > RequestUidVariable.Length + 1 && entry[RequestUidVariable.Length] == '='
                && entry.StartsWith("SPO_EXEC_REQUEST_UID"u8))
            {
                return Encoding.UTF8.GetString(entry[(RequestUidVariable.Length + 1)..]);
            }
        }

        return null;
    }

    /// <summary>
    /// Upstream's <c>extractSPORequestUID</c>: the value of a space-separated <c>SPO_EXEC_REQUEST_UID=&lt;uid&gt;</c>
    /// token of the command line; null when there is none or its value is empty.
    /// </summary>
    public static string? FindInCommandLine(string cmdline)
    {
        ArgumentNullException.ThrowIfNull(cmdline);
        foreach (var token in cmdline.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (token.Length > RequestUidVariable.Length + 1 && token.StartsWith(RequestUidVariable + "=", StringComparison.Ordinal))
            {
                return token[(RequestUidVariable.Length + 1)..];
            }
        }

        return null;
    }
}
