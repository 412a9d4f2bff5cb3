using System.Text;
using SpoSdk.Audit;
using SpoSdk.Audit.Parsing;

namespace SpoSdk.Tests.Audit;

/// <summary>What the parser accepts beyond upstream's regexes: hex values, any order, other forms, per-line arch.</summary>
public sealed class BeyondUpstreamTests
{
    private readonly AuditLineParser _parser = new(new AuditParserOptions { FallbackArch = AuditArch.X86_64 });

    [Fact]
    public void Hex_encoded_exe_and_comm_are_decoded()
    {
        var e = Parse(AuditLines.HexSeccomp);
        Assert.Equal("/opt/my app/bin", e.Executable.ToString());
        Assert.Equal("my app", e.Comm.ToString());
        Assert.Equal("open", e.SyscallName);
    }

    [Fact]
    public void Hex_encoded_apparmor_comm_is_decoded()
    {
        var e = Parse(AuditLines.HexAppArmorComm);
        Assert.Equal("C2 Cache", e.Comm.ToString());
        Assert.Equal("requested_mask='r' denied_mask='r' fsuid=0 ouid=0", e.ExtraInfo.ToString());
    }

    [Fact]
    public void Hex_decoding_applies_only_to_untrusted_fields_and_kernel_hex()
    {
        // Lowercase or odd-length values are not the kernel's encoding; arch= is hex by nature, not encoded text.
        Assert.Equal("deadbeef", Parse(AuditLines.A1.Replace("comm=\"sh\"", "comm=deadbeef", StringComparison.Ordinal)).Comm.ToString());
        Assert.Equal("ABC", Parse(AuditLines.A1.Replace("comm=\"sh\"", "comm=ABC", StringComparison.Ordinal)).Comm.ToString());
        Assert.Equal("(null)", Parse(AuditLines.A1.Replace("exe=\"/bin/busybox\"", "exe=(null)", StringComparison.Ordinal)).Executable.ToString());
    }

    [Fact]
    public void Hex_decoded_bytes_that_are_not_utf8_become_replacement_characters()
    {
        var e = Parse(AuditLines.A1.Replace("comm=\"sh\"", "comm=41FF42", StringComparison.Ordinal));
        Assert.Equal("A\uFFFDB", e.Comm.ToString());
    }

    [Fact]
    public void AppArmor_capability_denial_without_name()
    {
        var e = Parse(AuditLines.AppArmorCapability);
        Assert.Equal(AuditEventType.AppArmor, e.Type);
        Assert.Equal(1400, e.RecordType);
        Assert.Equal("capable", e.Operation.ToString());
        Assert.Equal("profile-name", e.Profile.ToString());
        Assert.False(e.Name.IsPresent);
        Assert.Equal(4168, e.Pid);
        Assert.Equal("ping", e.Comm.ToString());
        Assert.Equal("capability=13  capname='net_raw'", e.ExtraInfo.ToString());
    }

    [Fact]
    public void AppArmor_network_denial_without_name()
    {
        var e = Parse(AuditLines.AppArmorNetwork);
        Assert.Equal("create", e.Operation.ToString());
        Assert.False(e.Name.IsPresent);
        Assert.Equal("curl", e.Comm.ToString());
        Assert.StartsWith("family='inet' sock_type='raw'", e.ExtraInfo.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Fields_in_any_order()
    {
        var shuffled = """type=SECCOMP msg=audit(1744780616.598:836036): syscall=56 arch=c000003e exe="/bin/dash" comm="sh" pid=72503 gid=7 uid=5""";
        var e = Parse(shuffled);
        Assert.Equal(72503, e.Pid);
        Assert.Equal("clone", e.SyscallName);
        Assert.Equal(5u, e.Uid);
        Assert.Equal(7u, e.Gid);

        var a = Parse("type=APPARMOR_DENIED msg=audit(1668191154.949:64): comm=\"tini\" pid=4166 name=\"/x\" profile=\"p\" operation=\"exec\" apparmor=\"DENIED\"");
        Assert.Equal(1503, a.RecordType);
        Assert.Equal("DENIED", a.Apparmor.ToString());
        Assert.Equal("exec", a.Operation.ToString());
        Assert.Equal("/x", a.Name.ToString());

        var selinux = "type=AVC msg=audit(1:2): avc:  denied  { read } for tclass=file tcontext=b:c:d:s0 scontext=a:b:c:s0 pid=9";
        var s = Parse(selinux);
        Assert.Equal("file", s.Tclass.ToString());
        Assert.Equal(9, s.Pid);
    }

    [Fact]
    public void Kernel_form_selinux_and_journal_form()
    {
        var kernel = "Apr 16 05:16:56 node kernel: audit: type=1400 audit(1613173578.156:2945): avc:  denied  { read } for  pid=75593 comm=\"x\" scontext=a:b:c:s0 tcontext=d:e:f:s0 tclass=file permissive=0";
        var e = Parse(kernel);
        Assert.Equal(AuditEventType.Selinux, e.Type);
        Assert.Equal(1400, e.RecordType);

        var journal = "Apr 16 05:16:56 node kernel: audit: type=1326 audit(1625740283.502:574): pid=4709 comm=\"sh\" exe=\"/bin/busybox\" arch=c000003e syscall=13";
        Assert.Equal("rt_sigaction", Parse(journal).SyscallName);
    }

    [Fact]
    public void Auditd_node_prefix_and_unknown_type_spelling()
    {
        Assert.Equal(72503, Parse("node=worker-1 " + AuditLines.A4).Pid);
        Assert.Equal(1326, Parse("type=UNKNOWN[1326] msg=audit(1:2): pid=3 arch=c000003e syscall=1").RecordType);
    }

    [Fact]
    public void Auditd_interpretations_after_the_group_separator_are_not_fields()
    {
        var line = "type=SECCOMP msg=audit(1:2): pid=3 arch=c000003e syscall=1\u001dAUID=\"unset\" uid=\"5\" pid=9 syscall=59";
        var e = Parse(line);
        Assert.Equal(3, e.Pid);
        Assert.Null(e.Uid);
        Assert.Equal(1, e.SyscallId);
    }

    [Fact]
    public void Syscall_names_follow_the_lines_own_arch()
    {
        Assert.Equal("openat", Parse(AuditLines.A4.Replace("arch=c000003e", "arch=c00000b7", StringComparison.Ordinal)).SyscallName);
        Assert.Equal("mpx", Parse(AuditLines.A4.Replace("arch=c000003e", "arch=40000003", StringComparison.Ordinal)).SyscallName);
        var i386 = Parse(AuditLines.A4.Replace("arch=c000003e syscall=56", "arch=40000003 syscall=11", StringComparison.Ordinal));
        Assert.Equal("execve", i386.SyscallName);
        Assert.Equal("i386", i386.Arch.Name);
    }

    [Fact]
    public void Unknown_arch_gives_no_name_rather_than_the_hosts()
    {
        var e = Parse(AuditLines.Arch16);
        Assert.Equal(0x16u, e.Arch.Value);
        Assert.Null(e.Arch.Name);
        Assert.Equal("00000016", e.Arch.ToString());
        Assert.Null(e.SyscallName);
        Assert.Equal(102, e.SyscallId);
    }

    [Fact]
    public void Missing_arch_falls_back_to_the_configured_host_arch()
    {
        var line = AuditLines.A4.Replace(" arch=c000003e", string.Empty, StringComparison.Ordinal);
        Assert.Equal("clone", Parse(line).SyscallName);
        Assert.False(Parse(line).Arch.IsPresent);

        var arm = new AuditLineParser(new AuditParserOptions { FallbackArch = AuditArch.Aarch64 });
        Assert.True(arm.TryParse(line, out var e));
        Assert.Equal("openat", e.SyscallName);
    }

    [Fact]
    public void Unsupported_and_malformed_records()
    {
        Assert.Equal(AuditParseResult.Rejected, _parser.Parse(AuditLines.NoSyscall, out _));
        Assert.Equal(AuditParseResult.Event, _parser.Parse(AuditLines.Unterminated, out var truncated));
        Assert.False(truncated.Executable.IsPresent);
        Assert.Equal(AuditParseResult.Rejected, _parser.Parse(AuditLines.EmptyValues, out _));
        Assert.Equal(AuditParseResult.Rejected, _parser.Parse(AuditLines.NegativePid, out _));
        Assert.Equal(AuditParseResult.Rejected, _parser.Parse("type=SECCOMP msg=audit(1:2): pid=99999999999 syscall=1", out _));
        Assert.Equal(AuditParseResult.Rejected, _parser.Parse("type=AVC msg=audit(1:2): avc:  denied  { read } for pid=1 tclass=file", out _));
        Assert.Equal(AuditParseResult.Rejected, _parser.Parse("type=AVC msg=audit(1:2): avc:  denied  { rea\"d } for pid=1 scontext=a tcontext=b tclass=file", out _));
        Assert.Equal(AuditParseResult.NotAudit, _parser.Parse("type=AVC msg=audit(1:2): something else pid=1", out _));
        Assert.Equal(AuditParseResult.NotAudit, _parser.Parse("type=SYSCALL msg=audit(1:2): arch=c000003e syscall=59 pid=1 comm=\"x\"", out _));
        Assert.Equal(AuditParseResult.NotAudit, _parser.Parse("type=SECCOMP msg=audit(x:2): pid=1 syscall=1", out _));
        Assert.Equal(AuditParseResult.NotAudit, _parser.Parse("filetype=SECCOMP msg=audit(1:2): pid=1 syscall=1", out _));
        Assert.Equal(AuditParseResult.NotAudit, _parser.Parse(string.Empty, out _));
        Assert.True(_parser.Counters.RejectedLines >= 6);
    }

    [Fact]
    public void The_first_header_decides_so_another_records_text_cannot_pose_as_one()
    {
        var line = "type=USER_CMD msg=audit(1:2): pid=1 uid=0 msg='cmd=type=SECCOMP msg=audit(1:3): pid=666 syscall=59'";
        Assert.Equal(AuditParseResult.NotAudit, _parser.Parse(line, out _));

        // Junk before a real header does not hide it.
        Assert.Equal(72503, Parse("xx type=bogus type= type=SECCOMP " + AuditLines.A4).Pid);
    }

    [Fact]
    public void Crlf_line_endings_and_nul_bytes()
    {
        Assert.Equal(0, Parse(AuditLines.P1 + "\r").SyscallId);

        // NUL separates tokens, so it can never glue a fake field onto a value.
        var nul = Parse(AuditLines.P1.Replace(" sig=0 ", " sig=0\0pid=1\0", StringComparison.Ordinal));
        Assert.Equal(3109464, nul.Pid);

        var inQuotes = Parse(AuditLines.P1.Replace("comm=\"sh\"", "comm=\"s\0h\"", StringComparison.Ordinal));
        Assert.Equal("s\0h", inQuotes.Comm.ToString());
    }

    [Fact]
    public void Invalid_utf8_is_replaced_never_thrown()
    {
        var bytes = Encoding.UTF8.GetBytes(AuditLines.A10.Replace("/usr/local/bin/sample-app", "/tmp/X", StringComparison.Ordinal));
        var at = Array.IndexOf(bytes, (byte)'X');
        bytes[at] = 0xC3;
        Assert.True(_parser.TryParse(bytes, out var e));
        Assert.Equal("/tmp/\uFFFD", e.Name.ToString());
    }

    [Fact]
    public void Byte_and_string_paths_agree()
    {
        foreach (var line in new[] { AuditLines.A2, AuditLines.A8, AuditLines.A10, AuditLines.HexSeccomp, AuditLines.AppArmorNetwork })
        {
            Assert.True(_parser.TryParse(line, out var fromString));
            Assert.True(_parser.TryParse(Encoding.UTF8.GetBytes(line), out var fromBytes));
            Assert.Equal(fromString, fromBytes);
        }
    }

    [Fact]
    public void Lines_over_the_cap_are_skipped_and_counted()
    {
        var parser = new AuditLineParser(new AuditParserOptions { MaxLineBytes = 200 });
        Assert.Equal(AuditParseResult.Oversized, parser.Parse(AuditLines.A4, out _));
        Assert.Equal(AuditParseResult.Oversized, parser.Parse(Encoding.UTF8.GetBytes(AuditLines.A4), out _));
        Assert.Equal(2, parser.Counters.OversizedLines);
        Assert.True(parser.TryParse(AuditLines.A9, out _));

        // Multi-byte text counts in UTF-8 bytes.
        var wide = AuditLines.A9.Replace("sample-app", new string('é', 40), StringComparison.Ordinal);
        Assert.True(wide.Length <= 200);
        Assert.Equal(AuditParseResult.Oversized, parser.Parse(wide, out _));
        Assert.Equal(AuditParserOptions.DefaultMaxLineBytes, new AuditLineParser().Options.MaxLineBytes);
    }

    [Fact]
    public void Builder_makes_events_equal_to_parsed_ones()
    {
        var parsed = Parse(AuditLines.A10);
        var built = new AuditEventBuilder
        {
            Type = AuditEventType.AppArmor,
            Timestamp = "1668191154.949",
            Serial = 64,
            Pid = 4166,
            Apparmor = "DENIED",
            Operation = "exec",
            Profile = "profile-name",
            Name = "/usr/local/bin/sample-app",
            Comm = "tini",
            ExtraInfo = "requested_mask='x' denied_mask='x' fsuid=65534 ouid=0",
        }.Build();
        Assert.Equal(parsed, built);
        Assert.Equal(parsed.GetHashCode(), built.GetHashCode());
        Assert.Throws<InvalidOperationException>(() => new AuditEventBuilder().Build());
    }

    private AuditEvent Parse(string line)
    {
        Assert.Equal(AuditParseResult.Event, _parser.Parse(line, out var e));
        return e;
    }
}
