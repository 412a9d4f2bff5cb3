using SpoSdk.Audit.Enrichment;
using SpoSdk.Audit.Output;

namespace SpoSdk.Tests.Audit.Enrichment;

/// <summary>
/// What the JSON enricher makes of lines it cannot tie to a live process: a process that exits between two of its
/// lines, and a line without a valid uid or gid.
/// </summary>
public sealed class JsonEnricherExitTests : EnrichmentHarness
{
    private readonly List<JsonEnricherRecord> _records = [];

    [Fact]
    public async Task Lines_read_after_the_process_exited_join_its_bucket()
    {
        Proc.SetProcess(4242, 1, "0::/\n", cmdline: "app\0");
        var json = NewEnricher();

        await json.AddAsync(Seccomp(4242, 1, syscall: 257)); // openat, read while the process runs
        Proc.Kill(4242);
        await json.AddAsync(Seccomp(4242, 2, syscall: 59));  // execve, the same process's next line, read after it exited

        Time.Advance(TimeSpan.FromSeconds(60));
        await json.FlushDueAsync();
        var record = Assert.Single(_records);
        Assert.Equal(["execve", "openat"], record.Syscalls);
        Assert.Equal(0, json.Pending);
    }

    [Fact]
    public async Task A_line_without_uid_and_gid_is_left_out_and_counted_rather_than_passing_for_root()
    {
        Proc.SetProcess(3109464, 1, "0::/\n", cmdline: "sh\0");
        var json = NewEnricher();

        await json.AddAsync(Parse(AuditLines.NoUidGid));
        await json.FlushAllAsync();

        Assert.Empty(_records);
        Assert.Equal(1, json.WithoutIds);
    }

    private JsonEnricher NewEnricher() =>
        new(new ProcessContainerResolver(Proc, time: Time), Directory, new Sink(_records), new JsonEnricherOptions { NodeName = Node }, Time);

    private sealed class Sink(List<JsonEnricherRecord> records) : IJsonEnricherRecordSink
    {
        public ValueTask OnRecordAsync(JsonEnricherRecord record, CancellationToken cancellationToken)
        {
            records.Add(record);
            return ValueTask.CompletedTask;
        }
    }
}
