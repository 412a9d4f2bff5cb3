using k8s.Models;
using Microsoft.Extensions.Time.Testing;
using SpoSdk.Api.Conversion;
using SpoSdk.Api.Serialization;
using SpoSdk.Api.V1;
using SpoSdk.Runtime.Backends;
using SpoSdk.Runtime.Backends.InMemory;
using SpoSdk.Runtime.Events;

namespace SpoSdk.Tests.Runtime;

/// <summary>Events: repeats counted on one event while it lives, and a recorder whose memory stays bounded.</summary>
public sealed class EventRecorderTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly InMemoryBackend _backend = new(new InMemoryObjectStore(), new ObjectAdmission(SpoConverter.Default, SpoKindRegistry.Default));

    [Fact]
    public async Task A_repeat_within_the_hour_an_event_lives_is_counted_and_a_later_one_is_a_new_event()
    {
        var recorder = new EventRecorder(_backend, "spod", "node-1", time: _time);
        var profile = Profile("web");

        await recorder.RecordAsync(profile, EventKind.Warning, "CannotSaveSeccompProfile", "no");
        _time.Advance(TimeSpan.FromMinutes(50));
        await recorder.RecordAsync(profile, EventKind.Warning, "CannotSaveSeccompProfile", "no");
        Assert.Equal(2, Assert.Single(await EventsAsync()).Count);

        // The API server drops an event an hour after its last write: what comes later starts a new one.
        _time.Advance(TimeSpan.FromMinutes(61));
        await recorder.RecordAsync(profile, EventKind.Warning, "CannotSaveSeccompProfile", "no");

        var counts = (await EventsAsync()).Select(e => e.Count ?? 0).Order().ToArray();
        Assert.Equal([1, 2], counts);
    }

    [Fact]
    public async Task The_recorder_remembers_a_bounded_number_of_events_however_many_objects_come_and_go()
    {
        var recorder = new EventRecorder(_backend, "spod", "node-1", time: _time);

        for (var i = 0; i < EventRecorder.Capacity + 100; i++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(1));
            await recorder.RecordAsync(Profile("p" + i), EventKind.Normal, "SavedSeccompProfile", "saved");
        }

        Assert.InRange(recorder.Remembered, 1, EventRecorder.Capacity);

        // The latest are still counted on.
        var last = Profile("p" + (EventRecorder.Capacity + 99));
        await recorder.RecordAsync(last, EventKind.Normal, "SavedSeccompProfile", "saved");
        Assert.Equal(2, (await EventsAsync()).Single(e => e.InvolvedObject.Uid == last.Metadata.Uid).Count);
    }

    // IEventRecorder: "failures to record are swallowed (events are best effort)", a transport failure too.
    [Fact]
    public async Task R5_an_unreachable_api_server_does_not_fail_the_event()
    {
        var recorder = new EventRecorder(new UnreachableEvents(_backend), "spod", "node1", time: _time);
        var profile = await _backend.Resource<SeccompProfile>().CreateAsync(Profile("web"));

        await recorder.RecordAsync(profile, EventKind.Normal, "SavedSeccompProfile", "saved");

        // The caller's own cancellation still goes through.
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new EventRecorder(new CancelledEvents(_backend), "spod").RecordAsync(profile, EventKind.Normal, "SavedSeccompProfile", "saved", cancelled.Token));
    }

    private async Task<IReadOnlyList<Corev1Event>> EventsAsync() => (await _backend.Resource<Corev1Event>().ListAsync()).Items;

    private static SeccompProfile Profile(string name) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, Uid = "uid-" + name },
        Spec = new SeccompProfileSpec { DefaultAction = SeccompAction.ScmpActLog },
    };

    private sealed class UnreachableEvents(IClusterBackend inner) : IClusterBackend
    {
        public IResourceClient<T> Resource<T>()
            where T : class, k8s.IKubernetesObject<V1ObjectMeta> =>
            typeof(T) == typeof(Corev1Event) ? (IResourceClient<T>)(object)new Events(inner.Resource<Corev1Event>(), () => new HttpRequestException("connection refused")) : inner.Resource<T>();
    }

    private sealed class CancelledEvents(IClusterBackend inner) : IClusterBackend
    {
        public IResourceClient<T> Resource<T>()
            where T : class, k8s.IKubernetesObject<V1ObjectMeta> =>
            typeof(T) == typeof(Corev1Event) ? (IResourceClient<T>)(object)new Events(inner.Resource<Corev1Event>(), () => new OperationCanceledException()) : inner.Resource<T>();
    }

    private sealed class Events(IResourceClient<Corev1Event> events, Func<Exception> failure) : IResourceClient<Corev1Event>
    {
        public ResourceType Type => events.Type;

        public Task<Corev1Event?> GetAsync(SpoSdk.Runtime.ObjectKey key, CancellationToken cancellationToken = default) => throw failure();

        public Task<ResourceList<Corev1Event>> ListAsync(string? @namespace = null, ListOptions? options = null, CancellationToken cancellationToken = default) => throw failure();

        public Task<Corev1Event> CreateAsync(Corev1Event obj, CancellationToken cancellationToken = default) => throw failure();

        public Task<Corev1Event> UpdateAsync(Corev1Event obj, CancellationToken cancellationToken = default) => throw failure();

        public Task<Corev1Event> UpdateStatusAsync(Corev1Event obj, CancellationToken cancellationToken = default) => throw failure();

        public Task<bool> DeleteAsync(SpoSdk.Runtime.ObjectKey key, CancellationToken cancellationToken = default) => throw failure();

        public IAsyncEnumerable<WatchEvent<Corev1Event>> WatchAsync(string? @namespace, string resourceVersion, CancellationToken cancellationToken = default) => events.WatchAsync(@namespace, resourceVersion, cancellationToken);
    }
}
