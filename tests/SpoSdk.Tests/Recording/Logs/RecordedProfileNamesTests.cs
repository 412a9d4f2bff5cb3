using SpoSdk.Api.Schema;
using SpoSdk.Recording.Logs;
using SpoSdk.Recording.Recorders;

namespace SpoSdk.Tests.Recording.Logs;

public sealed class RecordedProfileNamesTests
{
    // test-vectors §1.11, PR #3377 TestCollectBpfProfilesProfileName.
    [Theory]
    [InlineData(true, "fixed-pod", null, "recording-container-fixed-pod")]
    [InlineData(false, "fixed-pod", null, "recording-container")]
    [InlineData(true, "generated-abcde", "generated-", "recording-container-abcde")]
    [InlineData(false, "generated-abcde", "generated-", "recording-container-abcde")]
    [InlineData(false, "web-7d9f8c6b5-x2x9q", "web-7d9f8c6b5-", "recording-container-x2x9q")]
    [InlineData(false, "other-name", "web-", "recording-container")]
    public void ProfileNamesFollowUpstreamIncludingTheCollisionFix(bool partial, string pod, string? generateName, string expected) =>
        Assert.Equal(expected, RecordedProfileNames.ForContainer("recording", "container", pod, generateName, partial));

    [Fact]
    public void ReplicaSuffixIsThePodNameMinusItsGenerateName()
    {
        Assert.Equal("abcde", RecordedProfileNames.ReplicaSuffix("my-deployment-5d9f-abcde", "my-deployment-5d9f-"));
        Assert.Equal(string.Empty, RecordedProfileNames.ReplicaSuffix("bare", null));
        Assert.Equal(string.Empty, RecordedProfileNames.ReplicaSuffix("bare", "other-"));
    }

    [Fact]
    public void MergedNameIsRecordingDashContainer() =>
        Assert.Equal("test-profile-merging-nginx", RecordedProfileNames.Merged("test-profile-merging", "nginx"));

    [Fact]
    public void OverlongNamesBecomeValidAndStayDistinct()
    {
        var pod = new string('p', 240);
        var a = RecordedProfileNames.ForContainer("recording", "nginx", pod + "a", null, partial: true);
        var b = RecordedProfileNames.ForContainer("recording", "nginx", pod + "b", null, partial: true);
        Assert.Equal(MetadataRules.MaxNameLength, a.Length);
        Assert.True(MetadataRules.IsDnsSubdomain(a), a);
        Assert.NotEqual(a, b);
        Assert.StartsWith("recording-nginx-ppp", a, StringComparison.Ordinal);
    }

    [Fact]
    public void AlternativeNamesAreStablePerRecordingAndDistinctAcrossRecordings()
    {
        var first = RecordedProfileNames.Candidates("a-b-c", "ns", "a", "b-c").ToList();
        var again = RecordedProfileNames.Candidates("a-b-c", "ns", "a", "b-c").ToList();
        var other = RecordedProfileNames.Candidates("a-b-c", "ns", "a-b", "c").ToList();
        Assert.Equal(first, again);
        Assert.Equal(RecordedProfileNames.MaxCandidates, first.Count);
        Assert.Equal("a-b-c", first[0]);
        Assert.Matches("^a-b-c-[0-9a-f]{8}$", first[1]);
        Assert.Matches("^a-b-c-[0-9a-f]{8}-2$", first[2]);
        Assert.Equal(first.Count, first.Distinct().Count());
        Assert.NotEqual(first[1], other[1]);
    }

    // test-vectors §1.6.5.
    [Theory]
    [InlineData("system_u:object_r:kubernetes_file_t:s0", "kubernetes_file_t")]
    [InlineData("0:1:2", "2")]
    [InlineData("system_u:system_r:selinuxrecording.process:s0:c218,c875", "@self")]
    public void AllowMapKeyIsTheTargetTypeWithSelfForTheRecordingDomain(string context, string expected)
    {
        Assert.True(SelinuxAllowMap.TryGetTargetType(context, out var type));
        Assert.Equal(expected, type);
    }

    [Theory]
    [InlineData("wrong")]
    [InlineData("a:b")]
    public void ContextsWithFewerThanThreeFieldsAreMalformed(string context) =>
        Assert.False(SelinuxAllowMap.TryGetTargetType(context, out _));
}
