using System.Collections.Frozen;

namespace SpoSdk.Translators.AppArmor;

/// <summary>
/// The whitelists every value must pass before it is written into an AppArmor policy. Hand-written
/// scanners rather than regular expressions: linear in the input, and able to say which character
/// is wrong.
/// </summary>
internal static class AppArmorInputRules
{
    /// <summary>The 41 Linux capability names AppArmor knows, lower case, without <c>CAP_</c>.</summary>
    public static readonly IReadOnlyList<string> CapabilityNames =
    [
        "chown", "dac_override", "dac_read_search", "fowner", "fsetid", "kill", "setgid", "setuid", "setpcap",
        "linux_immutable", "net_bind_service", "net_broadcast", "net_admin", "net_raw", "ipc_lock", "ipc_owner",
        "sys_module", "sys_rawio", "sys_chroot", "sys_ptrace", "sys_pacct", "sys_admin", "sys_boot", "sys_nice",
        "sys_resource", "sys_time", "sys_tty_config", "mknod", "lease", "audit_write", "audit_control", "setfcap",
        "mac_override", "mac_admin", "syslog", "wake_alarm", "block_suspend", "audit_read", "perfmon", "bpf",
        "checkpoint_restore",
    ];

    /// <summary>The accesses a ptrace rule can grant (apparmor.d(5)).</summary>
    public static readonly IReadOnlyList<string> PtraceAccesses = ["r", "w", "rw", "read", "readby", "trace", "tracedby"];

    private static readonly FrozenSet<string> Capabilities = CapabilityNames.ToFrozenSet(StringComparer.Ordinal);
    private static readonly FrozenSet<string> Ptrace = PtraceAccesses.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>Checks a profile name: <c>^[a-zA-Z0-9_./-]+$</c> (an empty name is allowed, as upstream).</summary>
    public static string? CheckName(string name)
    {
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '/' or '-'))
            {
                return "invalid profile name " + ErrorText.Quote(name) + ": character " + ErrorText.Describe(c) + " at offset " + i + " is not allowed (letters, digits, '_', '.', '/', '-')";
            }
        }

        return null;
    }

    /// <summary>
    /// Recognises the legacy ptrace form upstream lets users put into path lists
    /// (<c>^ptrace\s*\(([a-zA-Z]+)\),(?:\s*#.*)?$</c> with Go's meaning of <c>\s</c>, <c>.</c> and <c>$</c>).
    /// Returns false when <paramref name="entry"/> is not in that form; otherwise the access, lower case,
    /// or an error when it is not one apparmor_parser accepts.
    /// </summary>
    public static bool TryParsePtrace(string entry, out string access, out string? error)
    {
        access = string.Empty;
        error = null;
        if (!entry.StartsWith("ptrace", StringComparison.Ordinal))
        {
            return false;
        }

        var i = SkipGoSpace(entry, 6);
        if (i >= entry.Length || entry[i] != '(')
        {
            return false;
        }

        var start = ++i;
        while (i < entry.Length && char.IsAsciiLetter(entry[i]))
        {
            i++;
        }

        if (i == start || i + 1 >= entry.Length || entry[i] != ')' || entry[i + 1] != ',')
        {
            return false;
        }

        var word = entry[start..i];
        i = SkipGoSpace(entry, i + 2);
        if (i < entry.Length && (entry[i] != '#' || entry.IndexOf('\n', i) >= 0))
        {
            return false;
        }

        // A bare trailing whitespace run without a comment does not match upstream's pattern either.
        if (i == entry.Length && entry.Length > 0 && IsGoSpace(entry[^1]))
        {
            return false;
        }

        access = word.ToLowerInvariant();
        if (!Ptrace.Contains(access))
        {
            error = "invalid ptrace access " + ErrorText.Quote(word) + " (allowed: " + string.Join(", ", PtraceAccesses) + ")";
        }

        return true;
    }

    /// <summary>
    /// Checks a path: absolute, and only <c>[a-zA-Z0-9_./*?+@ -]</c> or variables <c>@{name}</c>.
    /// Executables and libraries must not climb out with <c>..</c>.
    /// </summary>
    public static string? CheckPath(string path, bool executableOrLibrary)
    {
        if (path.Length == 0)
        {
            return "path must not be empty";
        }

        if (path[0] != '/')
        {
            return "path must be absolute (start with '/'): " + ErrorText.Quote(path);
        }

        for (var i = 1; i < path.Length; i++)
        {
            var c = path[i];
            if (char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '/' or '*' or '?' or '+' or ' ' or '-')
            {
                continue;
            }

            if (c == '@')
            {
                if (i + 1 < path.Length && path[i + 1] == '{')
                {
                    var end = i + 2;
                    while (end < path.Length && (char.IsAsciiLetterOrDigit(path[end]) || path[end] == '_'))
                    {
                        end++;
                    }

                    if (end == i + 2 || end >= path.Length || path[end] != '}')
                    {
                        return "'@{' at offset " + i + " must start a variable @{name} (letters, digits, '_'): " + ErrorText.Quote(path);
                    }

                    i = end;
                }

                continue;
            }

            if (c is '{' or '}')
            {
                // apparmor_parser rejects a brace group without a comma, and commas are not allowed.
                return "braces are only allowed in a variable @{name}; found " + ErrorText.Describe(c) + " at offset " + i + ": " + ErrorText.Quote(path);
            }

            return "character " + ErrorText.Describe(c) + " at offset " + i + " is not allowed in a path (letters, digits, '_', '.', '/', '*', '?', '+', '@', ' ', '-', @{variables}): " + ErrorText.Quote(path);
        }

        if (executableOrLibrary && (path.StartsWith("/..", StringComparison.Ordinal) || path.Contains("/../", StringComparison.Ordinal) || path.EndsWith("/..", StringComparison.Ordinal)))
        {
            return "path must not climb directories with '..': " + ErrorText.Quote(path);
        }

        return null;
    }

    /// <summary>Normalises a capability (trimmed, lower case) and checks it against the 41 names.</summary>
    public static string? CheckCapability(string capability, out string normalized)
    {
        normalized = capability.Trim().ToLowerInvariant();
        return Capabilities.Contains(normalized)
            ? null
            : "invalid or forbidden capability " + ErrorText.Quote(capability) + " (a Linux capability name without the CAP_ prefix, e.g. net_bind_service)";
    }

    // Go's \s: [\t\n\f\r ].
    private static bool IsGoSpace(char c) => c is '\t' or '\n' or '\f' or '\r' or ' ';

    private static int SkipGoSpace(string text, int i)
    {
        while (i < text.Length && IsGoSpace(text[i]))
        {
            i++;
        }

        return i;
    }
}
