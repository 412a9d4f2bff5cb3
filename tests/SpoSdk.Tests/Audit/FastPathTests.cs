using System.Text;
using SpoSdk.Audit;
using SpoSdk.Audit.Parsing;

namespace SpoSdk.Tests.Audit;

/// <summary>
/// The shortcuts the parser takes for speed: records found by their <c>audit(</c> marker, keys read with one masked
/// load, token boundaries found a vector block at a time. Each must give exactly what the plain reading gives.
/// </summary>
public sealed class FastPathTests
{
    private readonly AuditLineParser _parser = new(new AuditParserOptions { FallbackArch = AuditArch.X86_64 });

    [Fact]
    public void A_header_with_the_longest_type_token_is_found_from_its_audit_marker()
    {
        // "type=", a 32-byte token (the longest a header may have), " msg=": the widest gap before "audit(".
        var token = "APPARMOR_" + new string('X', 23);
        Assert.Equal(32, token.Length);
        var line = "prefix type=" + token + " msg=audit(1668191154.949:64): apparmor=\"DENIED\" operation=\"exec\" profile=\"p\" name=\"/n\" pid=4166 comm=\"tini\"";

        var events = ParseBlock("noise line\n" + line + "\nmore noise\n");

        var e = Assert.Single(events);
        Assert.Equal(AuditEventType.AppArmor, e.Type);
        Assert.Equal(1500, e.RecordType);
        Assert.Equal(4166, e.Pid);
        Assert.Equal(ParseOne(line), e);
    }

    [Fact]
    public void An_audit_marker_inside_a_value_before_the_header_does_not_hide_the_header()
    {
        var line = "Apr 16 05:16:44 node app[1]: comm=\"audit(\" note=\"type=AVC msg=audit(\" " + AuditLines.A1;

        var e = Assert.Single(ParseBlock(line + "\n"));

        Assert.Equal(AuditEventType.Seccomp, e.Type);
        Assert.Equal(615549, e.Pid);
        Assert.Equal(ParseOne(line), e);
    }

    [Theory]
    [InlineData("Apr 16 05:16:56 node dockerd[1044]: level=warning msg=\"unknown output format\" type=runtime")]
    [InlineData("type=SECCOMP msg=something-else pid=1 syscall=2")]
    [InlineData("kernel: audit(1:2): type=1326 pid=1 syscall=2")]
    [InlineData("type=SECCOMP msg=audit(")]
    public void Lines_without_a_header_before_their_audit_marker_give_nothing_and_hide_nothing(string noise)
    {
        var events = ParseBlock(noise + "\n" + AuditLines.A9 + "\n" + noise);

        var e = Assert.Single(events);
        Assert.Equal(4166, e.Pid);
        Assert.Equal(AuditParseResult.NotAudit, _parser.Parse(Encoding.UTF8.GetBytes(noise), out _));
    }

    [Fact]
    public void Keys_near_the_line_end_and_keys_sharing_a_prefix_are_told_apart()
    {
        // pidx, pi and uidd must not pass for pid and uid; the last keys sit closer than 8 bytes to the line end.
        var line = "type=SECCOMP msg=audit(1.2:3): pidx=9 pi=8 uidd=7 exe=\"/bin/e\" comm=\"c\" syscall=59 uid=5 pid=42";

        var e = ParseOne(line);

        Assert.Equal(42, e.Pid);
        Assert.Equal(5u, e.Uid);
        Assert.Equal(59, e.SyscallId);
        Assert.Equal(ParseBlock(line).Single(), e);
    }

    [Fact]
    public void Fields_give_the_same_values_wherever_they_fall_against_vector_blocks()
    {
        // Shifting the fields one byte at a time puts every boundary on, before and after each 16, 32 and 64-byte block edge.
        for (var pad = 0; pad < 140; pad++)
        {
            var line = "type=SECCOMP msg=audit(1.2:3): " + new string('a', pad) + "=x pid=42 comm=\"c d\" exe=\"/bin/e\" syscall=59 uid=1 gid=2 arch=c000003e";

            var e = ParseOne(line);

            Assert.Equal(42, e.Pid);
            Assert.Equal("c d", e.Comm.ToString());
            Assert.Equal("/bin/e", e.Executable.ToString());
            Assert.Equal(59, e.SyscallId);
            Assert.Equal(1u, e.Uid);
            Assert.Equal(2u, e.Gid);
            Assert.Equal(AuditArch.X86_64, e.Arch);
        }
    }

    [Fact]
    public void Non_ascii_text_outside_the_record_leaves_its_ascii_fields_intact()
    {
        // Only the record is checked for ASCII; a UTF-8 host name before it and interpretations after it are not copied.
        var line = "Apr 16 05:16:44 nöde-ü kernel: " + AuditLines.A1 + "\u001dAUID=\"ünset\" UID=\"röot\"";

        var e = ParseOne(line);

        Assert.Equal("sh", e.Comm.ToString());
        Assert.Equal("/bin/busybox", e.Executable.ToString());
        Assert.Equal("1611996299.149:466250", e.AuditId.ToString());
        Assert.Equal("Sëcret", ParseOne(line.Replace("comm=\"sh\"", "comm=\"Sëcret\"", StringComparison.Ordinal)).Comm.ToString());
    }

    private AuditEvent ParseOne(string line)
    {
        Assert.Equal(AuditParseResult.Event, _parser.Parse(Encoding.UTF8.GetBytes(line), out var e));
        return e;
    }

    private List<AuditEvent> ParseBlock(string block)
    {
        var sink = new RobustnessTests.CollectingSink();
        var count = _parser.ParseLines(Encoding.UTF8.GetBytes(block), ref sink);
        Assert.Equal(count, sink.Events.Count);
        return sink.Events;
    }
}
