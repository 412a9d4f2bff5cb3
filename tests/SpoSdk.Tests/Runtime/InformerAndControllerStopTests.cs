using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using k8s.Models;
using SpoSdk.Api.Conversion;
using SpoSdk.Api.Serialization;
using SpoSdk.Api.V1;
using SpoSdk.Runtime;
using SpoSdk.Runtime.Backends;
using SpoSdk.Runtime.Backends.InMemory;
using SpoSdk.Runtime.Controllers;
using SpoSdk.Runtime.Informers;

namespace SpoSdk.Tests.Runtime;

/// <summary>
/// What a stop or a lost leadership means for queued work, how an informer retries a watch that keeps failing, and
/// what a handler added to a running informer hears.
/// </summary>
public sealed class InformerAndControllerStopTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private readonly InMemoryBackend _backend = new(new InMemoryObjectStore(), new ObjectAdmission(SpoConverter.Default, SpoKindRegistry.Default));

    // Keys still queued when the token is cancelled are let go, not reconciled: this instance must not write any more.
    [Fact]
    public async Task Cancelled_controller_does_not_reconcile_queued_keys()
    {
        var profiles = _backend.Resource<SeccompProfile>();
        await using var informer = new Informer<SeccompProfile>(profiles);
        var gate = new TaskCompletionSource();
        var calledAfterCancel = 0;
        using var cts = new CancellationTokenSource();
        var reconciler = new LambdaReconciler(async (key, ct) =>
        {
            if (ct.IsCancellationRequested)
            {
                Interlocked.Increment(ref calledAfterCancel);

                // No token check before writing, as most reconcilers.
                await profiles.UpdateWithRetryAsync(key, p => { p.Metadata.Labels ??= new Dictionary<string, string>(); p.Metadata.Labels["written-after-cancel"] = "yes"; return true; }, ct);
                return ReconcileResult.Done;
            }

            if (key.Name == "p0")
            {
                await gate.Task; // ignores its token, as a sync file write would
            }

            return ReconcileResult.Done;
        });
        using var controller = new Controller<SeccompProfile>("seccomp", informer, reconciler);
        informer.Start(cts.Token);
        await profiles.CreateAsync(Profile("p0"));
        var run = controller.RunAsync(cts.Token);
        await Eventually(() => controller.Queue.Count == 0 && !controller.Queue.IsIdle);
        for (var i = 1; i <= 5; i++)
        {
            await profiles.CreateAsync(Profile("p" + i));
        }

        await Eventually(() => controller.Queue.Count == 5);
        cts.Cancel(); // leadership lost / shutdown
        gate.SetResult();
        await run.WaitAsync(Patience);

        var written = (await profiles.ListAsync()).Items.Count(p => p.Metadata.Labels?.ContainsKey("written-after-cancel") == true);
        Assert.Equal(0, calledAfterCancel);
        Assert.Equal(0, written);
    }

    // A watch that fails at once after a successful list (RBAC that grants list but not watch), or that is gone
    // every time, is retried with a growing delay: 100 ms, 200, 400, 800, so about five lists in two seconds.
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Informer_backs_off_when_the_watch_keeps_failing(bool gone)
    {
        var client = new BrokenWatchClient<SeccompProfile>(
            _backend.Resource<SeccompProfile>(),
            () => gone ? new ResourceGoneException("too old") : new ResourceForbiddenException(new ResourceStatus(403, "Forbidden", "cannot watch", [])));
        await using var informer = new Informer<SeccompProfile>(client);
        informer.Start();
        await Task.Delay(TimeSpan.FromSeconds(2));

        Assert.InRange(client.Lists, 2, 6);
    }

    // A handler added to a running informer hears the replay of what is cached before any later change, so a
    // deletion during the replay never comes before the replayed Added of the same object.
    [Fact]
    public async Task Handler_added_late_never_ends_with_a_deleted_object()
    {
        var profiles = _backend.Resource<SeccompProfile>();
        await profiles.CreateAsync(Profile("a"));
        await profiles.CreateAsync(Profile("x"));
        await using var informer = new Informer<SeccompProfile>(profiles);
        informer.Start();
        await informer.WaitForSyncAsync().WaitAsync(Patience);

        var present = new ConcurrentDictionary<string, byte>();
        var replaying = new ManualResetEventSlim();
        var add = Task.Run(() => informer.AddHandler(e =>
        {
            if (e.Type == InformerEventType.Deleted)
            {
                present.TryRemove(e.Object.Metadata.Name, out _);
                return;
            }

            if (e.Type == InformerEventType.Added && e.Object.Metadata.Name == "a" && !replaying.IsSet)
            {
                // The replay pauses here while x is deleted.
                replaying.Set();
                Thread.Sleep(300);
            }

            present[e.Object.Metadata.Name] = 0;
        }));
        Assert.True(replaying.Wait(Patience));
        await profiles.DeleteAsync(ObjectKey.Cluster("x"));
        await add.WaitAsync(Patience);

        await Eventually(() => informer.Get(ObjectKey.Cluster("x")) is null && !present.ContainsKey("x"));
        Assert.True(present.ContainsKey("a"));
    }

    // A change the informer has cached but not yet delivered must not reach a handler twice: once in the handler's
    // replay and again as the change itself. The second handler is added from inside the first one's replay (same
    // thread, so it takes the delivery lock at once) while the informer has a change for x in hand.
    [Fact]
    public async Task Handler_added_while_a_change_waits_for_delivery_hears_it_once()
    {
        var profiles = _backend.Resource<SeccompProfile>();
        await profiles.CreateAsync(Profile("a"));
        await using var informer = new Informer<SeccompProfile>(profiles);
        informer.Start();
        await informer.WaitForSyncAsync().WaitAsync(Patience);

        var replaying = new ManualResetEventSlim();
        var xCreated = new ManualResetEventSlim();
        var firstHeard = new ConcurrentQueue<string>();
        var secondHeard = new ConcurrentQueue<string>();
        var first = Task.Run(() => informer.AddHandler(e =>
        {
            firstHeard.Enqueue(e.Type + " " + e.Object.Metadata.Name);
            if (replaying.IsSet)
            {
                return;
            }

            // The replay of a holds delivery while x is created and reaches the informer; x may be cached by then
            // (it was, before cache changes and their delivery became one step), or wait for delivery uncached.
            replaying.Set();
            Assert.True(xCreated.Wait(Patience));
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(1);
            while (informer.Get(ObjectKey.Cluster("x")) is null && DateTime.UtcNow < deadline)
            {
                Thread.Sleep(10);
            }

            informer.AddHandler(e => secondHeard.Enqueue(e.Type + " " + e.Object.Metadata.Name));
        }));
        Assert.True(replaying.Wait(Patience));
        await profiles.CreateAsync(Profile("x"));
        xCreated.Set();
        await first.WaitAsync(Patience);

        // Handlers hear changes in order: once y has arrived, anything about x has too.
        await profiles.CreateAsync(Profile("y"));
        await Eventually(() => secondHeard.Contains("Added y"));
        Assert.Equal(["Added a", "Added x", "Added y"], secondHeard.Order(StringComparer.Ordinal).ToArray());
        Assert.Equal(["Added a", "Added x", "Added y"], firstHeard.ToArray());
    }

    // Owners sharing an informer may each dispose it, even at once.
    [Fact]
    public async Task R3_informer_disposed_twice()
    {
        var informer = new Informer<SeccompProfile>(_backend.Resource<SeccompProfile>());
        informer.Start();
        await informer.WaitForSyncAsync().WaitAsync(Patience);

        await Task.WhenAll(informer.DisposeAsync().AsTask(), informer.DisposeAsync().AsTask());
        await informer.DisposeAsync();
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

    private sealed class LambdaReconciler(Func<ObjectKey, CancellationToken, Task<ReconcileResult>> body) : IReconciler<SeccompProfile>
    {
        public Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken cancellationToken) => body(key, cancellationToken);
    }

    private sealed class BrokenWatchClient<T>(IResourceClient<T> inner, Func<Exception> failure) : IResourceClient<T>
        where T : class, k8s.IKubernetesObject<V1ObjectMeta>
    {
        private int _lists;

        public int Lists => Volatile.Read(ref _lists);

        public ResourceType Type => inner.Type;

        public Task<T?> GetAsync(ObjectKey key, CancellationToken cancellationToken = default) => inner.GetAsync(key, cancellationToken);

        public Task<ResourceList<T>> ListAsync(string? @namespace = null, ListOptions? options = null, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _lists);
            return inner.ListAsync(@namespace, options, cancellationToken);
        }

        public Task<T> CreateAsync(T obj, CancellationToken cancellationToken = default) => inner.CreateAsync(obj, cancellationToken);

        public Task<T> UpdateAsync(T obj, CancellationToken cancellationToken = default) => inner.UpdateAsync(obj, cancellationToken);

        public Task<T> UpdateStatusAsync(T obj, CancellationToken cancellationToken = default) => inner.UpdateStatusAsync(obj, cancellationToken);

        public Task<bool> DeleteAsync(ObjectKey key, CancellationToken cancellationToken = default) => inner.DeleteAsync(key, cancellationToken);

        public async IAsyncEnumerable<WatchEvent<T>> WatchAsync(string? @namespace, string resourceVersion, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await Task.Yield();
            throw failure();
#pragma warning disable CS0162
            yield break;
#pragma warning restore CS0162
        }
    }
}
