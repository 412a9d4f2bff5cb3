using System.Globalization;

namespace SpoSdk.Audit.Output;

/// <summary>Conversions of the record time written in <c>audit(T:S)</c> (<c>1746611740.574:325</c>).</summary>
public static class AuditTimestamp
{
    /// <summary>
    /// Upstream's <c>AuditTimeToIso</c>: the whole seconds of an audit id or timestamp as UTC
    /// <c>YYYY-MM-DDTHH:MM:SS.000Z</c>; the milliseconds are dropped (always <c>.000</c>), as upstream.
    /// <c>1746611740.574:325</c> gives <c>2025-05-07T09:55:40.000Z</c>.
    /// </summary>
    public static bool TryFormatIso(ReadOnlySpan<char> auditIdOrTimestamp, out string iso)
    {
        iso = string.Empty;
        if (!TryGetSeconds(auditIdOrTimestamp, out var seconds, out _))
        {
            return false;
        }

        iso = seconds.ToString("yyyy'-'MM'-'dd'T'HH':'mm':'ss'.000Z'", CultureInfo.InvariantCulture);
        return true;
    }

    /// <summary>As <see cref="TryFormatIso"/>, throwing <see cref="FormatException"/> for an unparsable value.</summary>
    public static string FormatIso(string auditIdOrTimestamp)
    {
        ArgumentNullException.ThrowIfNull(auditIdOrTimestamp);
        return TryFormatIso(auditIdOrTimestamp, out var iso)
            ? iso
            : throw new FormatException("invalid timestamp audit ID: " + auditIdOrTimestamp);
    }

    /// <summary>The record time with its milliseconds, in UTC.</summary>
    public static bool TryGetTime(ReadOnlySpan<char> auditIdOrTimestamp, out DateTimeOffset time)
    {
        time = default;
        if (!TryGetSeconds(auditIdOrTimestamp, out var seconds, out var fraction))
        {
            return false;
        }

        // Up to 7 fractional digits are representable in ticks; the kernel writes 3.
        long ticks = 0;
        var digits = 0;
        foreach (var c in fraction)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }

            if (digits < 7)
            {
                ticks = (ticks * 10) + (c - '0');
                digits++;
            }
        }

        for (; digits < 7; digits++)
        {
            ticks *= 10;
        }

        time = seconds.AddTicks(ticks);
        return true;
    }

    private static bool TryGetSeconds(ReadOnlySpan<char> value, out DateTimeOffset seconds, out ReadOnlySpan<char> fraction)
    {
        seconds = default;
        fraction = default;
        var colon = value.IndexOf(':');
        var timestamp = colon < 0 ? value : value[..colon];
        var dot = timestamp.IndexOf('.');
        var whole = dot < 0 ? timestamp : timestamp[..dot];
        fraction = dot < 0 ? default : timestamp[(dot + 1)..];

        // Go's strconv.ParseInt: an optional sign, then decimal digits.
        if (!long.TryParse(whole, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var unixSeconds)
            || unixSeconds < DateTimeOffset.MinValue.ToUnixTimeSeconds() || unixSeconds > DateTimeOffset.MaxValue.ToUnixTimeSeconds() - 1)
        {
            return false;
        }

        seconds = DateTimeOffset.FromUnixTimeSeconds(unixSeconds);
        return true;
    }
}
