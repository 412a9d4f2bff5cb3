using SpoSdk.Api.V1;
using SpoSdk.Profiles.Seccomp;

namespace SpoSdk.Tests.Profiles;

/// <summary>
/// The base-profile union (api.md: <c>baseProfileName</c> names a profile to "union in"): a base rule gives way only
/// where the profile disagrees (another action or errno: the profile wins) or covers it (an unconditional rule of
/// the same action); a profile that only adds a condition leaves the base's rule in place.
/// </summary>
public sealed class SyscallUnionTests
{
    public static TheoryData<string, SeccompProfileSyscall[], SeccompProfileSyscall[], string[]> Cases => new()
    {
        { "same action, the profile adds a condition", [Allow(null, "socket")], [Allow(1, "socket")], ["SCMP_ACT_ALLOW socket", "SCMP_ACT_ALLOW socket if arg0==1"] },
        { "same action, other names of the base rule stay", [Allow(null, "read", "socket")], [Allow(1, "socket")], ["SCMP_ACT_ALLOW read,socket", "SCMP_ACT_ALLOW socket if arg0==1"] },
        { "same action, two conditions union", [Allow(2, "socket")], [Allow(1, "socket")], ["SCMP_ACT_ALLOW socket if arg0==1", "SCMP_ACT_ALLOW socket if arg0==2"] },
        { "same action, the profile's unconditional rule covers the base's", [Allow(2, "socket")], [Allow(null, "socket")], ["SCMP_ACT_ALLOW socket"] },
        { "another action: the profile wins", [Allow(null, "socket")], [Errno(1, 1, "socket")], ["SCMP_ACT_ERRNO/1 socket if arg0==1"] },
        { "another errno: the profile wins", [Errno(null, 1, "socket")], [Errno(1, 13, "socket")], ["SCMP_ACT_ERRNO/13 socket if arg0==1"] },
        { "mixed: one disagreeing rule is enough", [Allow(null, "socket")], [Allow(1, "socket"), Errno(2, 1, "socket")], ["SCMP_ACT_ALLOW socket if arg0==1", "SCMP_ACT_ERRNO/1 socket if arg0==2"] },
        { "names the profile does not mention stay", [Allow(null, "read", "write")], [Errno(null, 1, "write")], ["SCMP_ACT_ALLOW read", "SCMP_ACT_ERRNO/1 write"] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_base_rule_gives_way_only_where_the_profile_disagrees_or_covers_it(string why, SeccompProfileSyscall[] baseRules, SeccompProfileSyscall[] rules, string[] expected)
    {
        var merged = SyscallUnion.Merge(baseRules, rules);

        Assert.True(expected.SequenceEqual(merged.Select(Render)), why + ": " + string.Join(" | ", merged.Select(Render)));
    }

    private static SeccompProfileSyscall Allow(int? arg0, params string[] names) => Rule(SeccompAction.ScmpActAllow, null, arg0, names);

    private static SeccompProfileSyscall Errno(int? arg0, int errno, params string[] names) => Rule(SeccompAction.ScmpActErrno, errno, arg0, names);

    private static SeccompProfileSyscall Rule(SeccompAction action, int? errno, int? arg0, string[] names) => new()
    {
        Names = names,
        Action = action,
        ErrnoRet = errno,
        Args = arg0 is { } value ? [new SeccompProfileSyscallArg { Index = 0, Value = value, Op = SeccompOperator.ScmpCmpEq }] : null,
    };

    private static string Render(SeccompProfileSyscall rule) =>
        rule.Action.Value + (rule.ErrnoRet is { } errno ? "/" + errno : string.Empty) + " " + string.Join(',', rule.Names!)
        + (rule.Args is { Count: > 0 } args ? " if " + string.Join('&', args.Select(a => "arg" + a.Index + "==" + a.Value)) : string.Empty);
}
