using System.Text;
using System.Text.RegularExpressions;

namespace SpoSdk.Benchmarks.Audit;

/// <summary>
/// Upstream v1.0.0's audit parsing (runtime.md §5.2) ported to .NET source-generated regexes, with Go's ASCII
/// <c>\d \s \S \w</c> spelled as ASCII classes: the "straight port" the issue measures against.
/// <see cref="Parse(string)"/> follows upstream's flow per line: <c>IsAuditLine</c> (seccomp, SELinux, AppArmor
/// patterns with captures, as Go's <c>FindStringSubmatch</c>), then <c>ExtractAuditLine</c> (the same patterns
/// again, captures materialised as strings), plus the uid/gid pattern for seccomp lines.
/// <see cref="ParseOnce(string)"/> is a tighter variant that matches each line only once.
/// </summary>
public static partial class UpstreamRegexPort
{
    /// <summary>Upstream's flow; returns the pid of the event found, or -1.</summary>
    public static int Parse(string line) => IsAuditLine(line) ? ParseOnce(line) : -1;

    /// <summary>Upstream's <c>IsAuditLine</c>.</summary>
    public static bool IsAuditLine(string line) =>
        Seccomp().Match(line).Success || Selinux().Match(line).Success || AppArmor().Match(line).Success;

    /// <summary>Upstream's <c>ExtractAuditLine</c> (and uid/gid) alone, one match per line; returns the pid or -1.</summary>
    public static int ParseOnce(string line)
    {
        var m = Seccomp().Match(line);
        if (m.Success)
        {
            _ = m.Groups[2].Value;
            _ = m.Groups[4].Value;
            _ = int.Parse(m.Groups[5].ValueSpan, System.Globalization.CultureInfo.InvariantCulture);
            var ids = UidGid().Match(line);
            if (ids.Success)
            {
                _ = uint.Parse(ids.Groups[1].ValueSpan, System.Globalization.CultureInfo.InvariantCulture);
                _ = uint.Parse(ids.Groups[2].ValueSpan, System.Globalization.CultureInfo.InvariantCulture);
            }

            return int.Parse(m.Groups[3].ValueSpan, System.Globalization.CultureInfo.InvariantCulture);
        }

        m = Selinux().Match(line);
        if (m.Success)
        {
            _ = m.Groups[1].Value;
            _ = m.Groups[2].Value;
            _ = m.Groups[4].Value;
            _ = m.Groups[5].Value;
            _ = m.Groups[6].Value;
            return int.Parse(m.Groups[3].ValueSpan, System.Globalization.CultureInfo.InvariantCulture);
        }

        m = AppArmor().Match(line);
        if (m.Success)
        {
            _ = m.Groups[2].Value;
            _ = m.Groups[3].Value;
            _ = m.Groups[4].Value;
            _ = m.Groups[5].Value;
            _ = m.Groups[6].Value;
            _ = m.Groups[8].Value;
            if (m.Groups[9].Length > 0)
            {
                _ = m.Groups[9].Value.Replace('"', '\'');
            }

            return int.Parse(m.Groups[7].ValueSpan, System.Globalization.CultureInfo.InvariantCulture);
        }

        return -1;
    }

    /// <summary>As <see cref="Parse(string)"/> from UTF-8 bytes, decoding first as a regex-based reader must.</summary>
    public static int Parse(ReadOnlySpan<byte> line) => Parse(Encoding.UTF8.GetString(line));

    [GeneratedRegex("""(type=SECCOMP|audit:.*?type=1326).*?audit\(([^)]+)\).*?pid=([0-9]+).*?exe="([^"]*)".*?syscall=([0-9]+).*""", RegexOptions.CultureInvariant)]
    private static partial Regex Seccomp();

    [GeneratedRegex("""type=AVC.*?audit\(([^)]+)\).*?\{[\t\n\f\r ]*(.*?)[\t\n\f\r ]*\}.*?pid=([0-9]+).*?scontext=([^\t\n\f\r ]+).*?tcontext=([^\t\n\f\r ]+).*?tclass=([0-9A-Za-z_]+).*""", RegexOptions.CultureInvariant)]
    private static partial Regex Selinux();

    [GeneratedRegex("""(type=APPARMOR|audit:.*?type=1400).*?audit\(([^)]+)\).*?apparmor="([^"]*)".*?operation="([^"]*)".*?profile="([^"]*)".*?name="([^"]*)".*?pid=([0-9]+).*?comm="([^"]*)"[\t\n\f\r ]*(.*)""", RegexOptions.CultureInvariant)]
    private static partial Regex AppArmor();

    [GeneratedRegex(""".*?[\t\n\f\r ]uid=([0-9]+).*?[\t\n\f\r ]gid=([0-9]+).*""", RegexOptions.CultureInvariant)]
    private static partial Regex UidGid();
}
