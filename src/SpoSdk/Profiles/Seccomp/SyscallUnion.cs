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
/// <remarks>
/// A base rule gives up a name only when one of the profile's rules for that name has another action
/// or errno (they disagree) or has no arguments (it already covers every call). A profile rule of the
/// same action that only adds a condition is a union with the base's: base <c>ALLOW socket</c> and
/// profile <c>ALLOW socket if arg0 == 1</c> still allow every socket call.
/// </remarks>
public static class SyscallUnion
{
    /// <summary>The union of <paramref name="baseRules"/> and <paramref name="rules"/>.</summary>
    public static List<SeccompProfileSyscall> Merge(IEnumerable<SeccompProfileSyscall>? baseRules, IEnumerable<SeccompProfileSyscall>? rules)
    {
        var own = (rules ?? []).ToList();
        var ownRules = new Dictionary<string, List<SeccompProfileSyscall>>(StringComparer.Ordinal);
        foreach (var rule in own)
        {
            foreach (var name in rule.Names ?? [])
            {
                (ownRules.TryGetValue(name, out var list) ? list : ownRules[name] = []).Add(rule);
            }
        }

        var inherited = (baseRules ?? []).Select(r => WithNames(r, (r.Names ?? []).Where(n => !ownRules.TryGetValue(n, out var list) || !list.Any(o => Overrides(o, r)))));
        return Normalize(inherited.Concat(own));
    }

    // Whether the profile's rule takes a name away from the base's rule: it disagrees (another action or errno:
    // the profile wins) or it has no condition (it covers every call the base's rule does).
    private static bool Overrides(SeccompProfileSyscall own, SeccompProfileSyscall inherited) =>
        own.Action.Value != inherited.Action.Value || own.ErrnoRet != inherited.ErrnoRet || own.Args is not { Count: > 0 };

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
