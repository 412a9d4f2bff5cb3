namespace SpoSdk.Audit.Output;

/// <summary>
/// The klog header in front of an enriched line: <c>I0416 05:16:56.612345  123456 enricher.cs:1] </c>
/// (severity, month and day, time with microseconds, the logging process id right-aligned to 7, the call site).
/// </summary>
/// <param name="Time">The time printed, in the offset it carries (klog prints local time).</param>
/// <param name="ProcessId">The id of the logging process.</param>
/// <param name="Caller">The <c>file:line</c> call site; klog parsers only need its shape.</param>
public readonly record struct KlogHeader(DateTimeOffset Time, int ProcessId, string Caller = KlogHeader.DefaultCaller)
{
    /// <summary>The call site written when none is given.</summary>
    public const string DefaultCaller = "enricher.cs:1";

    internal void AppendTo(ref CharBuilder builder)
    {
        var time = Time;
        builder.Append('I');
        builder.AppendPadded(time.Month, 2, '0');
        builder.AppendPadded(time.Day, 2, '0');
        builder.Append(' ');
        builder.AppendPadded(time.Hour, 2, '0');
        builder.Append(':');
        builder.AppendPadded(time.Minute, 2, '0');
        builder.Append(':');
        builder.AppendPadded(time.Second, 2, '0');
        builder.Append('.');
        builder.AppendPadded((int)(time.Ticks % TimeSpan.TicksPerSecond / 10), 6, '0');
        builder.Append(' ');
        builder.AppendPadded(ProcessId, 7, ' ');
        builder.Append(' ');
        builder.Append(Caller ?? DefaultCaller);
        builder.Append("] ");
    }
}
