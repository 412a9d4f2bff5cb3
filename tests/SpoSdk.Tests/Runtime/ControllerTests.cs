using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using k8s.Models;
using SpoSdk.Api.Conversion;
using SpoSdk.Api.Serialization;
using SpoSdk.Api.V1;
using SpoSdk.Runtime;
using SpoSdk.Runtime.Backends;
using SpoSdk.Runtime.Backends.InMemory;
using SpoSdk.Runtime.Controllers;
using SpoSdk.Runtime.Informers;
using SpoSdk.Runtime.Queue;

namespace SpoSdk.Tests.Runtime;

/// <summary>Informer, queue and controller together on the in-memory cluster.</summary>
public sealed class ControllerTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private readonly InMemoryBackend _backend = new(new InMemoryObjectStore(), new ObjectAdmission(SpoConverter.Default, SpoKindRegistry.Default));

    [Fact]
    public async Task Informer_lists_then_follows_changes_and_reads_are_copies()
    {
        var client = _backend.Resource<SeccompProfile>();
        await client.CreateAsync(Profile("before"));
        await using var informer = new Informer<SeccompProfile>(client);
        var seen = new ConcurrentQueue<(InformerEventType, string)>();
        informer.AddHandler(e => seen.Enqueue((e.Type, e.Object.Metadata.Name)));
        informer.Start();
        await informer.WaitForSyncAsync().WaitAsync(Patience);

        await client.CreateAsync(Profile("after"));
        await client.DeleteAsync(ObjectKey.Cluster("before"));
        await Eventually(() => seen.Count == 3);

        Assert.Equal([(InformerEventType.Added, "before"), (InformerEventType.Added, "after"), (InformerEventType.Deleted, "before")], seen.ToArray());
        var copy = informer.Get(ObjectKey.Cluster("after"))!;
        copy.Spec.DefaultAction = SeccompAction.ScmpActKill;
        Assert.Equal(SeccompAction.ScmpActErrno, informer.Get(ObjectKey.Cluster("after"))!.Spec.DefaultAction);
    }

    [Fact]
    public async Task Informer_relists_when_its_watch_expires()
    {
        var backend = new InMemoryBackend(new InMemoryObjectStore(new InMemoryStoreOptions { WatcherCapacity = 1 }), new ObjectAdmission(SpoConverter.Default, SpoKindRegistry.Default));
        var client = backend.Resource<SeccompProfile>();
        await using var informer = new Informer<SeccompProfile>(client);
        informer.Start();
        await informer.WaitForSyncAsync().WaitAsync(Patience);

        // More changes than the watcher may buffer: it is dropped with 410 and must relist to catch up.
        for (var i = 0; i < 50; i++)
        {
            await client.CreateAsync(Profile("p" + i));
        }

        await Eventually(() => informer.List().Count == 50);
    }

    [Fact]
    public async Task Controller_reconciles_each_change_once_per_key_and_retries_failures()
    {
        var client = _backend.Resource<SeccompProfile>();
        await using var informer = new Informer<SeccompProfile>(client);
        var reconciler = new RecordingReconciler(failFirst: "flaky");
        using var meter = new Meter("test");
        using var controller = new Controller<SeccompProfile>("seccomp", informer, reconciler, new ControllerOptions { MaxConcurrentReconciles = 2 }, metrics: new ControllerMetrics(meter), queueMetrics: new WorkQueueMetrics(meter));
        using var cts = new CancellationTokenSource();
        informer.Start(cts.Token);
        var run = controller.RunAsync(cts.Token);

        await client.CreateAsync(Profile("steady"));
        await client.CreateAsync(Profile("flaky"));
        await Eventually(() => reconciler.Succeeded.Contains("steady") && reconciler.Succeeded.Contains("flaky"));

        Assert.Equal(0, reconciler.Overlaps);
        Assert.Equal(2, reconciler.Calls["flaky"]);
        cts.Cancel();
        await run.WaitAsync(Patience);
    }

    [Fact]
    public async Task Requeue_after_comes_back()
    {
        var profiles = _backend.Resource<SeccompProfile>();
        await profiles.CreateAsync(Profile("web"));
        await using var informer = new Informer<SeccompProfile>(profiles);
        var reconciler = new RecordingReconciler(requeue: TimeSpan.FromMilliseconds(50));
        using var controller = new Controller<SeccompProfile>("seccomp", informer, reconciler);
        using var cts = new CancellationTokenSource();
        informer.Start(cts.Token);
        var run = controller.RunAsync(cts.Token);

        await Eventually(() => reconciler.Calls.GetValueOrDefault("web") >= 3);
        cts.Cancel();
        await run.WaitAsync(Patience);
    }

    [Fact]
    public async Task Secondary_watches_map_other_objects_to_keys()
    {
        var profiles = _backend.Resource<SeccompProfile>();
        var statuses = _backend.Resource<SecurityProfileNodeStatus>();
        await profiles.CreateAsync(Profile("web"));
        await using var informer = new Informer<SeccompProfile>(profiles);
        await using var statusInformer = new Informer<SecurityProfileNodeStatus>(statuses);
        var reconciler = new RecordingReconciler();
        using var controller = new Controller<SeccompProfile>("seccomp", informer, reconciler)
            .Watches(statusInformer, s => [ObjectKey.Cluster(s.Metadata.Labels["spo.x-k8s.io/profile-id"])]);
        using var cts = new CancellationTokenSource();
        informer.Start(cts.Token);
        statusInformer.Start(cts.Token);
        var run = controller.RunAsync(cts.Token);
        await Eventually(() => reconciler.Calls.GetValueOrDefault("web") == 1);

        await statuses.CreateAsync(new SecurityProfileNodeStatus
        {
            Metadata = new V1ObjectMeta { Name = "web-node1", Labels = new Dictionary<string, string> { ["spo.x-k8s.io/profile-id"] = "web" } },
            Spec = new SecurityProfileNodeStatusSpec { NodeName = "node1" },
        });

        await Eventually(() => reconciler.Calls.GetValueOrDefault("web") == 2);
        cts.Cancel();
        await run.WaitAsync(Patience);
    }

    // A reconcile asking to come back in 60 days (longer than a timer takes) used to be reconciled again and again.
    [Fact]
    public async Task R9_long_requeue_after_does_not_hot_loop()
    {
        var profiles = _backend.Resource<SeccompProfile>();
        await profiles.CreateAsync(Profile("web"));
        await using var informer = new Informer<SeccompProfile>(profiles);
        var reconciler = new RecordingReconciler(requeue: TimeSpan.FromDays(60));
        using var controller = new Controller<SeccompProfile>("seccomp", informer, reconciler);
        using var cts = new CancellationTokenSource();
        informer.Start(cts.Token);
        var run = controller.RunAsync(cts.Token);

        await Eventually(() => reconciler.Calls.GetValueOrDefault("web") >= 1);
        await Task.Delay(TimeSpan.FromSeconds(1));
        cts.Cancel();
        await run.WaitAsync(Patience);
        Assert.Equal(1, reconciler.Calls["web"]);
        Assert.Equal(0, controller.Queue.Retries(ObjectKey.Cluster("web")));
    }

    private static async Task Eventually(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met in time");
            await Task.Delay(10);
        }
    }

    private static SeccompProfile Profile(string name) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new SeccompProfileSpec { DefaultAction = SeccompAction.ScmpActErrno },
    };

    private sealed class RecordingReconciler(string? failFirst = null, TimeSpan? requeue = null) : IReconciler<SeccompProfile>
    {
        private readonly ConcurrentDictionary<string, byte> _running = new();
        private int _overlaps;

        public ConcurrentDictionary<string, int> Calls { get; } = new();

        public ConcurrentBag<string> Succeeded { get; } = new();

        public int Overlaps => _overlaps;

        public async Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken cancellationToken)
        {
            if (!_running.TryAdd(key.Name, 0))
            {
                Interlocked.Increment(ref _overlaps);
            }

            try
            {
                var calls = Calls.AddOrUpdate(key.Name, 1, (_, n) => n + 1);
                await Task.Delay(5, cancellationToken);
                if (key.Name == failFirst && calls == 1)
                {
                    throw new InvalidOperationException("first attempt fails");
                }

                Succeeded.Add(key.Name);
                return requeue is { } delay ? ReconcileResult.After(delay) : ReconcileResult.Done;
            }
            finally
            {
                _running.TryRemove(key.Name, out _);
            }
        }
    }
}
