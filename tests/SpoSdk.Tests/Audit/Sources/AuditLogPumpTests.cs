using Microsoft.Extensions.Time.Testing;
using SpoSdk.Audit;
using SpoSdk.Audit.Parsing;
using SpoSdk.Audit.Sources;

namespace SpoSdk.Tests.Audit.Sources;

/// <summary>Source selection and the pump from a tailed file to parsed events.</summary>
public sealed class AuditLogPumpTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("spo-pump-");

    public void Dispose() => _root.Delete(recursive: true);

    [Fact]
    public void The_auditd_log_is_chosen_when_it_exists()
    {
        Directory.CreateDirectory(Path.Join(_root.FullName, "var/log/audit"));
        File.WriteAllText(Path.Join(_root.FullName, "var/log/audit/audit.log"), string.Empty);
        File.WriteAllText(Path.Join(Directory.CreateDirectory(Path.Join(_root.FullName, "var/log")).FullName, "syslog"), string.Empty);

        var location = AuditLogLocation.Select(new AuditLogSourceOptions { NodeRoot = _root.FullName });

        Assert.Equal(new AuditLogLocation(AuditLogKind.Auditd, "/var/log/audit/audit.log", Path.Join(_root.FullName, "var/log/audit/audit.log")), location);
    }

    [Fact]
    public void Syslog_is_the_fallback_even_before_it_exists()
    {
        var location = AuditLogLocation.Select(new AuditLogSourceOptions { NodeRoot = _root.FullName });

        Assert.Equal(new AuditLogLocation(AuditLogKind.Syslog, "/var/log/syslog", Path.Join(_root.FullName, "var/log/syslog")), location);
    }

    [Theory]
    [InlineData("var/log/audit.log")]
    [InlineData("/var/log/../../etc/shadow")]
    public void Relative_or_escaping_paths_are_refused_naming_the_option(string path)
    {
        var error = Assert.Throws<ArgumentException>(() => AuditLogLocation.Select(new AuditLogSourceOptions { NodeRoot = _root.FullName, AuditLogPath = path }));

        Assert.Contains("AuditLogPath", error.Message);
    }

    [Fact]
    public void Out_of_range_options_are_refused_naming_the_option()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new AuditLogSourceOptions { ChannelCapacity = 0 }.Validate());

        Assert.Equal("ChannelCapacity", error.ParamName);
    }

    [Fact]
    public async Task The_pump_parses_the_tailed_lines_into_events_in_order()
    {
        var options = new AuditLogSourceOptions { NodeRoot = _root.FullName, StartPosition = AuditLogStartPosition.Beginning };
        var logDirectory = Directory.CreateDirectory(Path.Join(_root.FullName, "var/log/audit"));
        var log = Path.Join(logDirectory.FullName, "audit.log");
        File.WriteAllText(log, $"{AuditLines.A4}\nnot an audit line\n{AuditLines.A8}\n");
        await using var tailer = AuditLogTailer.ForSelectedLog(options);
        var parser = new AuditStreamParser(new AuditLineParser(new AuditParserOptions { FallbackArch = AuditArch.X86_64 }));
        var sink = new CollectingSink();
        var pump = new AuditLogPump(tailer.Reader, parser, sink);
        var pumping = pump.RunAsync(CancellationToken.None);

        await tailer.PollAsync();
        File.AppendAllText(log, AuditLines.A10[..40]);
        await tailer.PollAsync();
        File.AppendAllText(log, AuditLines.A10[40..] + "\n");
        await tailer.PollAsync();
        await tailer.DisposeAsync();
        await pumping.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal([AuditEventType.Seccomp, AuditEventType.Selinux, AuditEventType.AppArmor], sink.Events.Select(e => e.Type));
        Assert.Equal("clone", sink.Events[0].SyscallName);
        Assert.Equal("/bin/dash", sink.Events[0].Executable.ToString());
        Assert.Equal("/usr/local/bin/sample-app", sink.Events[2].Name.ToString());
        Assert.Equal(4, pump.Lines);
        Assert.Equal(3, pump.Events);
    }

    [Fact]
    public async Task A_view_sink_gets_borrowed_views_of_the_tailed_lines_with_nothing_materialised()
    {
        var log = Path.Join(_root.FullName, "audit.log");
        File.WriteAllText(log, $"{AuditLines.A4}\nnot an audit line\n{AuditLines.HexSeccomp}\n");
        await using var tailer = new AuditLogTailer(log, new AuditLogSourceOptions { NodeRoot = _root.FullName, StartPosition = AuditLogStartPosition.Beginning });
        var sink = new ViewSummarySink();
        var pump = new AuditLogPump(tailer.Reader, new AuditStreamParser(new AuditLineParser(new AuditParserOptions { FallbackArch = AuditArch.X86_64 })), sink);
        var pumping = pump.RunAsync(CancellationToken.None);

        await tailer.PollAsync();
        File.AppendAllText(log, AuditLines.A10[..40]);
        await tailer.PollAsync();
        File.AppendAllText(log, AuditLines.A10[40..] + "\n");
        await tailer.PollAsync();
        await tailer.DisposeAsync();
        await pumping.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(["seccomp 72503 clone exe=/bin/dash", "seccomp 2039887 open exe=2F6F70742F6D79206170702F62696E", "apparmor 4166  exe="], sink.Summaries);
        Assert.Equal(3, pump.Events);
        Assert.Equal(4, pump.Lines);
    }

    [Fact]
    public async Task A_failing_sink_costs_its_batch_and_not_the_pipeline()
    {
        var log = Path.Join(_root.FullName, "audit.log");
        File.WriteAllText(log, string.Empty);
        await using var tailer = new AuditLogTailer(log, new AuditLogSourceOptions { NodeRoot = _root.FullName });
        var sink = new CollectingSink { FailOnPid = 72503 };
        var pump = new AuditLogPump(tailer.Reader, new AuditStreamParser(new AuditLineParser()), sink);
        var pumping = pump.RunAsync(CancellationToken.None);

        await tailer.PollAsync();
        File.AppendAllText(log, AuditLines.A4 + "\n");
        await tailer.PollAsync();
        await WaitUntilAsync(() => pump.SinkErrors == 1);
        File.AppendAllText(log, AuditLines.A8 + "\n");
        await tailer.PollAsync();
        await tailer.DisposeAsync();
        await pumping.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal([AuditEventType.Selinux], sink.Events.Select(e => e.Type));
        Assert.Equal(1, pump.SinkErrors);
    }

    [Fact]
    public async Task The_pipeline_follows_the_chosen_log_into_the_sink()
    {
        var logDirectory = Directory.CreateDirectory(Path.Join(_root.FullName, "var/log/audit"));
        var log = Path.Join(logDirectory.FullName, "audit.log");
        File.WriteAllText(log, AuditLines.A4 + "\n");
        var sink = new CollectingSink();
        var time = new FakeTimeProvider();
        var options = new AuditLogSourceOptions { NodeRoot = _root.FullName, StartPosition = AuditLogStartPosition.Beginning };
        var pipeline = new AuditLogPipeline(options, new AuditLineParser(), sink, time);
        using var stop = new CancellationTokenSource();

        var run = pipeline.RunAsync(stop.Token);
        File.AppendAllText(log, AuditLines.A8 + "\n");
        await WaitUntilAsync(() =>
        {
            time.Advance(options.PollInterval);
            return pipeline.Pump.Events == 2;
        });
        await stop.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(AuditLogKind.Auditd, pipeline.Location.Kind);
        Assert.Equal([AuditEventType.Seccomp, AuditEventType.Selinux], sink.Events.Select(e => e.Type));
        Assert.True(pipeline.Tailer.Reader.Completion.IsCompleted);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!condition())
        {
            await Task.Delay(1, timeout.Token);
        }
    }

    private sealed class CollectingSink : IAuditEventSink
    {
        public List<AuditEvent> Events { get; } = [];

        public int? FailOnPid { get; init; }

        public void OnEvent(in AuditEvent auditEvent)
        {
            if (auditEvent.Pid == FailOnPid)
            {
                throw new InvalidOperationException("sink failure");
            }

            Events.Add(auditEvent);
        }
    }

    /// <summary>Keeps a summary of each view (its raw exe bytes, not a materialised event).</summary>
    private sealed class ViewSummarySink : IAuditEventViewSink
    {
        public List<string> Summaries { get; } = [];

        public void OnEvent(in AuditEventView auditEvent) => Summaries.Add(
            auditEvent.Type.ToWireName() + " " + auditEvent.Pid + " " + auditEvent.SyscallName + " exe=" + System.Text.Encoding.UTF8.GetString(auditEvent.GetUtf8(AuditField.Executable)));
    }
}
