using SpoSdk.Audit;
using SpoSdk.Audit.Output;
using SpoSdk.Audit.Parsing;

namespace SpoSdk.Tests.Audit;

/// <summary>runtime.md §5.5: the enriched text line, keys in exactly upstream's order.</summary>
public sealed class EnrichedLineFormatterTests
{
    private static readonly AuditEnrichment Pod = new()
    {
        NodeName = "worker-1",
        Namespace = "default",
        PodName = "my-pod",
        ContainerName = "nginx",
        ContainerId = "218ce99dd8b33f6f9b6565863d7cd47dc880963ddd2cd987bcb2d330c65144bf",
        RecordProfile = "rec-token",
    };

    private readonly AuditLineParser _parser = new(new AuditParserOptions { FallbackArch = AuditArch.X86_64 });
    private readonly EnrichedLineFormatter _formatter = new();

    [Fact]
    public void Seccomp_matches_the_upstream_sample()
    {
        var header = new KlogHeader(new DateTimeOffset(2025, 4, 16, 5, 16, 56, TimeSpan.Zero).AddTicks(6123450), 123456, "enricher.go:NNN");
        Assert.Equal(
            "I0416 05:16:56.612345  123456 enricher.go:NNN] \"audit\" logger=\"log-enricher\" timestamp=\"1744780616.598:836036\" type=\"seccomp\" node=\"worker-1\" namespace=\"default\" pod=\"my-pod\" container=\"nginx\" executable=\"/bin/dash\" pid=72503 syscallID=56 syscallName=\"clone\"",
            _formatter.Format(Parse(AuditLines.A4), Pod, header));
    }

    [Fact]
    public void Selinux_keys_and_order()
    {
        Assert.Equal(
            "\"audit\" logger=\"log-enricher\" timestamp=\"1666691794.882:1434\" type=\"selinux\" profile=\"rec-token\" node=\"worker-1\" namespace=\"default\" pod=\"my-pod\" container=\"nginx\" perm=\"read write open\" scontext=\"system_u:system_r:selinuxrecording.process:s0:c218,c875\" tcontext=\"system_u:object_r:kubernetes_file_t:s0\" tclass=\"file\"",
            _formatter.Format(Parse(AuditLines.A8), Pod));
    }

    [Fact]
    public void Apparmor_keys_order_and_extra_info_only_when_present()
    {
        Assert.Equal(
            "\"audit\" logger=\"log-enricher\" timestamp=\"1668191154.949:64\" type=\"apparmor\" node=\"worker-1\" namespace=\"default\" pod=\"my-pod\" container=\"nginx\" executable=\"tini\" pid=4166 apparmor=\"DENIED\" operation=\"exec\" profile=\"profile-name\" name=\"/usr/local/bin/sample-app\" extra_info=\"requested_mask='x' denied_mask='x' fsuid=65534 ouid=0\"",
            _formatter.Format(Parse(AuditLines.A10), Pod));
        Assert.EndsWith("name=\"/usr/local/bin/sample-app\"", _formatter.Format(Parse(AuditLines.A9), Pod), StringComparison.Ordinal);
        Assert.Contains("operation=\"capable\" profile=\"profile-name\" name=\"\" extra_info=", _formatter.Format(Parse(AuditLines.AppArmorCapability), Pod), StringComparison.Ordinal);
    }

    [Fact]
    public void Without_enrichment_its_keys_are_left_out_and_the_order_kept()
    {
        Assert.Equal(
            "\"audit\" logger=\"log-enricher\" timestamp=\"1744780616.598:836036\" type=\"seccomp\" executable=\"/bin/dash\" pid=72503 syscallID=56 syscallName=\"clone\"",
            _formatter.Format(Parse(AuditLines.A4)));
        Assert.DoesNotContain("profile=", _formatter.Format(Parse(AuditLines.A8)), StringComparison.Ordinal);
    }

    [Fact]
    public void Type_comes_before_executable_as_the_e2e_test_asserts()
    {
        var line = _formatter.Format(Parse(AuditLines.A4), Pod);
        Assert.True(line.IndexOf("type=\"seccomp\"", StringComparison.Ordinal) < line.IndexOf("executable=", StringComparison.Ordinal));
    }

    [Fact]
    public void Values_are_quoted_as_go_does_and_never_break_the_line()
    {
        var e = new AuditEventBuilder
        {
            Type = AuditEventType.Seccomp,
            Timestamp = "1.000",
            Serial = 1,
            Pid = 1,
            SyscallId = 0,
            Executable = "a\"b\\c\nd\te\u0001f\u007fg\u00e9h\u00a0i\U0001F600j\u2028",
        }.Build();
        Assert.Contains(
            """executable="a\"b\\c\nd\te\x01f\x7fgéh\u00a0i😀j\u2028" """.TrimEnd(),
            _formatter.Format(e),
            StringComparison.Ordinal);
        Assert.DoesNotContain('\n', _formatter.Format(e));
    }

    [Fact]
    public void Unknown_syscall_name_is_written_empty()
    {
        Assert.EndsWith("syscallID=102 syscallName=\"\"", _formatter.Format(Parse(AuditLines.Arch16)), StringComparison.Ordinal);
    }

    [Fact]
    public void Klog_header_pads_pid_and_writes_microseconds()
    {
        var header = new KlogHeader(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero).AddTicks(70), 42);
        Assert.StartsWith("I0102 03:04:05.000007      42 enricher.cs:1] \"audit\" ", _formatter.Format(Parse(AuditLines.A1), header: header), StringComparison.Ordinal);
    }

    [Fact]
    public void Write_appends_one_line_and_a_custom_logger_name()
    {
        var writer = new StringWriter();
        new EnrichedLineFormatter("json-enricher").Write(writer, Parse(AuditLines.A1));
        Assert.StartsWith("\"audit\" logger=\"json-enricher\" ", writer.ToString(), StringComparison.Ordinal);
        Assert.EndsWith("\n", writer.ToString(), StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => _formatter.Format(default));
    }

    private AuditEvent Parse(string line)
    {
        Assert.True(_parser.TryParse(line, out var e));
        return e;
    }
}
