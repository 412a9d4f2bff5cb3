using SpoSdk.Api.Naming;
using SpoSdk.Api.V1;
using SpoSdk.Hosting;
using SpoSdk.Runtime;
using SpoSdk.Tests.Audit.Enrichment;

namespace SpoSdk.Tests.Hosting;

/// <summary>The periodic resync: a node file removed behind the operator's back comes back on the next one.</summary>
public sealed class PeriodicResyncTests
{
    [Fact]
    public async Task A_node_file_removed_behind_the_operator_is_written_again_by_the_next_resync()
    {
        await using var host = await OperatorHost.StartAsync((spo, root) => spo
            .UseInMemoryBackend().WithNodeName("node-1").WithNodeRoot(root).AddSeccomp()
            .WithResyncPeriod(TimeSpan.FromMilliseconds(200)));
        var profiles = host.Operator.Backend.Resource<SeccompProfile>();
        await profiles.CreateAsync(TwoInstancesTests.Profile("web", SeccompAction.ScmpActErrno));
        await Pods.EventuallyAsync(() => profiles.GetAsync(ObjectKey.Cluster("web")).GetAwaiter().GetResult()?.Status?.Status == SeccompProfileState.Installed, "the profile installed");
        var file = Path.Combine(host.Root, new NodePaths(NodePaths.DefaultKubeletDirectory).SeccompProfile("web").TrimStart('/'));
        var content = await File.ReadAllBytesAsync(file);

        File.Delete(file);

        await Pods.EventuallyAsync(() => File.Exists(file), "the resync to write the file again");
        Assert.Equal(content, await File.ReadAllBytesAsync(file));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(31 * 24 * 3600)]
    public void A_resync_period_must_be_positive_and_at_most_30_days(int seconds)
    {
        var builder = new SpoOperatorBuilder();
        Assert.Throws<ArgumentOutOfRangeException>(() => builder.WithResyncPeriod(TimeSpan.FromSeconds(seconds)));
        builder.WithResyncPeriod(null);
        builder.WithResyncPeriod(TimeSpan.FromDays(30));
    }
}
