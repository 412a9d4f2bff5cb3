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

    private sealed class LateRecordings : IActiveRecordings
    {
        public volatile bool Known;

        public TaskCompletionSource Listed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool IsActive(string @namespace, string recordingName) => Known && recordingName == "rec";

        public Task WhenKnownAsync(CancellationToken cancellationToken) => Listed.Task.WaitAsync(cancellationToken);
    }
}
