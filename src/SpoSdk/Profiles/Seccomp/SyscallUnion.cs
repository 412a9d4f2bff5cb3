using System.Text.Json;
using SpoSdk.Api.Serialization;
using SpoSdk.Api.V1;

namespace SpoSdk.Profiles.Seccomp;

/// <summary>
/// Merges a base profile's syscall rules into a profile's. Upstream (v1.0.0) concatenates the two
/// lists, duplicates and all; here, as later upstream does for merging, rules with the same action,
/// errno and arguments become one rule with the sorted union of names, and where the profile and its
/// base disagree on a name, the profile wins (a runtime would otherwise refuse two rules for one
/// syscall). Order: by action, then errno, then arguments, then first name.
/// </summary>
public static class SyscallUnion
{
    /// <summary>The union of <paramref name="baseRules"/> and <paramref name="rules"/>.</summary>
    public static List<SeccompProfileSyscall> Merge(IEnumerable<SeccompProfileSyscall>? baseRules, IEnumerable<SeccompProfileSyscall>? rules)
    {
        var own = (rules ?? []).ToList();
        var ownNames = own.SelectMany(r => r.Names ?? []).ToHashSet(StringComparer.Ordinal);
        var inherited = (baseRules ?? []).Select(r => WithNames(r, (r.Names ?? []).Where(n => !ownNames.Contains(n))));
        return Normalize(inherited.Concat(own));
    }

    /// <summary>One rule per (action, errno, arguments), names sorted and unique, rules in a stable order.</summary>
    public static List<SeccompProfileSyscall> Normalize(IEnumerable<SeccompProfileSyscall> rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        return rules
            .Where(r => r.Names is { Count: > 0 })
            .GroupBy(r => (Action: r.Action.Value ?? string.Empty, r.ErrnoRet, Args: ArgsKey(r)))
            .Select(g => WithNames(g.First(), g.SelectMany(r => r.Names!)))
            .OrderBy(r => r.Action.Value, StringComparer.Ordinal)
            .ThenBy(r => r.ErrnoRet ?? -1)
            .ThenBy(ArgsKey, StringComparer.Ordinal)
            .ThenBy(r => r.Names![0], StringComparer.Ordinal)
            .ToList();
    }

    private static SeccompProfileSyscall WithNames(SeccompProfileSyscall rule, IEnumerable<string> names) => new()
    {
        Names = names.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList(),
        Action = rule.Action,
        ErrnoRet = rule.ErrnoRet,
        Args = rule.Args,
    };

    private static string ArgsKey(SeccompProfileSyscall rule) =>
        rule.Args is { Count: > 0 } args ? JsonSerializer.Serialize(args, SpoJsonOptions.Pruning) : string.Empty;
}
