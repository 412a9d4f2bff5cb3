using Microsoft.Extensions.Time.Testing;
using SpoSdk.Audit;
using SpoSdk.Audit.Enrichment;
using SpoSdk.Audit.Filtering;
using SpoSdk.Audit.Parsing;
using SpoSdk.Recording.Logs;

namespace SpoSdk.Tests.Recording.Logs;

/// <summary>
/// The recorder's sink waits until the recordings are known: an event read right after the start (before the
/// ProfileRecording informer's first list) was turned away as of no active recording, and the profile lost it.
/// </summary>
public sealed class LogRecorderAuditSinkTests
{
    [Fact]
    public async Task An_event_that_comes_before_the_recordings_are_known_waits_and_is_recorded()
    {
        var active = new LateRecordings();
        var recorder = new LogRecorder(active);
        var sink = new LogRecorderAuditSink(recorder);
        Assert.True(new AuditLineParser().TryParse(RecordingFixture.SeccompLine(1), out var auditEvent));
        var enrichment = new AuditEnrichment { NodeName = "node-1", Namespace = RecordingFixture.Namespace, PodName = "pod", ContainerName = "nginx", RecordProfile = RecordingFixture.Token("rec", "nginx") };

        var recording = sink.OnEventAsync(new EnrichedAuditEvent(auditEvent, enrichment, AuditFilterLevel.Metadata), CancellationToken.None);
        Assert.False(recording.IsCompleted);
        Assert.Equal(0, recorder.Counters.Recorded + recorder.Counters.Inactive);

        active.Known = true;
        active.Listed.SetResult();
        await recording;

        Assert.Equal(1, recorder.Counters.Recorded);
        Assert.Equal(0, recorder.Counters.Inactive);
    }

    [Fact]
    public async Task Recordings_that_are_never_listed_hold_the_events_only_once_and_only_for_the_timeout()
    {
        var active = new LateRecordings();
        var recorder = new LogRecorder(active);
        var time = new FakeTimeProvider();
        var sink = new LogRecorderAuditSink(recorder, TimeSpan.FromSeconds(30), time);

        // The enricher's sinks share one loop: a wait without end (no RBAC, no CRD, the API down) stalled them all.
        var first = sink.OnEventAsync(Event(1), CancellationToken.None);
        time.Advance(TimeSpan.FromSeconds(29));
        Assert.False(first.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1));
        await first;
        Assert.Equal((1, 1, 0), (recorder.Counters.BeforeRecordingsKnown, recorder.Counters.Inactive, recorder.Counters.Recorded));

        // Having waited once, the sink no longer waits, but counts what it judges early.
        Assert.True(sink.OnEventAsync(Event(2), CancellationToken.None).IsCompletedSuccessfully);
        Assert.Equal(2, recorder.Counters.BeforeRecordingsKnown);

        // Listed at last: events are judged by every recording again.
        active.Known = true;
        active.Listed.SetResult();
        await sink.OnEventAsync(Event(3), CancellationToken.None);
        Assert.Equal((2, 2, 1), (recorder.Counters.BeforeRecordingsKnown, recorder.Counters.Inactive, recorder.Counters.Recorded));
    }

    private static EnrichedAuditEvent Event(int serial)
    {
        Assert.True(new AuditLineParser().TryParse(RecordingFixture.SeccompLine(serial), out var auditEvent));
        var enrichment = new AuditEnrichment { NodeName = "node-1", Namespace = RecordingFixture.Namespace, PodName = "pod", ContainerName = "nginx", RecordProfile = RecordingFixture.Token("rec", "nginx") };
        return new EnrichedAuditEvent(auditEvent, enrichment, AuditFilterLevel.Metadata);
    }

    private sealed class LateRecordings : IActiveRecordings
    {
        public volatile bool Known;

        public TaskCompletionSource Listed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool IsActive(string @namespace, string recordingName) => Known && recordingName == "rec";

        public Task WhenKnownAsync(CancellationToken cancellationToken) => Listed.Task.WaitAsync(cancellationToken);
    }
}
