using k8s.Models;
using SpoSdk.Api.Conversion;
using SpoSdk.Api.Naming;
using SpoSdk.Api.Serialization;
using SpoSdk.Api.V1;
using SpoSdk.Profiles.NodeStatus;
using SpoSdk.Runtime;
using SpoSdk.Runtime.Backends;
using SpoSdk.Runtime.Backends.InMemory;
using SpoSdk.Runtime.Informers;

namespace SpoSdk.Tests.Profiles;

/// <summary>The manager's combination of node statuses into a profile's status (runtime.md §1.7).</summary>
public sealed class ProfileStatusAggregatorTests
{
    // A deleted profile whose nodes have cleaned up (statuses deleted) but that another finalizer still holds must not
    // go back to Pending / Ready=False Creating: upstream writes nothing with fewer statuses than desired, so it stays
    // Terminating. With no expected nodes (none configured) the same holds once no status is left.
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_deleting_profile_does_not_fall_back_to_pending_once_its_node_statuses_are_gone(bool nodesKnown)
    {
        var backend = new InMemoryBackend(new InMemoryObjectStore(), new ObjectAdmission(SpoConverter.Default, SpoKindRegistry.Default));
        using var stop = new CancellationTokenSource();
        await using var profiles = new Informer<SeccompProfile>(backend.Resource<SeccompProfile>());
        await using var statuses = new Informer<SecurityProfileNodeStatus>(backend.Resource<SecurityProfileNodeStatus>());
        profiles.Start(stop.Token);
        statuses.Start(stop.Token);
        var created = await backend.Resource<SeccompProfile>().CreateAsync(new SeccompProfile
        {
            Metadata = new V1ObjectMeta { Name = "web", Finalizers = ["example.com/keep"] },
            Spec = new SeccompProfileSpec { DefaultAction = SeccompAction.ScmpActErrno },
        });
        var statusClient = backend.Resource<SecurityProfileNodeStatus>();
        var status = await statusClient.CreateAsync(new SecurityProfileNodeStatus
        {
            Metadata = new V1ObjectMeta
            {
                Name = "web-node-1",
                Labels = new Dictionary<string, string> { [SpoLabels.ProfileId] = ProfileNames.ProfileId("SeccompProfile", "web") },
                OwnerReferences = [new V1OwnerReference { ApiVersion = created.ApiVersion, Kind = "SeccompProfile", Name = "web", Uid = created.Metadata.Uid, Controller = true }],
            },
            Spec = new SecurityProfileNodeStatusSpec { NodeName = "node-1" },
        });
        status.Status = new SecurityProfileNodeStatusStatus { Status = SecurityProfileNodeState.Terminating };
        await statusClient.UpdateStatusAsync(status);
        await backend.Resource<SeccompProfile>().DeleteAsync(ObjectKey.Cluster("web"));
        await SeccompNodeFixture.SettleAsync(() => true, () => Task.FromResult(profiles.Get(ObjectKey.Cluster("web"))?.Metadata.DeletionTimestamp is not null && statuses.List() is [{ Status.Status: not null }]));
        IReadOnlyCollection<string> expected = nodesKnown ? ["node-1"] : [];
        var aggregator = new SeccompProfileStatusAggregator(backend, profiles, statuses, () => expected, new NodePaths());

        await aggregator.ReconcileAsync(ObjectKey.Cluster("web"), CancellationToken.None);
        Assert.Equal(SeccompProfileState.Terminating, (await backend.Resource<SeccompProfile>().GetAsync(ObjectKey.Cluster("web")))!.Status!.Status);

        // The node removes its file, deletes its status, then its finalizer (here: it had none; another controller's stays).
        await statusClient.DeleteAsync(ObjectKey.Cluster("web-node-1"));
        await SeccompNodeFixture.SettleAsync(() => true, () => Task.FromResult(statuses.List().Count == 0));
        await aggregator.ReconcileAsync(ObjectKey.Cluster("web"), CancellationToken.None);

        var stored = (await backend.Resource<SeccompProfile>().GetAsync(ObjectKey.Cluster("web")))!;
        Assert.Equal(SeccompProfileState.Terminating, stored.Status!.Status);
        var ready = Assert.Single(stored.Status.Conditions!, c => c.Type == "Ready");
        Assert.Equal(("False", "Deleting"), (ready.Status.Value, ready.Reason));
    }
}
