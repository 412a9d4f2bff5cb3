using SpoSdk.Audit.Parsing;

namespace SpoSdk.Audit.Sources;

/// <summary>Where a new tailer starts reading a file that exists when it starts.</summary>
public enum AuditLogStartPosition
{
    /// <summary>At the end, as upstream does (<c>SeekEnd</c>): lines written before the start are ignored.</summary>
    End,

    /// <summary>At the beginning: every line already in the file is read.</summary>
    Beginning,
}

/// <summary>What a tailer does when the consumer falls behind and the channel is full.</summary>
public enum AuditLogFullMode
{
    /// <summary>Stop reading the file until there is room (upstream's behaviour); nothing is lost, the file is the buffer.</summary>
    Wait,

    /// <summary>Drop the lines that do not fit and count them (<see cref="AuditLogSourceCounters.DroppedLines"/>); reading never stalls.</summary>
    Drop,
}

/// <summary>
/// Options of the audit log source (bindable with <c>IOptions</c>). Paths are host paths, resolved under
/// <see cref="NodeRoot"/>.
/// </summary>
public sealed class AuditLogSourceOptions
{
    /// <summary>The auditd log, used when it exists at start (upstream's first choice).</summary>
    public const string DefaultAuditLogPath = "/var/log/audit/audit.log";

    /// <summary>The syslog file, used when there is no auditd log at start.</summary>
    public const string DefaultSyslogPath = "/var/log/syslog";

    /// <summary>The directory the host's <c>/</c> is mounted at (<c>/</c> in a cluster, a temp dir in tests).</summary>
    public string NodeRoot { get; set; } = "/";

    /// <summary>The auditd log's host path.</summary>
    public string AuditLogPath { get; set; } = DefaultAuditLogPath;

    /// <summary>The syslog fallback's host path.</summary>
    public string SyslogPath { get; set; } = DefaultSyslogPath;

    /// <summary>
    /// Where to start in a file that exists at start; a file that appears later is always read from its beginning. A
    /// first open that fails with an error (not for want of a file) leaves the start for the next poll to decide.
    /// </summary>
    public AuditLogStartPosition StartPosition { get; set; } = AuditLogStartPosition.End;

    /// <summary>How often the file is checked for new lines, truncation and rotation.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Batches of lines the channel holds before the tailer waits or drops (upstream buffers 32 lines).</summary>
    public int ChannelCapacity { get; set; } = 32;

    /// <summary>What happens when the channel is full.</summary>
    public AuditLogFullMode FullMode { get; set; } = AuditLogFullMode.Wait;

    /// <summary>Lines longer than this many bytes are skipped and counted; the same cap as the parser's by default.</summary>
    public int MaxLineBytes { get; set; } = AuditParserOptions.DefaultMaxLineBytes;

    /// <summary>Bytes read from the file per read call; also the most a batch holds, unless one line is longer.</summary>
    public int ReadBufferBytes { get; set; } = 64 * 1024;

    /// <summary>Throws when a value is out of range, naming the option.</summary>
    public void Validate()
    {
        ArgumentException.ThrowIfNullOrEmpty(NodeRoot, nameof(NodeRoot));
        ArgumentException.ThrowIfNullOrEmpty(AuditLogPath, nameof(AuditLogPath));
        ArgumentException.ThrowIfNullOrEmpty(SyslogPath, nameof(SyslogPath));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(PollInterval, TimeSpan.Zero, nameof(PollInterval));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ChannelCapacity, nameof(ChannelCapacity));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxLineBytes, nameof(MaxLineBytes));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ReadBufferBytes, nameof(ReadBufferBytes));
        if (!Enum.IsDefined(StartPosition))
        {
            throw new ArgumentOutOfRangeException(nameof(StartPosition), StartPosition, "Not a start position.");
        }

        if (!Enum.IsDefined(FullMode))
        {
            throw new ArgumentOutOfRangeException(nameof(FullMode), FullMode, "Not a full mode.");
        }
    }
}
