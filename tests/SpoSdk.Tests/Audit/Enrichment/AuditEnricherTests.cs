using System.Threading.Channels;
using k8s.Models;
using SpoSdk.Audit;
using SpoSdk.Audit.Enrichment;
using SpoSdk.Audit.Filtering;

namespace SpoSdk.Tests.Audit.Enrichment;

public sealed class AuditEnricherTests : EnrichmentHarness
{
    private static readonly string IdDb = new('b', 64);
    private static readonly string IdOld = new('c', 64);

    private readonly RecordingSink _sink = new();

    [Fact]
    public async Task A_resolved_event_reaches_the_sinks_with_its_pod_and_prints_as_upstream()
    {
        await RunPodAsync("web", IdWeb);
        Proc.SetProcess(72503, 1000, FakeProc.ContainerdCgroup(IdWeb));
        var text = new StringWriter();
        using var enricher = NewEnricher(extraSinks: new EnrichedLineWriter(text, klogHeader: false));

        await enricher.EnrichAsync(Parse(AuditLines.A4));

        var only = Assert.Single(_sink.Events);
        Assert.Equal((AuditFilterLevel.Metadata, "web", "app", IdWeb), (only.Level, only.Enrichment.PodName, only.Enrichment.ContainerName, only.Enrichment.ContainerId));
        Assert.Equal(
            "\"audit\" logger=\"log-enricher\" timestamp=\"1744780616.598:836036\" type=\"seccomp\" node=\"worker-1\" namespace=\"default\" pod=\"web\" container=\"app\" executable=\"/bin/dash\" pid=72503 syscallID=56 syscallName=\"clone\"\n",
            text.ToString());
        Assert.Equal(new AuditEnricherCounters(Received: 1, Dispatched: 1, 0, 0, 0, 0, 0, 0, 0, 0, 0), enricher.Counters);
    }

    [Fact]
    public async Task Events_wait_for_their_container_and_are_replayed_in_order_when_the_pod_reports_it()
    {
        // test-vectors.md §1.2 "using the backlog": the AVC waits while the container is being created, then goes first.
        var pod = await RunPodAsync("web", string.Empty);
        Proc.SetProcess(100, 1, FakeProc.ContainerdCgroup(IdWeb));
        using var enricher = NewEnricher();
        await enricher.EnrichAsync(Avc(100, 1));
        await enricher.EnrichAsync(Seccomp(100, 2));
        Assert.Empty(_sink.Events);
        Assert.Equal(2, enricher.BacklogCount);

        await ReportContainerAsync(pod, IdWeb);
        await enricher.ProcessPendingAsync();
        await enricher.EnrichAsync(Seccomp(100, 3));

        Assert.Equal([1UL, 2UL, 3UL], _sink.Events.Select(e => e.Event.Serial));
        Assert.Equal([AuditEventType.Selinux, AuditEventType.Seccomp, AuditEventType.Seccomp], _sink.Events.Select(e => e.Event.Type));
        Assert.All(_sink.Events, e => Assert.Equal("web", e.Enrichment.PodName));
        Assert.Equal((2L, 2L, 0), (enricher.Counters.Backlogged, enricher.Counters.Replayed, enricher.BacklogCount));
    }

    [Fact]
    public async Task A_later_event_of_the_same_process_replays_its_waiting_events_first()
    {
        // Upstream's replay: the pod became known, and the process's next line takes its waiting lines along.
        var pod = await RunPodAsync("web", string.Empty);
        Proc.SetProcess(200, 7, FakeProc.ContainerdCgroup(IdWeb));
        using var enricher = NewEnricher();
        await enricher.EnrichAsync(Seccomp(200, 1));
        await enricher.EnrichAsync(Avc(200, 2));
        await ReportContainerAsync(pod, IdWeb);
        await enricher.EnrichAsync(Seccomp(200, 3));

        Assert.Equal([1UL, 2UL, 3UL], _sink.Events.Select(e => e.Event.Serial));
        Assert.All(_sink.Events, e => Assert.Equal(IdWeb, e.Enrichment.ContainerId));
        Assert.Equal(2, enricher.Counters.Replayed);
    }

    [Fact]
    public async Task A_reused_pid_never_takes_the_waiting_events_of_the_old_process()
    {
        // The old process's container has no known pod yet; its PID then goes to a process of a known container.
        await RunPodAsync("db", IdDb);
        Proc.SetProcess(300, 10, FakeProc.ContainerdCgroup(IdOld));
        using var enricher = NewEnricher();
        await enricher.EnrichAsync(Seccomp(300, 1));

        Proc.SetProcess(300, 20, FakeProc.ContainerdCgroup(IdDb));
        await enricher.EnrichAsync(Seccomp(300, 2));
        Assert.Equal([(2UL, "db")], _sink.Events.Select(e => (e.Event.Serial, e.Enrichment.PodName!)));
        Assert.Equal(1, enricher.BacklogCount);

        // When the old container's pod shows up, the old event goes with it.
        await Pods.RunAsync(Backend, Pods.Pod("default", "old", Node), ("app", IdOld));
        await Pods.EventuallyAsync(() => Directory.TryGet(IdOld, out _), "the old container");
        await enricher.ProcessPendingAsync();
        Assert.Equal([(2UL, "db"), (1UL, "old")], _sink.Events.Select(e => (e.Event.Serial, e.Enrichment.PodName!)));
    }

    [Fact]
    public async Task An_event_is_not_given_to_a_process_that_started_after_it()
    {
        // The event's process exited; its PID now belongs to a process of a known container that started an hour later.
        await RunPodAsync("web", IdWeb);
        var logged = DateTimeOffset.FromUnixTimeSeconds(1744780616);
        var boot = logged.AddDays(-1);
        Proc.SetBootTime(boot);
        Proc.SetProcess(260, (ulong)(logged.AddHours(1) - boot).TotalSeconds * 100, FakeProc.ContainerdCgroup(IdWeb));
        using var enricher = NewEnricher();
        await enricher.EnrichAsync(Seccomp(260, 1));

        Assert.Empty(_sink.Events);
        Assert.Equal((0, 1L), (enricher.BacklogCount, enricher.Counters.ProcessGone));
    }

    [Fact]
    public async Task Events_of_processes_in_no_container_are_dropped_and_counted()
    {
        Proc.SetProcess(250, 1, "0::/user.slice/user-0.slice/session-1.scope\n");
        using var enricher = NewEnricher();
        await enricher.EnrichAsync(Seccomp(250, 1));
        Assert.Equal((0, 1L), (enricher.BacklogCount, enricher.Counters.NotInContainer));
        Assert.Empty(_sink.Events);
    }

    [Theory]
    [InlineData("the whole backlog is full: its oldest events go, whichever process they are of", 3, 128, new[] { 400, 401, 400, 401, 400 }, 2, new ulong[] { 3, 4, 5 })]
    [InlineData("one process has used its share: its own oldest go, the other's stay", 100, 2, new[] { 401, 400, 400, 400, 400, 400 }, 3, new ulong[] { 1, 5, 6 })]
    public async Task A_full_backlog_drops_its_oldest_events_and_counts_them(string why, int capacity, int perProcess, int[] pids, int dropped, ulong[] replayed)
    {
        var pod = await RunPodAsync("web", string.Empty);
        Proc.SetProcess(400, 1, FakeProc.ContainerdCgroup(IdWeb));
        Proc.SetProcess(401, 1, FakeProc.ContainerdCgroup(IdWeb));
        using var enricher = NewEnricher(new AuditEnricherOptions { BacklogCapacity = capacity, BacklogCapacityPerProcess = perProcess });
        for (var i = 0; i < pids.Length; i++)
        {
            await enricher.EnrichAsync(Seccomp(pids[i], i + 1));
        }

        Assert.True((pids.Length - dropped, dropped) == (enricher.BacklogCount, enricher.Counters.DroppedBacklogFull), why);
        var serials = await ReplayAsync(enricher, pod);
        Assert.Equal(replayed, serials);
    }

    [Fact]
    public async Task Waiting_events_expire_after_their_time_to_live()
    {
        var pod = await RunPodAsync("web", string.Empty);
        Proc.SetProcess(600, 1, FakeProc.ContainerdCgroup(IdWeb));
        using var enricher = NewEnricher(new AuditEnricherOptions { BacklogTimeToLive = TimeSpan.FromMinutes(5) });
        await enricher.EnrichAsync(Seccomp(600, 1));
        Time.Advance(TimeSpan.FromMinutes(3));
        await enricher.EnrichAsync(Seccomp(600, 2));
        Time.Advance(TimeSpan.FromMinutes(2));
        await enricher.ProcessPendingAsync();
        Assert.Equal((1, 1L), (enricher.BacklogCount, enricher.Counters.Expired));

        var serials = await ReplayAsync(enricher, pod);
        Assert.Equal([2UL], serials);
    }

    [Fact]
    public async Task Events_of_exited_processes_are_dropped_and_counted()
    {
        using var enricher = NewEnricher();
        await enricher.EnrichAsync(Seccomp(700, 1));
        Assert.Equal((0, 1L), (enricher.BacklogCount, enricher.Counters.ProcessGone));
        Assert.Empty(_sink.Events);
    }

    [Fact]
    public async Task Filters_set_the_level_the_line_writer_obeys_while_other_sinks_still_see_the_event()
    {
        await RunPodAsync("web", IdWeb);
        Proc.SetProcess(800, 1, FakeProc.ContainerdCgroup(IdWeb));
        var text = new StringWriter();
        var filters = AuditFilterSet.Parse("""[{"priority":100,"level":"None","matchKeys":["syscallName"],"matchValues":["clone"]}]""");
        using var enricher = NewEnricher(new AuditEnricherOptions { Filters = filters }, new EnrichedLineWriter(text, klogHeader: false));
        await enricher.EnrichAsync(Seccomp(800, 1, syscall: 56));
        await enricher.EnrichAsync(Seccomp(800, 2, syscall: 59));

        Assert.Equal([AuditFilterLevel.None, AuditFilterLevel.Metadata], _sink.Events.Select(e => e.Level));
        Assert.Contains("syscallName=\"execve\"", text.ToString());
        Assert.DoesNotContain("clone", text.ToString());
        Assert.Equal(1, enricher.Counters.Suppressed);
    }

    [Fact]
    public async Task Seccomp_events_without_a_syscall_name_are_skipped_as_upstream()
    {
        await RunPodAsync("web", IdWeb);
        Proc.SetProcess(900, 1, FakeProc.ContainerdCgroup(IdWeb));
        using var enricher = NewEnricher();
        await enricher.EnrichAsync(Seccomp(900, 1, syscall: 99_999));
        Assert.Empty(_sink.Events);
        Assert.Equal(1, enricher.Counters.UnknownSyscall);
    }

    [Fact]
    public async Task A_failing_sink_is_counted_and_the_others_still_get_the_event()
    {
        await RunPodAsync("web", IdWeb);
        Proc.SetProcess(1000, 1, FakeProc.ContainerdCgroup(IdWeb));
        using var enricher = new AuditEnricher(new ProcessContainerResolver(Proc, time: Time), Directory, [new FailingSink(), _sink], time: Time);
        await enricher.EnrichAsync(Seccomp(1000, 1));
        Assert.Single(_sink.Events);
        Assert.Equal(1, enricher.Counters.SinkFailures);
    }

    [Fact]
    public async Task Running_in_the_background_it_replays_as_soon_as_the_container_is_known()
    {
        var pod = await RunPodAsync("web", string.Empty);
        Proc.SetProcess(1100, 1, FakeProc.ContainerdCgroup(IdWeb));
        using var enricher = NewEnricher();
        using var stop = new CancellationTokenSource();
        var loop = enricher.RunAsync(stop.Token);
        await enricher.EnrichAsync(Avc(1100, 1));

        await Pods.ReportAsync(Backend, pod, ("app", IdWeb));
        await Pods.EventuallyAsync(() => _sink.Count == 1, "the replay");
        Assert.Equal("app", _sink.Events[0].Enrichment.ContainerName);

        await stop.CancelAsync();
        await loop;
    }

    [Fact]
    public async Task Events_from_a_channel_are_enriched_in_order_until_it_completes()
    {
        await RunPodAsync("web", IdWeb);
        Proc.SetProcess(1300, 1, FakeProc.ContainerdCgroup(IdWeb));
        using var enricher = NewEnricher();
        var channel = Channel.CreateBounded<AuditEvent>(4);
        var consumer = enricher.ConsumeAsync(channel.Reader, CancellationToken.None);
        for (var serial = 1; serial <= 10; serial++)
        {
            await channel.Writer.WriteAsync(serial % 3 == 0 ? Avc(1300, serial) : Seccomp(1300, serial));
        }

        await channel.Writer.WriteAsync(default);
        channel.Writer.Complete();
        await consumer;
        Assert.Equal(Enumerable.Range(1, 10).Select(i => (ulong)i), _sink.Events.Select(e => e.Event.Serial));
        Assert.Equal(10, enricher.Counters.Received);
    }

    [Fact]
    public async Task An_event_whose_enrichment_throws_is_skipped_and_the_channel_keeps_flowing()
    {
        await RunPodAsync("web", IdWeb);
        Proc.SetProcess(1300, 1, FakeProc.ContainerdCgroup(IdWeb));
        Proc.SetProcess(666, 1, FakeProc.ContainerdCgroup(IdWeb));
        using var enricher = new AuditEnricher(new ProcessContainerResolver(new ThrowingProc(Proc, pid: 666), time: Time), Directory, [_sink], time: Time);
        var events = new AuditEventChannel();
        var consumer = enricher.ConsumeAsync(events.Reader, CancellationToken.None);

        // The consumer used to end here (faulted), and with it the enrichment of the node.
        events.OnEvent(Seccomp(666, 1));
        for (var serial = 2; serial <= 6; serial++)
        {
            events.OnEvent(Seccomp(1300, serial));
        }

        events.Complete();
        await consumer;
        Assert.Equal([2UL, 3, 4, 5, 6], _sink.Events.Select(e => e.Event.Serial));
        Assert.Equal((6, 1), (enricher.Counters.Received, enricher.Counters.FailedEvents));
    }

    [Fact]
    public async Task A_consumer_that_ends_early_releases_the_writer_waiting_for_room()
    {
        await RunPodAsync("web", IdWeb);
        Proc.SetProcess(1300, 1, FakeProc.ContainerdCgroup(IdWeb));
        var stuck = new StuckSink();
        using var enricher = NewEnricher(extraSinks: stuck);
        var events = new AuditEventChannel(capacity: 1);
        using var stop = new CancellationTokenSource();
        var consumer = events.ConsumeWithAsync(enricher, stop.Token);

        events.OnEvent(Seccomp(1300, 1));
        await stuck.Entered.Task;
        events.OnEvent(Seccomp(1300, 2));
        var writer = Task.Run(() => events.OnEvent(Seccomp(1300, 3)));
        Assert.False(writer.IsCompleted);

        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => consumer);
        await Assert.ThrowsAsync<ChannelClosedException>(() => writer);
        Assert.Throws<ChannelClosedException>(() => events.OnEvent(Seccomp(1300, 4)));
    }

    [Fact]
    public async Task Seccomp_events_also_feed_the_json_enricher_at_arrival()
    {
        Proc.SetProcess(1200, 1, FakeProc.ContainerdCgroup(IdWeb), cmdline: "sh\0-c\0ls\0");
        var records = new JsonRecords();
        var json = new JsonEnricher(new ProcessContainerResolver(Proc, time: Time), Directory, records, new JsonEnricherOptions { NodeName = Node, AuditIdFactory = () => "id" }, Time);
        using var enricher = NewEnricher(json: json);
        await enricher.EnrichAsync(Seccomp(1200, 1));
        await enricher.EnrichAsync(Avc(1200, 2));
        Assert.Equal(1, json.Pending);

        await RunPodAsync("web", IdWeb);
        await Pods.EventuallyAsync(() => Directory.TryGet(IdWeb, out _), "the container");
        Time.Advance(TimeSpan.FromSeconds(60));
        await json.FlushDueAsync();
        var record = Assert.Single(records.Records);
        Assert.Equal(("web", "sh -c ls "), (record.Resource?.Pod, record.CmdLine));

        await enricher.ProcessPendingAsync();
        Assert.Equal(2, _sink.Count);
    }

    // Reports the pod's container, lets the enricher replay what waited for it, and gives the serials the sinks saw.
    private async Task<ulong[]> ReplayAsync(AuditEnricher enricher, V1Pod pod)
    {
        await ReportContainerAsync(pod, IdWeb);
        await enricher.ProcessPendingAsync();
        return [.. _sink.Events.Select(e => e.Event.Serial)];
    }

    private AuditEnricher NewEnricher(AuditEnricherOptions? options = null, IEnrichedAuditSink? extraSinks = null, JsonEnricher? json = null) =>
        new(new ProcessContainerResolver(Proc, time: Time), Directory, extraSinks is null ? [_sink] : [_sink, extraSinks], options, json, Time);

    private sealed class RecordingSink : IEnrichedAuditSink
    {
        private readonly List<EnrichedAuditEvent> _events = [];

        public List<EnrichedAuditEvent> Events
        {
            get
            {
                lock (_events)
                {
                    return [.. _events];
                }
            }
        }

        public int Count
        {
            get
            {
                lock (_events)
                {
                    return _events.Count;
                }
            }
        }

        public ValueTask OnEventAsync(EnrichedAuditEvent enrichedEvent, CancellationToken cancellationToken)
        {
            lock (_events)
            {
                _events.Add(enrichedEvent);
            }

            return ValueTask.CompletedTask;
        }
    }

    // Waits, as a sink stuck on I/O would, until the consumer is cancelled.
    private sealed class StuckSink : IEnrichedAuditSink
    {
        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async ValueTask OnEventAsync(EnrichedAuditEvent enrichedEvent, CancellationToken cancellationToken)
        {
            Entered.TrySetResult();
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
    }

    // A /proc whose reads for one PID throw, as no real read should: the enricher must survive what it did not foresee.
    private sealed class ThrowingProc(IProcFs inner, int pid) : IProcFs
    {
        public string Root => inner.Root;

        public bool TryRead(int processId, ProcFile file, Span<byte> buffer, out int length) =>
            processId == pid ? throw new IOException("unexpected /proc failure") : inner.TryRead(processId, file, buffer, out length);

        public bool TryReadBootTime(out DateTimeOffset bootTime) => inner.TryReadBootTime(out bootTime);
    }

    private sealed class FailingSink : IEnrichedAuditSink
    {
        public ValueTask OnEventAsync(EnrichedAuditEvent enrichedEvent, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("disk full");
    }
}

/// <summary>Collects JSON enricher records.</summary>
internal sealed class JsonRecords : IJsonEnricherRecordSink
{
    private readonly List<SpoSdk.Audit.Output.JsonEnricherRecord> _records = [];

    public List<SpoSdk.Audit.Output.JsonEnricherRecord> Records
    {
        get
        {
            lock (_records)
            {
                return [.. _records];
            }
        }
    }

    public ValueTask OnRecordAsync(SpoSdk.Audit.Output.JsonEnricherRecord record, CancellationToken cancellationToken)
    {
        lock (_records)
        {
            _records.Add(record);
        }

        return ValueTask.CompletedTask;
    }
}
