using SpoSdk.Api.Naming;
using SpoSdk.Api.Schema;

namespace SpoSdk.Api.Tests.Naming;

/// <summary>Derived names, against upstream's own test vectors and the 63/253-character limits.</summary>
public sealed class ProfileNamesTests
{
    [Theory]
    [InlineData("SeccompProfile", "shortname-profile", "SeccompProfile-shortname-profile")]
    [InlineData("SeccompProfile", "this-is-a-very-long-name-surely-over-64-characters-omg-its-overflowing", "SeccompProfile-9d42ecd8a72de861cc202ee69381e536088eec6dc43f8f8e")]
    public void Profile_ids_match_upstream(string kind, string name, string id)
    {
        Assert.Equal(id, ProfileNames.ProfileId(kind, name));
    }

    [Fact]
    public void The_id_is_hashed_from_63_characters_on()
    {
        // "SeccompProfile-" is 15 characters: a 47-character name gives 62, a 48-character one 63.
        var kept = new string('a', 47);
        Assert.Equal("SeccompProfile-" + kept, ProfileNames.ProfileId("SeccompProfile", kept));

        // sha256("SeccompProfile-abcdefghijklmnopqrstuvwxyz-abcdefghijklmnopqrstu"), computed with sha256sum.
        var hashed = ProfileNames.ProfileId("SeccompProfile", "abcdefghijklmnopqrstuvwxyz-abcdefghijklmnopqrstu");
        Assert.Equal("SeccompProfile-db5389bed93992066169d3d7f5b3a202c31e714e335fb2e9", hashed);
        Assert.Equal(ProfileNames.MaxLabelLength, hashed.Length);
    }

    [Fact]
    public void A_kind_too_long_for_any_hash_keeps_only_its_prefix()
    {
        var kind = new string('K', 70);

        Assert.Equal(kind + "-", ProfileNames.ProfileId(kind, "p"));
    }

    [Theory]
    [InlineData("somenode-1234a-hhbhz-worker-c-xswffw.c.testlongnodename.internal", "somenode-1234a-hhbhz-worker-c-xswffw.c.testlongnodename-deleted")]
    [InlineData("somenode-1234a.internal", "somenode-1234a.internal-deleted")]
    public void Upstreams_node_finalizers_are_known(string node, string finalizer)
    {
        Assert.Equal(finalizer, ProfileNames.UpstreamNodeFinalizer(node));
        Assert.True(finalizer.Length <= ProfileNames.MaxLabelLength);
    }

    [Fact]
    public void A_node_name_that_fits_gives_upstreams_finalizer()
    {
        var node = new string('n', 55);

        Assert.Equal(node + "-deleted", ProfileNames.NodeFinalizer(node));
        Assert.Equal(ProfileNames.UpstreamNodeFinalizer(node), ProfileNames.NodeFinalizer(node));
    }

    [Fact]
    public void Long_node_names_sharing_their_first_55_characters_get_distinct_finalizers_that_fit_a_label()
    {
        var prefix = new string('n', 50) + "-pool";
        var (a, b) = (ProfileNames.NodeFinalizer(prefix + "-a"), ProfileNames.NodeFinalizer(prefix + "-b"));

        Assert.NotEqual(a, b);
        Assert.Equal(ProfileNames.MaxLabelLength, a.Length);
        Assert.StartsWith(prefix[..46] + "-", a, StringComparison.Ordinal);
        Assert.EndsWith("-deleted", a, StringComparison.Ordinal);
        Assert.Equal(ProfileNames.UpstreamNodeFinalizer(prefix + "-a"), ProfileNames.UpstreamNodeFinalizer(prefix + "-b"));
    }

    [Fact]
    public void Node_status_names_join_profile_and_node_while_they_fit()
    {
        Assert.Equal("nginx-worker-1", ProfileNames.NodeStatusName("SeccompProfile", "nginx", "worker-1"));

        var profile = new string('p', 200);
        var node = new string('n', 52);
        Assert.Equal(profile + "-" + node, ProfileNames.NodeStatusName("SeccompProfile", profile, node));
    }

    [Fact]
    public void Node_status_names_over_253_characters_use_the_hashed_id_and_stay_valid()
    {
        var profile = new string('p', 200);
        var node = "worker-" + new string('n', 60);

        var name = ProfileNames.NodeStatusName("SeccompProfile", profile, node);

        Assert.Equal(ProfileNames.ProfileId("SeccompProfile", profile).ToLowerInvariant() + "-" + node, name);
        Assert.True(MetadataRules.IsDnsSubdomain(name), name);
    }

    [Fact]
    public void A_cut_node_status_name_never_ends_in_a_separator()
    {
        var profile = new string('p', 120);
        var node = new string('n', 186) + "-.-" + new string('m', 10);

        var name = ProfileNames.NodeStatusName("SeccompProfile", profile, node);

        Assert.True(name.Length <= MetadataRules.MaxNameLength);
        Assert.False(name.EndsWith('-') || name.EndsWith('.'), name);
        Assert.StartsWith("seccompprofile-", name, StringComparison.Ordinal);
    }
}
