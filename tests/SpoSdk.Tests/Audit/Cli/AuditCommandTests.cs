using System.Text;
using System.Text.Json;
using SpoSdk.Cli;

namespace SpoSdk.Tests.Audit.Cli;

/// <summary><c>spoc audit [--json] FILE|-</c>.</summary>
public sealed class AuditCommandTests : IDisposable
{
    private static readonly string Log = string.Join('\n',
        "Jul  8 10:31:23 ubuntu2004 systemd[1]: Started Session 3 of user root.",
        AuditLines.A4,
        AuditLines.A2,
        "type=SYSCALL msg=audit(1613596317.899:6461): arch=c000003e syscall=59 success=yes pid=1",
        AuditLines.A8,
        AuditLines.P7,
        AuditLines.A10,
        AuditLines.AppArmorCapability) + "\n";

    private readonly string _dir = Directory.CreateTempSubdirectory("spoc-audit-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Text_output_is_one_enriched_line_per_event()
    {
        var (code, stdout, stderr) = await RunAsync(null, "audit", Write("audit.log", Log));
        Assert.True(code == 0, stderr);
        Assert.Empty(stderr);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(5, lines.Length);
        Assert.Matches("""^I0416 05:16:56\.598000 +0 enricher\.cs:1\] "audit" logger="log-enricher" timestamp="1744780616\.598:836036" type="seccomp" executable="/bin/dash" pid=72503 syscallID=56 syscallName="clone"$""", lines[0]);
        Assert.EndsWith("] \"audit\" logger=\"log-enricher\" timestamp=\"1625740283.502:574\" type=\"seccomp\" executable=\"/bin/busybox\" pid=4709 syscallID=13 syscallName=\"" + ExpectedName(13) + "\"", lines[1], StringComparison.Ordinal);
        Assert.Contains("type=\"selinux\" perm=\"read write open\"", lines[2], StringComparison.Ordinal);
        Assert.Contains("type=\"apparmor\" executable=\"tini\" pid=4166", lines[3], StringComparison.Ordinal);
        Assert.Contains("operation=\"capable\"", lines[4], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Text_output_is_the_same_on_every_run_with_pid_zero_in_the_header()
    {
        var (_, stdout, _) = await RunAsync(null, "audit", Write("audit.log", Log));

        // Offline nothing logs the line: no spoc PID (which differs per run), as no timestamp but the record's.
        Assert.All(stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries), line => Assert.Equal("      0 enricher.cs:1]", line[22..44]));
    }

    [Fact]
    public async Task Json_output_is_one_object_per_event()
    {
        var (code, stdout, stderr) = await RunAsync(null, "audit", "--json", Write("audit.log", Log));
        Assert.True(code == 0, stderr);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(5, lines.Length);
        Assert.Equal(
            """{"type":"seccomp","timestamp":"1744780616.598","serial":836036,"pid":72503,"uid":0,"gid":0,"arch":"x86_64","executable":"/bin/dash","comm":"sh","syscallID":56,"syscallName":"clone"}""",
            lines[0]);
        var types = lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("type").GetString()!).ToArray();
        Assert.Equal(["seccomp", "seccomp", "selinux", "apparmor", "apparmor"], types);
        Assert.Equal(["read", "write", "open"], JsonDocument.Parse(lines[2]).RootElement.GetProperty("perms").EnumerateArray().Select(p => p.GetString()!));
    }

    [Fact]
    public async Task Stdin_is_read_with_a_dash()
    {
        var (code, stdout, _) = await RunAsync(Log, "audit", "--json", "-");
        Assert.Equal(0, code);
        Assert.Equal(5, stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public async Task No_events_still_exits_zero()
    {
        var (code, stdout, stderr) = await RunAsync(null, "audit", Write("syslog", "just\nnoise\n" + AuditLines.P7));
        Assert.Equal(0, code);
        Assert.Empty(stdout);
        Assert.Empty(stderr);

        (code, stdout, _) = await RunAsync(null, "audit", Write("empty", string.Empty));
        Assert.Equal(0, code);
        Assert.Empty(stdout);
    }

    [Fact]
    public async Task Unreadable_input_and_usage_errors_exit_two()
    {
        Assert.Equal(2, (await RunAsync(null, "audit", Path.Combine(_dir, "missing.log"))).Code);
        Assert.Equal(2, (await RunAsync(null, "audit", _dir)).Code);
        Assert.Equal(2, (await RunAsync(null, "audit")).Code);
        Assert.Equal(2, (await RunAsync(null, "audit", "--yaml", "x")).Code);
        Assert.Equal(2, (await RunAsync(null, "audit", "a", "b")).Code);
        var (code, _, stderr) = await RunAsync(null, "audit", Path.Combine(_dir, "missing.log"));
        Assert.Equal(2, code);
        Assert.Contains("cannot read", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Long_lines_crlf_and_a_missing_last_newline()
    {
        var log = AuditLines.A1 + "\r\n" + "x" + new string('y', 100_000) + "\r\n" + AuditLines.A9;
        var (code, stdout, stderr) = await RunAsync(null, "audit", "--json", Write("crlf.log", log));
        Assert.Equal(0, code);
        Assert.Equal(2, stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Contains("skipped 1 line(s) longer than 65536 bytes", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Malformed_records_are_reported_not_printed()
    {
        var (code, stdout, stderr) = await RunAsync(null, "audit", Write("bad.log", AuditLines.NoSyscall + "\n" + AuditLines.A1 + "\n"));
        Assert.Equal(0, code);
        Assert.Single(stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("1 malformed audit record", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Input_is_streamed_not_read_whole()
    {
        // 8 MiB of noise: reading it whole would allocate at least that much.
        var path = Path.Combine(_dir, "big.log");
        var noise = Encoding.UTF8.GetBytes("Apr 16 05:16:56 node kernel: [ 270.853767] eth0: link becomes ready type=ethernet\n");
        using (var file = File.Create(path))
        {
            for (var written = 0; written < 8 << 20; written += noise.Length)
            {
                file.Write(noise);
            }

            file.Write(Encoding.UTF8.GetBytes(AuditLines.A1 + "\n"));
        }

        var stdout = new StringWriter();
        var before = GC.GetAllocatedBytesForCurrentThread();
        var code = await SpocApp.RunAsync(["audit", path], TextReader.Null, stdout, new StringWriter());
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, code);
        Assert.Single(stdout.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.True(allocated < 2 << 20, "allocated " + allocated + " bytes for an 8 MiB file");
    }

    [Fact]
    public async Task Usage_lists_the_command()
    {
        var (_, stdout, _) = await RunAsync(null, "--help");
        Assert.Contains("audit [--json] FILE|-", stdout, StringComparison.Ordinal);
    }

    private static string ExpectedName(int number) => SpoSdk.Audit.AuditArch.X86_64.GetSyscallName(number)!;

    private string Write(string name, string content)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, content);
        return path;
    }

    private static async Task<(int Code, string Stdout, string Stderr)> RunAsync(string? stdin, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await SpocApp.RunAsync(args, new StringReader(stdin ?? string.Empty), stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }
}
