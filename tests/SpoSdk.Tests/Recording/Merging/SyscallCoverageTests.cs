using SpoSdk.Api.Schema;
using SpoSdk.Api.Serialization;
using SpoSdk.Api.V1;
using SpoSdk.Recording.Merging;

namespace SpoSdk.Tests.Recording.Merging;

/// <summary>test-vectors.md §1.7.4: the syscall-coverage annotation of merged seccomp profiles.</summary>
public sealed class SyscallCoverageTests
{
    private static readonly SeccompAction Allow = SeccompAction.ScmpActAllow;

    public static TheoryData<string, SeccompProfile[], string> Vectors => new()
    {
        { "heterogeneous", [P(["read", "write", "openat"]), P(["read", "write", "socket"]), P(["read", "write"])], """{"version":"v1","total":3,"syscalls":{"openat":1,"read":3,"socket":1,"write":3}}""" },
        { "homogeneous", [P(["read", "write"]), P(["read", "write"]), P(["read", "write"])], """{"version":"v1","total":3,"syscalls":{"read":3,"write":3}}""" },
        { "single", [P(["read", "write"])], """{"version":"v1","total":1,"syscalls":{"read":1,"write":1}}""" },
        { "duplicate names in one rule", [P(["read", "read", "write"]), P(["read"])], """{"version":"v1","total":2,"syscalls":{"read":2,"write":1}}""" },
        { "same syscall in two rules", [P(["read"], ["read"]), P(["write"])], """{"version":"v1","total":2,"syscalls":{"read":1,"write":1}}""" },
        { "different actions", [ProfileMergerTests.Seccomp("p", SeccompAction.ScmpActErrno, ProfileMergerTests.Rule(Allow, "read"), ProfileMergerTests.Rule(SeccompAction.ScmpActLog, "write")), P(["read"])], """{"version":"v1","total":2,"syscalls":{"read":2,"write":1}}""" },
        { "empty rules", [P(["read"]), ProfileMergerTests.Seccomp("p", SeccompAction.ScmpActErrno)], """{"version":"v1","total":2,"syscalls":{"read":1}}""" },
        { "empty names list", [P(Array.Empty<string>()), P(["read"])], """{"version":"v1","total":2,"syscalls":{"read":1}}""" },
    };

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Compute(string name, SeccompProfile[] partials, string expected)
    {
        Assert.NotNull(name);
        Assert.Equal(expected, SyscallCoverage.Compute(partials));
    }

    [Fact]
    public void NoPartialsOrOtherKinds_GiveNothing()
    {
        Assert.Equal(string.Empty, SyscallCoverage.Compute([]));
        Assert.Equal(string.Empty, SyscallCoverage.Compute([ProfileMergerTests.AppArmor(new AppArmorProfileAbstract())]));
    }

    [Fact]
    public void IsStableUnderPermutationAndDoesNotMutate()
    {
        var serializer = new SpoSerializer();
        ISpoObject[] partials = [P(["socket", "read"]), P(["write", "read"]), P(["openat"])];
        var before = partials.Select(serializer.ToJson).ToList();
        var expected = SyscallCoverage.Compute(partials);

        Assert.Equal(expected, SyscallCoverage.Compute(partials.Reverse().ToArray()));
        Assert.Equal(expected, SyscallCoverage.Compute([partials[1], partials[2], partials[0]]));
        Assert.Equal(before, partials.Select(serializer.ToJson));
    }

    [Fact]
    public void ComputedBeforeMerging_CountsPartialsNotRules()
    {
        var partials = new[] { P(["read", "write"]), P(["read", "socket"]) };

        var coverage = SyscallCoverage.Compute(partials);
        var merged = ProfileMerger.Merge(partials);
        SyscallCoverage.Annotate(merged, coverage);

        Assert.Equal("""{"version":"v1","total":2,"syscalls":{"read":2,"socket":1,"write":1}}""", merged.Metadata.Annotations![SyscallCoverage.AnnotationKey]);
        Assert.Equal(["read", "socket", "write"], merged.Spec.Syscalls!.Select(r => r.Names[0]));
    }

    [Fact]
    public void Annotate_KeepsOtherAnnotationsAndIgnoresEmpty()
    {
        var profile = P(["read"]);
        SyscallCoverage.Annotate(profile, string.Empty);
        Assert.Null(profile.Metadata.Annotations);

        profile.Metadata.Annotations = new Dictionary<string, string> { ["user.example.com/keep"] = "yes", [SyscallCoverage.AnnotationKey] = "stale" };
        SyscallCoverage.Annotate(profile, SyscallCoverage.Compute([profile]));

        Assert.Equal("yes", profile.Metadata.Annotations["user.example.com/keep"]);
        Assert.Equal("""{"version":"v1","total":1,"syscalls":{"read":1}}""", profile.Metadata.Annotations[SyscallCoverage.AnnotationKey]);
    }

    private static SeccompProfile P(params string[][] rules) => ProfileMergerTests.Seccomp("p", SeccompAction.ScmpActErrno, rules.Select(names => ProfileMergerTests.Rule(Allow, names)).ToArray());
}
