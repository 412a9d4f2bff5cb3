using System.Text;
using System.Text.RegularExpressions;

namespace SpoSdk.Recording.AppArmor;

/// <summary>
/// Upstream's recorder rules for file paths (<c>bpfrecorder_apparmor.go</c>, <c>apparmor_filters.go</c>):
/// variance normalisation, excluded prefixes, and the prefixes that <c>abstractions/base</c> already allows.
/// </summary>
public static partial class AppArmorPathRules
{
    /// <summary>Prefixes of system library directories (from <c>abstractions/base</c>).</summary>
    public static IReadOnlyList<string> KnownLibraryPrefixes { get; } =
    [
        "/usr/lib32/locale/", "/usr/lib64/locale/", "/usr/lib32/gconv/", "/usr/lib64/gconv/",
        "/usr/lib/x86_64-linux-gnu/", "/lib/x86_64-linux-gnu/", "/lib64/", "/lib/tls/", "/usr/lib/tls/",
    ];

    /// <summary>Prefixes of files commonly read (from <c>abstractions/base</c>).</summary>
    public static IReadOnlyList<string> KnownReadPrefixes { get; } =
    [
        "/dev/random", "/dev/urandom", "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d/", "/etc/locale/",
        "/etc/locale.alias/", "/etc/localtime", "/usr/share/locale/", "/usr/lib/locale/", "/etc/locale.alias",
    ];

    /// <summary>Prefixes of files commonly written.</summary>
    public static IReadOnlyList<string> KnownWritePrefixes { get; } = ["/dev/log"];

    /// <summary>Prefixes never recorded (container runtime internals).</summary>
    public static IReadOnlyList<string> ExcludedPrefixes { get; } = ["/run/containerd/io.containerd.runtime.v2.task/k8s.io", "/usr/bin/runc"];

    /// <summary>
    /// Replaces the parts of a path that differ between runs, in upstream's order: PIDs and TIDs under
    /// <c>/proc</c> (and directly under <c>/</c>) become <c>@{pid}</c> and <c>@{tid}</c>, container storage
    /// IDs, UUIDs, hex strings of 32+ digits and digit runs of 6+ become <c>*</c>, and anything under
    /// <c>/sys/devices/</c> becomes <c>/sys/devices/**</c>.
    /// </summary>
    public static string Normalize(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        path = DirectPid().Replace(path, "/@{pid}/", 1);
        path = DirectTid().Replace(path, "/@{pid}/task/@{tid}/", 1);
        path = ProcPid().Replace(path, "/proc/@{pid}/", 1);
        path = ProcTid().Replace(path, "/proc/@{pid}/task/@{tid}/", 1);
        path = ContainerStorage().Replace(path, "/var/lib/containers/storage/overlay/*/");
        path = Uuid().Replace(path, "*");
        path = LongHex().Replace(path, "*");
        path = LongDigits().Replace(path, "*");
        return path.StartsWith("/sys/devices/", StringComparison.Ordinal) ? "/sys/devices/**" : path;
    }

    /// <summary>
    /// Makes a recorded path safe for a profile rule: every character the profile generator does not accept in a path
    /// (<c>:</c>, <c>,</c>, <c>~</c>, brackets, braces, controls, non-ASCII…) and every literal glob character
    /// (<c>*</c>) becomes <c>?</c>, one per UTF-8 byte, so that the rule still matches the real file and no other
    /// directory level; a replacement character (bytes that were not valid UTF-8, length unknown) becomes <c>*</c>. The
    /// kernel's <c>" (deleted)"</c> suffix is kept. Run it before <see cref="Normalize"/>, whose globs are then the only ones.
    /// </summary>
    /// <remarks>Upstream writes recorded paths unescaped, so one such path makes the whole recorded profile invalid.</remarks>
    public static string Escape(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        const string Deleted = " (deleted)";
        var end = path.EndsWith(Deleted, StringComparison.Ordinal) ? path.Length - Deleted.Length : path.Length;
        var result = new StringBuilder(path.Length);
        foreach (var rune in path.AsSpan(0, end).EnumerateRunes())
        {
            if (rune.IsAscii && (char.IsAsciiLetterOrDigit((char)rune.Value) || rune.Value is '_' or '.' or '/' or '+' or ' ' or '-' or '@' or '?'))
            {
                result.Append((char)rune.Value);
            }
            else if (rune == Rune.ReplacementChar)
            {
                result.Append('*');
            }
            else
            {
                result.Append('?', rune.Utf8SequenceLength);
            }
        }

        return result.Append(path, end, path.Length - end).ToString();
    }

    /// <summary>Whether the path is never recorded.</summary>
    public static bool IsExcluded(string path) => StartsWithAny(path, ExcludedPrefixes);

    /// <summary>Whether the path starts with one of <paramref name="prefixes"/>.</summary>
    public static bool StartsWithAny(string path, IReadOnlyList<string> prefixes)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(prefixes);
        foreach (var prefix in prefixes)
        {
            if (path.StartsWith(prefix, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    // Go's \d and \w are ASCII-only; .NET's are not, hence the explicit classes.
    [GeneratedRegex("^/[0-9]+/", RegexOptions.CultureInvariant)]
    private static partial Regex DirectPid();

    [GeneratedRegex("^/@\\{pid\\}/task/[0-9]+/", RegexOptions.CultureInvariant)]
    private static partial Regex DirectTid();

    [GeneratedRegex("^/proc/[0-9]+/", RegexOptions.CultureInvariant)]
    private static partial Regex ProcPid();

    [GeneratedRegex("^/proc/@\\{pid\\}/task/[0-9]+/", RegexOptions.CultureInvariant)]
    private static partial Regex ProcTid();

    [GeneratedRegex("/var/lib/containers/storage/overlay/[0-9A-Za-z_]+/", RegexOptions.CultureInvariant)]
    private static partial Regex ContainerStorage();

    [GeneratedRegex("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}", RegexOptions.CultureInvariant)]
    private static partial Regex Uuid();

    [GeneratedRegex("[0-9a-fA-F]{32,}", RegexOptions.CultureInvariant)]
    private static partial Regex LongHex();

    [GeneratedRegex("[0-9]{6,}", RegexOptions.CultureInvariant)]
    private static partial Regex LongDigits();
}
