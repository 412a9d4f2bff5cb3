namespace SpoSdk.Cli.CommandLine;

/// <summary>
/// One status line on stderr that a long command keeps rewriting ("reading manifests 120/300"), shown
/// only when stderr is a terminal: redirected to a file, a pipe or a test, stderr carries errors alone.
/// Updates come at most every <see cref="Interval"/> so a tight loop does not flood the terminal.
/// </summary>
internal sealed class CliProgress
{
    /// <summary>Progress that shows nothing.</summary>
    public static readonly CliProgress None = new(TextWriter.Null, enabled: false, TimeProvider.System);

    /// <summary>The least time between two updates.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    // Return to the line's start, and erase to its end (a shorter text leaves no tail of the last one).
    private const string Rewind = "\r";
    private const string EraseToEnd = "\u001b[K";

    private readonly TextWriter _stderr;
    private readonly TimeProvider _time;
    private long _lastShown;
    private bool _shown;

    /// <summary>Creates progress reporting on <paramref name="stderr"/>, or none when <paramref name="enabled"/> is false.</summary>
    public CliProgress(TextWriter stderr, bool enabled, TimeProvider time)
    {
        _stderr = stderr;
        _time = time;
        Enabled = enabled;
    }

    /// <summary>Whether anything is written (stderr is a terminal).</summary>
    public bool Enabled { get; }

    /// <summary>Shows <paramref name="status"/> in place of the last status, unless one was shown less than <see cref="Interval"/> ago.</summary>
    public void Report(string status)
    {
        if (!Enabled)
        {
            return;
        }

        var now = _time.GetTimestamp();
        if (_shown && _time.GetElapsedTime(_lastShown, now) < Interval)
        {
            return;
        }

        _lastShown = now;
        _shown = true;
        _stderr.Write(Rewind + status + EraseToEnd);
        _stderr.Flush();
    }

    /// <summary>Erases the status line, so what follows (results, errors) starts on a clean line.</summary>
    public void Clear()
    {
        if (!_shown)
        {
            return;
        }

        _shown = false;
        _stderr.Write(Rewind + EraseToEnd);
        _stderr.Flush();
    }
}
