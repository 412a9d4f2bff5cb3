using System.Text;
using k8s.Models;
using SpoSdk.Audit.Enrichment;
using SpoSdk.Audit.Filtering;

namespace SpoSdk.Tests.Audit.Enrichment;

public sealed class JsonEnricherTests : EnrichmentHarness
{
    private const string RequestUid = "da83c434-91f0-4696-a04e-75d08b6d80b2";

    private readonly JsonRecords _records = new();
    private int _ids;

    [Fact]
    public async Task A_process_bucket_is_written_an_interval_after_its_last_event_as_one_alphabetical_line()
    {
        await Pods.RunAsync(Backend, Pods.Pod("default", "my-pod", Node), ("nginx", IdWeb));
        await Pods.EventuallyAsync(() => Directory.TryGet(IdWeb, out _), "the container");
        Proc.SetProcess(72503, 1, FakeProc.ContainerdCgroup(IdWeb), cmdline: "sh\0-c\0ls /tmp\0", environ: "PATH=/bin\0SPO_EXEC_REQUEST_UID=" + RequestUid + "\0");
        var text = new StringWriter();
        var json = NewEnricher(new JsonEnricherLineWriter(text));

        await json.AddAsync(Seccomp(72503, 1, syscall: 257));
        Time.Advance(TimeSpan.FromSeconds(40));
        await json.AddAsync(Seccomp(72503, 2, syscall: 56));
        await json.AddAsync(Seccomp(72503, 3, syscall: 59));
        await json.AddAsync(Seccomp(72503, 4, syscall: 56));
        Time.Advance(TimeSpan.FromSeconds(59));
        await json.FlushDueAsync();
        Assert.Equal(string.Empty, text.ToString());

        Time.Advance(TimeSpan.FromSeconds(1));
        await json.FlushDueAsync();
        Assert.Equal(
            "{\"auditID\":\"id-1\",\"cmdLine\":\"sh -c ls /tmp \",\"executable\":\"/bin/dash\",\"gid\":0,\"node\":{\"name\":\"worker-1\"},\"pid\":72503,"
            + "\"requestUID\":\"" + RequestUid + "\",\"resource\":{\"container\":\"nginx\",\"namespace\":\"default\",\"pod\":\"my-pod\"},"
            + "\"syscalls\":[\"clone\",\"execve\",\"openat\"],\"timestamp\":\"2025-04-16T05:16:56.000Z\",\"uid\":0,\"version\":\"spo/v1_alpha\"}" + Environment.NewLine,
            text.ToString());
        Assert.Equal((1L, 0), (json.Written, json.Pending));
    }

    [Fact]
    public async Task Processes_get_a_record_each_and_a_reused_pid_starts_a_new_one()
    {
        // test-vectors.md §1.2 TestJsonRun: two processes, one with a cmdline and a request UID in its environment.
        Proc.SetProcess(2060394, 1, "0::/\n", cmdline: "sleep\0");
        Proc.SetProcess(2060395, 1, "0::/\n", cmdline: "/bin/sh ", environ: "SPO_EXEC_REQUEST_UID=" + RequestUid);
        var json = NewEnricher(_records);
        await json.AddAsync(Parse(AuditLines.JsonEnricherLine));
        await json.AddAsync(Parse(AuditLines.JsonEnricherLine.Replace("pid=2060394", "pid=2060395").Replace("/bin/busybox", "/bin/nginx")));
        Proc.SetProcess(2060394, 2, "0::/\n", cmdline: "other\0");
        await json.AddAsync(Parse(AuditLines.JsonEnricherLine));
        Assert.Equal(3, json.Pending);

        Time.Advance(TimeSpan.FromSeconds(60));
        await json.FlushDueAsync();
        var records = _records.Records;
        Assert.Equal([("/bin/busybox", "sleep ", null), ("/bin/nginx", "/bin/sh ", RequestUid), ("/bin/busybox", "other ", null)], records.Select(r => (r.Executable, r.CmdLine, r.RequestUid)));
        Assert.All(records, r => Assert.Null(r.Resource));
        Assert.All(records, r => Assert.Equal(["mprotect"], r.Syscalls));
    }

    [Fact]
    public async Task At_capacity_the_least_recently_active_process_is_written_early()
    {
        for (var pid = 1; pid <= 3; pid++)
        {
            Proc.SetProcess(pid, 1, "0::/\n", cmdline: "p" + pid + "\0");
        }

        var json = NewEnricher(_records, new JsonEnricherOptions { NodeName = Node, Capacity = 2, AuditIdFactory = NextId });
        await json.AddAsync(Seccomp(1, 1));
        await json.AddAsync(Seccomp(2, 2));
        await json.AddAsync(Seccomp(1, 3));
        await json.AddAsync(Seccomp(3, 4));

        Assert.Equal([2], _records.Records.Select(r => r.Pid));
        await json.FlushAllAsync();
        Assert.Equal([2, 1, 3], _records.Records.Select(r => r.Pid));
    }

    [Fact]
    public async Task Filters_and_missing_process_information_keep_records_back()
    {
        Proc.SetProcess(10, 1, "0::/\n", cmdline: "kubectl\0exec\0");
        Proc.SetProcess(11, 1, "0::/\n", cmdline: "env\0SPO_EXEC_REQUEST_UID=" + RequestUid + "\0ls\0");
        var filters = AuditFilterSet.Parse("""[{"priority":100,"level":"Metadata","matchKeys":["requestUID"]},{"priority":999,"level":"None","matchKeys":["version"],"matchValues":["spo/v1_alpha"]}]""");
        var json = NewEnricher(_records, new JsonEnricherOptions { NodeName = Node, Filters = filters, AuditIdFactory = NextId });
        await json.AddAsync(Seccomp(10, 1));
        await json.AddAsync(Seccomp(11, 2));
        await json.AddAsync(Seccomp(12, 3));
        await json.AddAsync(Avc(10, 4));
        await json.FlushAllAsync();

        var written = Assert.Single(_records.Records);
        Assert.Equal((11, RequestUid), (written.Pid, written.RequestUid));
        Assert.Equal((1L, 1L, 1L), (json.Written, json.Suppressed, json.WithoutProcessInfo));
    }

    [Fact]
    public async Task The_background_loop_flushes_on_the_time_provider()
    {
        Proc.SetProcess(20, 1, "0::/\n", cmdline: "a\0");
        var json = NewEnricher(_records, new JsonEnricherOptions { NodeName = Node, FlushInterval = TimeSpan.FromSeconds(5), CheckInterval = TimeSpan.FromSeconds(1), AuditIdFactory = NextId });
        using var stop = new CancellationTokenSource();
        var loop = json.RunAsync(stop.Token);
        await json.AddAsync(Seccomp(20, 1));

        // Upstream's TestJsonRun: with a 5 s interval the record appears after 5 s and before 10 s.
        for (var second = 1; second <= 4; second++)
        {
            Time.Advance(TimeSpan.FromSeconds(1));
        }

        await Task.Delay(50);
        Assert.Empty(_records.Records);
        for (var second = 5; second <= 9 && _records.Records.Count == 0; second++)
        {
            Time.Advance(TimeSpan.FromSeconds(1));
            await Pods.EventuallyAsync(() => second < 6 || _records.Records.Count == 1, "the flush");
        }

        Assert.Single(_records.Records);
        await stop.CancelAsync();
        await loop;
    }

    // test-vectors.md §1.2 Test_extractSPORequestUID.
    [Theory]
    [InlineData("env SPO_EXEC_REQUEST_UID=dbbf5fca-c955-4922-99d2-27a50212071c ls", "dbbf5fca-c955-4922-99d2-27a50212071c")]
    [InlineData("ls", null)]
    [InlineData("env INVALID=dbbf5fca-c955-4922-99d2-27a50212071c ls", null)]
    [InlineData("nginx: master process nginx -g daemon off;", null)]
    [InlineData("", null)]
    [InlineData("env SPO_EXEC_REQUEST_UID= ls", null)]
    public void Request_uid_from_the_command_line(string cmdline, string? expected) =>
        Assert.Equal(expected, ProcessCommandLine.FindInCommandLine(cmdline));

    [Theory]
    [InlineData("hello=world\0SPO_EXEC_REQUEST_UID=u-1", "u-1")]
    [InlineData("SPO_EXEC_REQUEST_UID=u-2\0\0\0test1=test2", "u-2")]
    [InlineData("SPO_EXEC_REQUEST_UID=", null)]
    [InlineData("SPO_EXEC_REQUEST_UID", null)]
    [InlineData("XSPO_EXEC_REQUEST_UID=u", null)]
    [InlineData("", null)]
    public void Request_uid_from_the_environment(string environ, string? expected) =>
        Assert.Equal(expected, ProcessCommandLine.FindInEnvironment(Encoding.UTF8.GetBytes(environ)));

    private string NextId() => "id-" + Interlocked.Increment(ref _ids);

    private JsonEnricher NewEnricher(IJsonEnricherRecordSink sink, JsonEnricherOptions? options = null) =>
        new(new ProcessContainerResolver(Proc, time: Time), Directory, sink, options ?? new JsonEnricherOptions { NodeName = Node, AuditIdFactory = NextId }, Time);
}
