using System.Text.Json;
using SpoSdk.Audit;
using SpoSdk.Audit.Filtering;
using SpoSdk.Audit.Output;
using SpoSdk.Audit.Parsing;

namespace SpoSdk.Tests.Audit;

/// <summary>The <c>spoc audit --json</c> object, the JSON enricher record (runtime.md §5.7) and AuditTimeToIso.</summary>
public sealed class JsonOutputTests
{
    private readonly AuditLineParser _parser = new(new AuditParserOptions { FallbackArch = AuditArch.X86_64 });

    [Fact]
    public void Seccomp_event_json_has_the_issue_property_names_in_order()
    {
        Assert.Equal(
            """{"type":"seccomp","timestamp":"1744780616.598","serial":836036,"pid":72503,"uid":0,"gid":0,"arch":"x86_64","executable":"/bin/dash","comm":"sh","syscallID":56,"syscallName":"clone"}""",
            AuditEventJson.Serialize(Parse(AuditLines.A4)));
    }

    [Fact]
    public void Selinux_event_json_has_perms_as_an_array()
    {
        Assert.Equal(
            """{"type":"selinux","timestamp":"1666691794.882","serial":1434,"pid":94509,"comm":"aide","perms":["read","write","open"],"scontext":"system_u:system_r:selinuxrecording.process:s0:c218,c875","tcontext":"system_u:object_r:kubernetes_file_t:s0","tclass":"file"}""",
            AuditEventJson.Serialize(Parse(AuditLines.A8)));
    }

    [Fact]
    public void Apparmor_event_json_leaves_out_what_does_not_apply()
    {
        Assert.Equal(
            """{"type":"apparmor","timestamp":"1668191154.949","serial":64,"pid":4166,"comm":"tini","apparmor":"DENIED","operation":"exec","profile":"profile-name","name":"/usr/local/bin/sample-app"}""",
            Parse(AuditLines.A10).ToString());
        using var capability = JsonDocument.Parse(AuditEventJson.Serialize(Parse(AuditLines.AppArmorCapability)));
        Assert.False(capability.RootElement.TryGetProperty("name", out _));
    }

    [Fact]
    public void Every_property_name_is_one_the_issue_lists()
    {
        string[] allowed = ["type", "timestamp", "serial", "pid", "uid", "gid", "arch", "executable", "comm", "syscallID", "syscallName", "perms", "scontext", "tcontext", "tclass", "apparmor", "operation", "profile", "name"];
        foreach (var line in new[] { AuditLines.A1, AuditLines.A7, AuditLines.A10, AuditLines.HexSeccomp, AuditLines.Arch16, AuditLines.AppArmorNetwork })
        {
            using var json = JsonDocument.Parse(AuditEventJson.Serialize(Parse(line)));
            var names = json.RootElement.EnumerateObject().Select(p => p.Name).ToList();
            Assert.All(names, n => Assert.Contains(n, allowed));
            Assert.Equal(names.OrderBy(n => Array.IndexOf(allowed, n)), names);
        }

        using var unknownArch = JsonDocument.Parse(AuditEventJson.Serialize(Parse(AuditLines.Arch16)));
        Assert.Equal("00000016", unknownArch.RootElement.GetProperty("arch").GetString());
        Assert.False(unknownArch.RootElement.TryGetProperty("syscallName", out _));
    }

    [Fact]
    public void Json_enricher_record_matches_the_upstream_sample()
    {
        var record = SampleRecord();
        Assert.Equal(
            """{"auditID":"9d1c5b0e-8f3a-4c62-b1de-7a2f6e4d3c10","cmdLine":"sh -c ls /tmp","executable":"/bin/dash","gid":0,"node":{"name":"worker-1"},"pid":72503,"requestUID":"2e1f0c9a-6b57-4d7e-9a51-3c8e0d1f2a4b","resource":{"container":"nginx","namespace":"default","pod":"my-pod"},"syscalls":["clone","execve","openat"],"timestamp":"2025-04-16T05:16:56.000Z","uid":0,"version":"spo/v1_alpha"}""",
            record.ToJson());
    }

    [Fact]
    public void Json_enricher_record_without_container_request_uid_or_syscalls()
    {
        var record = SampleRecord() with { Resource = null, RequestUid = null, Syscalls = [] };
        var json = record.ToJson();
        Assert.Contains("\"resource\":null", json, StringComparison.Ordinal);
        Assert.Contains("\"syscalls\":null", json, StringComparison.Ordinal);
        Assert.DoesNotContain("requestUID", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Json_enricher_record_is_a_filter_subject()
    {
        var record = SampleRecord();
        Assert.Equal(AuditFilterValueKind.String, record.GetValue("resource/pod").Kind);
        Assert.Equal(AuditFilterValueKind.String, record.GetValue("node/name").Kind);
        Assert.Equal(72503, record.GetValue("pid").Integer);
        Assert.Equal(AuditFilterValueKind.Missing, record.GetValue("resource/pod/x").Kind);
        Assert.Equal(AuditFilterValueKind.Null, (record with { Resource = null }).GetValue("resource").Kind);
        Assert.Equal(AuditFilterValueKind.Missing, (record with { RequestUid = null }).GetValue("requestUID").Kind);
    }

    [Theory]
    [InlineData("1746611740.574:325", "2025-05-07T09:55:40.000Z")]
    [InlineData("1744780616.598:836036", "2025-04-16T05:16:56.000Z")]
    [InlineData("1744780616.598", "2025-04-16T05:16:56.000Z")]
    [InlineData("1744780616", "2025-04-16T05:16:56.000Z")]
    public void Audit_time_to_iso_drops_the_milliseconds(string id, string iso)
    {
        Assert.True(AuditTimestamp.TryFormatIso(id, out var actual));
        Assert.Equal(iso, actual);
        Assert.Equal(iso, AuditTimestamp.FormatIso(id));
    }

    [Theory]
    [InlineData("invalid")]
    [InlineData("invalid.invalid")]
    [InlineData("")]
    [InlineData("99999999999999999999.1:2")]
    public void Audit_time_to_iso_rejects_garbage(string id)
    {
        Assert.False(AuditTimestamp.TryFormatIso(id, out _));
        Assert.Throws<FormatException>(() => AuditTimestamp.FormatIso(id));
    }

    [Fact]
    public void Record_time_keeps_milliseconds()
    {
        Assert.True(AuditTimestamp.TryGetTime("1744780616.598:836036", out var time));
        Assert.Equal(new DateTimeOffset(2025, 4, 16, 5, 16, 56, 598, TimeSpan.Zero), time);
        Assert.False(AuditTimestamp.TryGetTime("1.x", out _));
    }

    private static JsonEnricherRecord SampleRecord() => new()
    {
        AuditId = "9d1c5b0e-8f3a-4c62-b1de-7a2f6e4d3c10",
        CmdLine = "sh -c ls /tmp",
        Executable = "/bin/dash",
        Gid = 0,
        Node = "worker-1",
        Pid = 72503,
        RequestUid = "2e1f0c9a-6b57-4d7e-9a51-3c8e0d1f2a4b",
        Resource = new JsonEnricherResource("nginx", "default", "my-pod"),
        Syscalls = ["clone", "execve", "openat"],
        Timestamp = AuditTimestamp.FormatIso("1744780616.598:836036"),
        Uid = 0,
    };

    private AuditEvent Parse(string line)
    {
        Assert.True(_parser.TryParse(line, out var e));
        return e;
    }
}
