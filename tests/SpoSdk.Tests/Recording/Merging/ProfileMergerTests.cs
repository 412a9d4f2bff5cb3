using SpoSdk.Api.Serialization;
using SpoSdk.Api.V1;
using SpoSdk.Recording.Merging;

namespace SpoSdk.Tests.Recording.Merging;

/// <summary>test-vectors.md §1.7.1 (UnionSyscalls) and §1.7.2 (MergeProfiles, normalisation).</summary>
public sealed class ProfileMergerTests
{
    private static readonly SeccompAction Allow = SeccompAction.ScmpActAllow;
    private static readonly SeccompAction Log = SeccompAction.ScmpActLog;
    private static readonly SeccompAction Errno = SeccompAction.ScmpActErrno;

    [Fact]
    public void UnionSyscalls_BothEmpty() => Assert.Empty(ProfileMerger.UnionSyscalls([], []));

    [Fact]
    public void UnionSyscalls_BaseEmpty() =>
        AssertRules(ProfileMerger.UnionSyscalls([], [Rule(Allow, "a", "b", "c")]), "a:ALLOW", "b:ALLOW", "c:ALLOW");

    [Fact]
    public void UnionSyscalls_AppliedEmpty() =>
        AssertRules(ProfileMerger.UnionSyscalls([Rule(Allow, "a", "b", "c")], []), "a:ALLOW", "b:ALLOW", "c:ALLOW");

    [Fact]
    public void UnionSyscalls_Args()
    {
        var left = Rule(Allow, "a", "b", "c");
        left.Args = [new SeccompProfileSyscallArg { Index = 1, Value = 2 }];
        var right = Rule(Allow, "a", "b", "c");
        right.Args = [new SeccompProfileSyscallArg { Index = 2, Value = 3 }];

        var result = ProfileMerger.UnionSyscalls([left], [right]);

        AssertRules(result, "a:ALLOW", "b:ALLOW", "c:ALLOW");
        Assert.All(result, r => Assert.Equal(["1=2", "2=3"], r.Args!.Select(a => a.Index + "=" + a.Value)));
    }

    // Beyond upstream's vectors: the kept action keeps its own conditions. An unconditional ERRNO merged with an
    // ALLOW only for arg0 == 0 must not become an unconditional ALLOW, which neither input granted.
    [Fact]
    public void UnionSyscalls_TheKeptActionKeepsItsConditions()
    {
        var conditional = Rule(Allow, "ptrace");
        conditional.Args = [new SeccompProfileSyscallArg { Index = 0, Value = 0 }];

        foreach (var (left, right) in new[] { (conditional, Rule(Errno, "ptrace")), (Rule(Errno, "ptrace"), conditional) })
        {
            var rule = Assert.Single(ProfileMerger.UnionSyscalls([left], [right]));
            Assert.Equal(Allow, rule.Action);
            Assert.Equal(["0=0"], rule.Args!.Select(a => a.Index + "=" + a.Value));
        }

        // An unconditional ALLOW absorbs a conditional ERRNO: it was the wider one already.
        var errnoIf = Rule(Errno, "ptrace");
        errnoIf.Args = [new SeccompProfileSyscallArg { Index = 0, Value = 16 }];
        Assert.Null(Assert.Single(ProfileMerger.UnionSyscalls([errnoIf], [Rule(Allow, "ptrace")])).Args);
    }

    [Fact]
    public void UnionSyscalls_DifferentActionsPicksLessRestrictive() =>
        AssertRules(ProfileMerger.UnionSyscalls([Rule(Allow, "a", "b", "c")], [Rule(Log, "a", "b", "c")]), "a:ALLOW", "b:ALLOW", "c:ALLOW");

    [Fact]
    public void UnionSyscalls_SameActionUniqueNames() =>
        AssertRules(ProfileMerger.UnionSyscalls([Rule(Allow, "a", "c", "b")], [Rule(Allow, "d", "f", "e")]), "a:ALLOW", "b:ALLOW", "c:ALLOW", "d:ALLOW", "e:ALLOW", "f:ALLOW");

    [Fact]
    public void UnionSyscalls_OverlappingNamesDeduplicatedAndNormalized() =>
        AssertRules(
            ProfileMerger.UnionSyscalls([Rule(Allow, "a", "b", "c"), Rule(Log, "x", "y", "z")], [Rule(Allow, "b", "c", "d"), Rule(Log, "x", "y", "z")]),
            "a:ALLOW", "b:ALLOW", "c:ALLOW", "d:ALLOW", "x:LOG", "y:LOG", "z:LOG");

    [Fact]
    public void UnionSyscalls_MoreRestrictiveFirstLosesAndTheWinnerKeepsItsErrno()
    {
        var errno = Rule(Errno, "a");
        errno.ErrnoRet = 13;
        var trace = Rule(SeccompAction.ScmpActTrace, "a");
        trace.ErrnoRet = 7;

        var result = Assert.Single(ProfileMerger.UnionSyscalls([errno], [trace]));

        Assert.Equal(SeccompAction.ScmpActTrace, result.Action);
        Assert.Equal(7, result.ErrnoRet);
    }

    [Fact]
    public void UnionSyscalls_ConditionalAndUnconditionalRuleStaysUnconditional()
    {
        var conditional = Rule(Allow, "a");
        conditional.Args = [new SeccompProfileSyscallArg { Index = 0, Value = 1, Op = SeccompOperator.ScmpCmpEq }];

        Assert.Null(Assert.Single(ProfileMerger.UnionSyscalls([conditional], [Rule(Allow, "a")])).Args);
    }

    [Fact]
    public void ActionRank_OrdersAsUpstream()
    {
        string[] order = ["SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP", "SCMP_ACT_ERRNO", "SCMP_ACT_NOTIFY", "SCMP_ACT_TRACE", "SCMP_ACT_LOG", "SCMP_ACT_ALLOW"];
        Assert.Equal(Enumerable.Range(0, 8), order.Select(a => SeccompActionRank.Of(new SeccompAction(a))));
        Assert.Equal(1, SeccompActionRank.Of(SeccompAction.ScmpActKill));
        Assert.Equal(-1, SeccompActionRank.Of(new SeccompAction("SCMP_ACT_BOGUS")));
        Assert.Equal(SeccompAction.ScmpActKill, SeccompActionRank.LessRestrictive(SeccompAction.ScmpActKill, SeccompAction.ScmpActKillThread));
        Assert.Equal(SeccompAction.ScmpActKillProcess, SeccompActionRank.MoreRestrictive(Allow, SeccompAction.ScmpActKillProcess));
    }

    [Fact]
    public void MergeProfiles_TwoSeccompProfiles()
    {
        var abc = Seccomp("test-abc", SeccompAction.ScmpActAllow, Rule(Errno, "a", "b", "c"));
        abc.Spec.BaseProfileName = "part1";
        var ced = Seccomp("test-ced", SeccompAction.ScmpActAllow, Rule(Errno, "c", "e", "d"));

        var merged = ProfileMerger.Merge([abc, ced]);

        Assert.Equal(5, merged.Spec.Syscalls!.Count);
        Assert.All(merged.Spec.Syscalls, r => Assert.Equal(Errno, r.Action));
        Assert.Equal(["a", "b", "c", "d", "e"], merged.Spec.Syscalls.Select(r => Assert.Single(r.Names)));
        Assert.Equal("part1", merged.Spec.BaseProfileName);
        Assert.Equal("test-abc", merged.Metadata.Name);
        Assert.Equal(3, abc.Spec.Syscalls![0].Names.Count);
    }

    [Fact]
    public void MergeProfiles_TwoSelinuxProfiles()
    {
        var foo = Selinux(new() { ["label_foo"] = new() { ["oc_bar"] = ["do_bar"], ["oc_baz"] = ["do_baz"] } });
        var bar = Selinux(new()
        {
            ["label_foo"] = new() { ["oc_bar"] = ["do_bar"], ["oc_bar2"] = ["do_bar2"], ["oc_baz2"] = ["do_baz2"] },
            ["label_aaa"] = new() { ["oc_aaa"] = ["do_aaa"], ["oc_bbb"] = ["do_bbb"] },
        });

        var allow = ProfileMerger.Merge([foo, bar]).Spec!.Allow!;

        Assert.Equal(["label_aaa", "label_foo"], allow.Keys);
        Assert.Equal(["oc_bar", "oc_bar2", "oc_baz", "oc_baz2"], allow["label_foo"].Keys);
        Assert.Equal(["do_bar"], allow["label_foo"]["oc_bar"]);
        Assert.Equal(["do_bar2"], allow["label_foo"]["oc_bar2"]);
        Assert.Equal(["do_baz"], allow["label_foo"]["oc_baz"]);
        Assert.Equal(["do_baz2"], allow["label_foo"]["oc_baz2"]);
        Assert.Equal(["do_aaa"], allow["label_aaa"]["oc_aaa"]);
        Assert.Equal(["do_bbb"], allow["label_aaa"]["oc_bbb"]);
    }

    // The CRD allows a SelinuxProfile without spec; as the first input it dropped every other input's allow rules.
    [Fact]
    public void Merging_into_a_SelinuxProfile_without_spec_keeps_the_others_allow_rules()
    {
        var empty = new SelinuxProfile { Metadata = new() { Name = "a" } };
        var other = Selinux(new() { ["var_log_t"] = new() { ["file"] = ["read"] } });

        var merged = ProfileMerger.Merge([empty, other]);

        Assert.Equal(["read"], merged.Spec!.Allow!["var_log_t"]["file"]);
        Assert.Null(merged.Spec.Inherit);
        Assert.False(ProfileMerger.FirstCoversAll([empty, other]));
        Assert.True(ProfileMerger.FirstCoversAll([merged, empty, other]));
        Assert.Null(ProfileMerger.Merge([empty, new SelinuxProfile { Metadata = new() { Name = "b" } }]).Spec);
    }

    [Fact]
    public void MergeProfiles_SelinuxPermissionsAppendWithoutDuplicates()
    {
        var first = Selinux(new() { ["t"] = new() { ["file"] = ["write", "read"] } });
        var second = Selinux(new() { ["t"] = new() { ["file"] = ["read", "open"] } });

        Assert.Equal(["write", "read", "open"], ProfileMerger.Merge([first, second]).Spec!.Allow!["t"]["file"]);
    }

    [Fact]
    public void MergeProfiles_TwoAppArmorProfiles()
    {
        var a = AppArmor(new AppArmorProfileAbstract
        {
            Executable = new() { AllowedExecutables = ["execA", "execB"], AllowedLibraries = ["libA"] },
            Filesystem = new() { ReadOnlyPaths = ["read1", "merged-rw1"], WriteOnlyPaths = ["write1", "merged-rw2"], ReadWritePaths = ["readwrite1"] },
            Network = new() { AllowRaw = true },
            Capability = new() { AllowedCapabilities = ["sys_admin", "net_admin"] },
        });
        var b = AppArmor(new AppArmorProfileAbstract
        {
            Executable = new() { AllowedExecutables = ["execA", "execC"] },
            Filesystem = new() { WriteOnlyPaths = ["merged-rw1"], ReadWritePaths = ["merged-rw2"] },
            Network = new() { AllowRaw = false, AllowedProtocols = new() { AllowTcp = true } },
            Capability = new() { AllowedCapabilities = ["net_admin", "net_raw"] },
        });

        var merged = ProfileMerger.Merge([a, b]).Spec!.Abstract!;

        Assert.Equal(["execA", "execB", "execC"], merged.Executable!.AllowedExecutables);
        Assert.Equal(["libA"], merged.Executable.AllowedLibraries);
        Assert.Equal(["read1"], merged.Filesystem!.ReadOnlyPaths);
        Assert.Equal(["write1"], merged.Filesystem.WriteOnlyPaths);
        Assert.Equal(["merged-rw1", "merged-rw2", "readwrite1"], merged.Filesystem.ReadWritePaths);
        Assert.True(merged.Network!.AllowRaw);
        Assert.True(merged.Network.AllowedProtocols!.AllowTcp);
        Assert.Null(merged.Network.AllowedProtocols.AllowUdp);
        Assert.Equal(["net_admin", "net_raw", "sys_admin"], merged.Capability!.AllowedCapabilities);
    }

    [Fact]
    public void Normalize_Seccomp_OneRulePerNameSorted()
    {
        var normalized = (SeccompProfile)ProfileMerger.Normalize(Seccomp("p", Errno, Rule(Allow, "write", "read")));

        AssertRules(normalized.Spec.Syscalls!, "read:ALLOW", "write:ALLOW");
    }

    [Fact]
    public void Normalize_AppArmor_SortsEveryList()
    {
        var normalized = (AppArmorProfile)ProfileMerger.Normalize(AppArmor(new AppArmorProfileAbstract
        {
            Executable = new() { AllowedExecutables = ["z-exec", "a-exec"] },
            Filesystem = new() { ReadOnlyPaths = ["/z", "/a"] },
            Capability = new() { AllowedCapabilities = ["sys_admin", "chown"] },
        }));

        Assert.Equal(["a-exec", "z-exec"], normalized.Spec!.Abstract!.Executable!.AllowedExecutables);
        Assert.Equal(["/a", "/z"], normalized.Spec.Abstract.Filesystem!.ReadOnlyPaths);
        Assert.Equal(["chown", "sys_admin"], normalized.Spec.Abstract.Capability!.AllowedCapabilities);
    }

    [Fact]
    public void Normalize_IsIdempotent()
    {
        var serializer = new SpoSerializer();
        var profile = Seccomp("p", Errno, Rule(Allow, "write", "read"), Rule(Log, "read", "open"));
        var once = ProfileMerger.Normalize(profile);

        Assert.Equal(serializer.ToJson(once), serializer.ToJson(ProfileMerger.Normalize(once)));
    }

    [Fact]
    public void Normalize_EqualsMergingOneProfile()
    {
        var serializer = new SpoSerializer();
        var profile = AppArmor(new AppArmorProfileAbstract { Filesystem = new() { ReadOnlyPaths = ["/b", "/a", "/a"] } });

        Assert.Equal(serializer.ToJson(ProfileMerger.Normalize(profile)), serializer.ToJson(ProfileMerger.Merge([profile])));
    }

    [Fact]
    public void FirstCoversAll_TellsSupersets()
    {
        var wide = Seccomp("wide", Errno, Rule(Allow, "read", "write", "open"));
        var narrow = Seccomp("narrow", Errno, Rule(Allow, "write"));

        Assert.True(ProfileMerger.FirstCoversAll([wide, narrow]));
        Assert.False(ProfileMerger.FirstCoversAll([narrow, wide]));
    }

    [Fact]
    public void Merge_ConvertsLegacyVersionsToV1()
    {
        var legacy = new SpoSerializer().Deserialize("""
            apiVersion: security-profiles-operator.x-k8s.io/v1beta1
            kind: SeccompProfile
            metadata: {name: legacy}
            spec:
              defaultAction: SCMP_ACT_ERRNO
              syscalls: [{action: SCMP_ACT_ALLOW, names: [b, a]}]
            """).Single();
        Assert.Equal("security-profiles-operator.x-k8s.io/v1beta1", legacy.KindInfo.ApiVersion);

        var merged = Assert.IsType<SeccompProfile>(ProfileMerger.Merge([legacy, Seccomp("x", Errno, Rule(Allow, "c"))]));

        Assert.Equal(["a", "b", "c"], merged.Spec.Syscalls!.Select(r => r.Names[0]));
    }

    [Fact]
    public void Merge_RefusesMixedKindsAndUnmergeableKinds()
    {
        var error = Assert.Throws<ProfileMergeException>(() => ProfileMerger.Merge([Seccomp("a", Errno), Selinux([])]));
        Assert.Equal("cannot merge SeccompProfile with SelinuxProfile", error.Message);
        Assert.Throws<ProfileMergeException>(() => ProfileMerger.Merge([new ProfileBinding()]));
        Assert.Throws<ProfileMergeException>(() => ProfileMerger.Merge(Array.Empty<Api.Schema.ISpoObject>()));
    }

    [Fact]
    public void Merge_UnionsArchitecturesAndFlagsInFirstSeenOrder()
    {
        var first = Seccomp("a", Errno);
        first.Spec.Architectures = [SeccompArchitecture.ScmpArchX8664];
        var second = Seccomp("b", Errno);
        second.Spec.Architectures = [SeccompArchitecture.ScmpArchAarch64, SeccompArchitecture.ScmpArchX8664];
        second.Spec.Flags = [SeccompFlag.SeccompFilterFlagLog];

        var merged = ProfileMerger.Merge([first, second]);

        Assert.Equal([SeccompArchitecture.ScmpArchX8664, SeccompArchitecture.ScmpArchAarch64], merged.Spec.Architectures);
        Assert.Equal([SeccompFlag.SeccompFilterFlagLog], merged.Spec.Flags);
    }

    internal static SeccompProfileSyscall Rule(SeccompAction action, params string[] names) => new() { Action = action, Names = names.ToList() };

    internal static SeccompProfile Seccomp(string name, SeccompAction defaultAction, params SeccompProfileSyscall[] rules) => new()
    {
        Metadata = new() { Name = name },
        Spec = new SeccompProfileSpec { DefaultAction = defaultAction, Syscalls = rules.Length == 0 ? null : rules.ToList() },
    };

    internal static AppArmorProfile AppArmor(AppArmorProfileAbstract value) => new() { Metadata = new() { Name = "aa" }, Spec = new() { Abstract = value } };

    private static SelinuxProfile Selinux(Dictionary<string, Dictionary<string, List<string>>> allow) => new()
    {
        Metadata = new() { Name = "se" },
        Spec = new SelinuxProfileSpec
        {
            Inherit = [new SelinuxProfileInherit { Kind = SelinuxProfileInheritKind.System, Name = "container" }],
            Allow = allow.ToDictionary(t => t.Key, t => (IDictionary<string, IList<string>>)t.Value.ToDictionary(c => c.Key, c => (IList<string>)c.Value)),
        },
    };

    private static void AssertRules(IEnumerable<SeccompProfileSyscall> rules, params string[] expected) =>
        Assert.Equal(expected, rules.Select(r => Assert.Single(r.Names) + ":" + r.Action.Value!["SCMP_ACT_".Length..]));
}
