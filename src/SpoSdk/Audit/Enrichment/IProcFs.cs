namespace SpoSdk.Audit.Enrichment;

/// <summary>The per-process files of <c>/proc</c> the enrichment reads.</summary>
public enum ProcFile
{
    /// <summary><c>/proc/&lt;pid&gt;/stat</c>: the process start time (field 22).</summary>
    Stat,

    /// <summary><c>/proc/&lt;pid&gt;/cgroup</c>: the cgroup paths, which name the container.</summary>
    Cgroup,

    /// <summary><c>/proc/&lt;pid&gt;/cmdline</c>: the arguments, NUL-separated.</summary>
    Cmdline,

    /// <summary><c>/proc/&lt;pid&gt;/environ</c>: the initial environment, NUL-separated.</summary>
    Environ,
}

/// <summary>
/// The seam for <c>/proc</c>: the real one on a node (<see cref="ProcFs"/>), a directory laid out like it in tests.
/// Reads are bounded by the caller's buffer, so a hostile or huge file never costs more than that.
/// </summary>
public interface IProcFs
{
    /// <summary>The directory that plays <c>/proc</c>.</summary>
    string Root { get; }

    /// <summary>
    /// Reads the start of <c>&lt;root&gt;/&lt;pid&gt;/&lt;file&gt;</c> into <paramref name="buffer"/>. False when the
    /// process or the file does not exist or cannot be read (the process may have exited meanwhile); a file longer
    /// than the buffer fills it (<paramref name="length"/> equals the buffer's length).
    /// </summary>
    bool TryRead(int pid, ProcFile file, Span<byte> buffer, out int length);

    /// <summary>The boot time, <c>btime</c> of <c>&lt;root&gt;/stat</c>, to which process start times are relative; false when unknown.</summary>
    bool TryReadBootTime(out DateTimeOffset bootTime);
}
