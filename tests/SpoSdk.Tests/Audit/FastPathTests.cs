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

    [Theory]
    [InlineData("type=SECCOMP msg=audit(1.2:3): pid=1 syscall=2", 1326)]
    [InlineData("x type=1326 audit(1.2:3): pid=1 syscall=2", 1326)]
    [InlineData("type=SECCOMP  msg=audit(1.2:3): pid=1 syscall=2", 0)]
    [InlineData("x\\ttype=SECCOMP msg=audit(1.2:3): pid=1 syscall=2", 1326)]
    [InlineData("x\\0type=1326 audit(1.2:3): pid=1 syscall=2", 1326)]
    [InlineData("xtype=SECCOMP msg=audit(1.2:3): pid=1 syscall=2", 0)]
    [InlineData("type=\\ttype=SECCOMP msg=audit(1.2:3): pid=1 syscall=2", 0)]
    [InlineData("type=SYSCALL type=SECCOMP msg=audit(1.2:3): pid=1 syscall=2", 1326)]
    [InlineData("type=SECCOMP\\tmsg=audit(1.2:3): pid=1 syscall=2", 0)]
    [InlineData("type= audit(1.2:3): pid=1 syscall=2", 0)]
    [InlineData("type=SYSCALL msg=audit(1.2:3): type=SECCOMP msg=audit(1.2:3): pid=1 syscall=2", 0)]
    [InlineData("type=APPARMOR_DENIED_AND_A_TOKEN_LONGER_THAN_32 msg=audit(1.2:3): apparmor=\"D\" operation=\"o\" pid=1", 0)]
    [InlineData("type=APPARMOR_XXXXXXXXXXXXXXXXXXXXXXX msg=audit(1.2:3): apparmor=\"D\" operation=\"o\" pid=1", 1500)]
    [InlineData("type=AVCaudit( msg=audit(1.2:3): pid=1 syscall=2", 0)]
    [InlineData(" msg=audit(1.2:3): pid=1 syscall=2", 0)]
    [InlineData("type=AVC\\0\\0\\0\\0 msg=audit(1.2:3): pid=1 syscall=2 comm=\"abcdefghijklmnopqrstuvwxyz\"", 0)]
    [InlineData("type=SECC\\0 msg=audit(1.2:3): pid=1 syscall=2 comm=\"abcdefghijklmnopqrstuvwxyz\"", 0)]
    [InlineData("type=1326 msg=audit(1.2:3): pid=1 syscall=2 comm=\"abcdefghijklmnopqrstuvwxyz\"", 1326)]
    [InlineData("type=13\\026 msg=audit(1.2:3): pid=1 syscall=2 comm=\"abcdefghijklmnopqrstuvwxyz\"", 0)]
    [InlineData("type=SYSCALL msg=audit(1.2:3): pid=1 syscall=2 comm=\"abcdefghijklmnopqrstuvwxyz\"", 0)]
    [InlineData("type=1326000 msg=audit(1.2:3): pid=1 syscall=2 comm=\"abcdefghijklmnopqrstuvwxyz\"", 0)]
    [InlineData("type=PROCTITLE msg=audit(1.2:3): pid=1 syscall=2 comm=\"abcdefghijklmnopqrstuvwxyz\"", 0)]
    [InlineData("type=USER_AVC msg=audit(1.2:3): pid=1 syscall=2 comm=\"abcdefghijklmnopqrstuvwxyz\"", 0)]
    [InlineData("type=UNKNOWN[1326] msg=audit(1.2:3): pid=1 syscall=2 comm=\"abcdefghijklmnopqrstuvwxyz\"", 1326)]
    [InlineData("type=APPARMOR_DENIED msg=audit(1.2:3): apparmor=\"D\" operation=\"o\" pid=1", 1503)]
    [InlineData("type=AVC msg=audit(1.2:3): apparmor=\"D\" operation=\"o\" pid=1", 1400)]
    [InlineData("type=13260 msg=audit(1.2:3): pid=1 syscall=2 comm=\"abcdefghijklmnopqrstuvwxyz\"", 0)]
    public void A_header_read_back_from_its_audit_marker_is_the_one_the_forward_search_finds(string line, int recordType)
    {
        // Tabs and NULs are written as backslash escapes above so that the test names stay printable.
        line = line.Replace("\\t", "\t", StringComparison.Ordinal).Replace("\\0", "\0", StringComparison.Ordinal);
        var alone = _parser.Parse(Encoding.UTF8.GetBytes(line), out var expected);

        var events = ParseBlock("noise\n" + line + "\nnoise");

        Assert.Equal(recordType, alone == AuditParseResult.Event ? expected.RecordType : 0);
        Assert.Equal(alone == AuditParseResult.Event ? [expected] : [], events);
    }

    [Fact]
    public void Random_header_shapes_give_the_same_events_in_a_block_as_alone()
    {
        // Header pieces glued at random: the read back from the marker must never pick another header than the search.
        string[] pieces = ["type=", "SECCOMP", "AVC", "1326", "SYSCALL", " ", "  ", "\t", "\0", "msg=", "audit(", "x", "1.2:3", "):", " pid=1 syscall=2"];
        var random = new Random(4471);
        for (var round = 0; round < 3000; round++)
        {
            var text = new StringBuilder();
            for (var i = random.Next(1, 14); i > 0; i--)
            {
                text.Append(pieces[random.Next(pieces.Length)]);
            }

            var line = text.ToString();
            var alone = _parser.Parse(Encoding.UTF8.GetBytes(line), out var expected);
            var events = ParseBlock("n\n" + line + "\n");
            Assert.True(alone == AuditParseResult.Event ? events.SequenceEqual([expected]) : events.Count == 0, line);
        }
    }

    [Fact]
    public void Line_bounds_are_found_wherever_the_line_falls_against_vector_windows()
    {
        // The line's start and end are found a vector window at a time: a record at every offset from the block start,
        // after short and long noise lines, with and without a final line break, gives exactly the event it gives alone.
        var alone = _parser.Parse(Encoding.UTF8.GetBytes(AuditLines.A9), out var expected);
        Assert.Equal(AuditParseResult.Event, alone);
        foreach (var noiseLength in new[] { 0, 1, 5, 31, 32, 33, 63, 64, 65, 100, 127, 128, 129, 200 })
        {
            for (var offset = 0; offset < 70; offset++)
            {
                var before = new string('n', offset) + "\n" + new string('x', noiseLength) + "\n";
                var after = new string('y', noiseLength);
                Assert.Equal([expected], ParseBlock(before + AuditLines.A9 + "\n" + after));
                Assert.Equal([expected], ParseBlock(before + AuditLines.A9));
                Assert.Equal([expected], ParseBlock(AuditLines.A9 + "\n" + before));
            }
        }
    }

    [Fact]
    public void A_record_whose_header_sits_far_into_its_line_is_bounded_wherever_it_falls()
    {
        // A syslog prefix of any length puts the marker one or more 64-byte windows after the line start.
        foreach (var prefixLength in new[] { 0, 1, 30, 31, 32, 33, 62, 63, 64, 65, 66, 100, 127, 128, 129, 130, 191, 192, 193, 300 })
        {
            var line = new string('p', prefixLength) + " " + AuditLines.A9;
            var alone = _parser.Parse(Encoding.UTF8.GetBytes(line), out var expected);
            Assert.Equal(AuditParseResult.Event, alone);
            for (var offset = 0; offset < 66; offset += 5)
            {
                var before = new string('n', offset) + "\n";
                Assert.Equal([expected], ParseBlock(before + line + "\n" + before));
                Assert.Equal([expected], ParseBlock(before + line));
            }
        }
    }

    [Fact]
    public void Type_tokens_of_every_length_after_any_prefix_are_read_back_as_the_forward_search_reads_them()
    {
        // The type token before the marker is found by the last space in the 32 bytes before it when there is one, and
        // byte by byte otherwise; tokens up to the 32-byte limit and past it, after prefixes with and without spaces
        // near the token, must give the same result in a block as alone.
        var random = new Random(2311);
        string[] prefixPieces = ["", " ", "x", "xx ", "type=", "type=AVC ", "  ", "\t", "msg="];
        foreach (var tokenLength in Enumerable.Range(1, 34))
        {
            foreach (var form in new[] { " msg=audit(", " audit(" })
            {
                for (var round = 0; round < 12; round++)
                {
                    var prefix = new StringBuilder();
                    for (var i = random.Next(0, 6); i > 0; i--)
                    {
                        prefix.Append(prefixPieces[random.Next(prefixPieces.Length)]);
                    }

                    var token = round % 3 == 0 ? "1326".PadLeft(tokenLength, '0')[^Math.Min(tokenLength, 34)..] : "SECCOMP".PadRight(tokenLength, 'X')[..tokenLength];
                    var line = prefix + "type=" + token + form + "1668191154.949:64): pid=1 syscall=2 comm=\"abcdefghijklmnopqrstuvwxyz\"";
                    var alone = _parser.Parse(Encoding.UTF8.GetBytes(line), out var expected);

                    Assert.Equal(alone == AuditParseResult.Event ? [expected] : [], ParseBlock("n\n" + line + "\n"));
                }
            }
        }
    }

    [Fact]
    public void Permission_blocks_of_any_content_read_as_the_rule_says_whether_they_close_within_a_vector_or_not()
    {
        // The block closing within 32 bytes is read from vector masks, a longer or unclosed one byte by byte: both must
        // keep exactly the blocks of identifiers and spaces with at least one name, trimmed, up to the first brace.
        var random = new Random(1400);
        string[] pieces = ["read", "write", "name_bind", "X9", " ", "  ", "_", "-", "\"", "{", "}", "\0", "\u00e9", "a"];
        for (var round = 0; round < 4000; round++)
        {
            var content = new StringBuilder();
            for (var i = random.Next(0, 12); i > 0; i--)
            {
                content.Append(pieces[random.Next(pieces.Length)]);
            }

            var text = content.ToString();
            var closeAt = text.IndexOf('}', StringComparison.Ordinal);
            var inside = closeAt < 0 ? text : text[..closeAt];
            var tail = random.Next(2) == 0 ? "" : "} for  pid=77 comm=\"nginx\" scontext=system_u:system_r:container_t:s0 tcontext=system_u:object_r:var_t:s0 tclass=file";
            var closes = closeAt >= 0 || tail.Length > 0;
            var valid = closes && inside.All(c => c is ' ' or '_' || char.IsAsciiLetterOrDigit(c)) && inside.Trim(' ').Length > 0;
            var line = "type=AVC msg=audit(1.2:3): avc:  denied  {" + text + tail;

            var result = _parser.Parse(Encoding.UTF8.GetBytes(line), out var e);

            // Text after an early brace may spoil the fields that follow; a block closed by the tail cannot.
            Assert.True(!valid || closeAt >= 0 || result == AuditParseResult.Event, line);
            Assert.True(result != AuditParseResult.Event || (valid && e.Type == AuditEventType.Selinux && e.Perms.ToString() == inside.Trim(' ')), line);

            Assert.Equal(result == AuditParseResult.Event ? [e] : [], ParseBlock("n\n" + line + "\n"));
        }
    }

    [Fact]
    public void Numbers_are_read_exactly_at_every_length_up_to_their_limits()
    {
        // Up to nine digits take the path without per-digit overflow checks; ten and more the checked one.
        foreach (var pid in new[] { "0", "7", "123456789", "999999999", "1000000000", "2147483647", "0002147483647" })
        {
            var e = ParseOne("type=SECCOMP msg=audit(1.2:3): pid=" + pid + " uid=" + pid + " syscall=1");
            Assert.Equal(int.Parse(pid, System.Globalization.CultureInfo.InvariantCulture), e.Pid);
            Assert.Equal(uint.Parse(pid, System.Globalization.CultureInfo.InvariantCulture), e.Uid);
        }

        Assert.Equal(AuditParseResult.Rejected, _parser.Parse("type=SECCOMP msg=audit(1.2:3): pid=2147483648 syscall=1"u8, out _));
        Assert.Null(ParseOne("type=SECCOMP msg=audit(1.2:3): pid=1 uid=4294967296 syscall=1").Uid);
        Assert.Equal(4294967295u, ParseOne("type=SECCOMP msg=audit(1.2:3): pid=1 uid=4294967295 syscall=1").Uid);
        Assert.Equal(AuditParseResult.Rejected, _parser.Parse("type=SECCOMP msg=audit(1.2:3): pid=12x syscall=1"u8, out _));
    }

    [Fact]
    public void Every_key_is_recognised_and_near_misses_are_not()
    {
        // The keys are looked up by a perfect hash; a key one byte off (in content or length) must miss it.
        var line = "type=AVC msg=audit(1.2:3): avc:  denied  { read } for pid=7 uid=8 gid=9 arch=c000003e syscall=1 exe=\"/e\" comm=\"c\" "
            + "scontext=s:s tcontext=t:t tclass=file name=\"n\"";
        var e = ParseOne(line);
        Assert.Equal((7, 8u, 9u, AuditArch.X86_64, "/e", "c", "s:s", "t:t", "file", "n"), (e.Pid, e.Uid!.Value, e.Gid!.Value, e.Arch, e.Executable.ToString(), e.Comm.ToString(), e.Scontext.ToString(), e.Tcontext.ToString(), e.Tclass.ToString(), e.Name.ToString()));
        var apparmor = ParseOne("type=AVC msg=audit(1.2:3): apparmor=\"D\" operation=\"o\" profile=\"p\" pid=1");
        Assert.Equal(("D", "o", "p"), (apparmor.Apparmor.ToString(), apparmor.Operation.ToString(), apparmor.Profile.ToString()));

        string[] keys = ["pid", "uid", "gid", "arch", "syscall", "exe", "comm", "scontext", "tcontext", "tclass", "apparmor", "profile", "name"];
        foreach (var key in keys)
        {
            foreach (var near in new[] { key[..^1], key + "s", "x" + key, key[..^1] + (char)(key[^1] ^ 0x20), key[..^1] + (char)(key[^1] + 1) })
            {
                var probe = ParseOne("type=AVC msg=audit(1.2:3): avc:  denied  { read } for pid=7 " + near + "=9 scontext=s tcontext=t tclass=f");
                Assert.Equal(ParseOne("type=AVC msg=audit(1.2:3): avc:  denied  { read } for pid=7 scontext=s tcontext=t tclass=f"), probe);
            }
        }
    }

    [Fact]
    public void The_last_field_is_copied_exactly_at_every_length()
    {
        // The last field has no room after it for a whole-vector copy; each length takes one of the three copy paths.
        for (var length = 0; length < 100; length++)
        {
            var text = string.Concat(Enumerable.Range(0, length).Select(i => (char)('a' + (i % 26))));
            var apparmor = ParseOne("type=AVC msg=audit(1.2:3): apparmor=\"D\" operation=\"o\" pid=1 comm=\"c\" x=" + text);
            Assert.Equal("x=" + text, apparmor.ExtraInfo.ToString());
            Assert.Equal("c", apparmor.Comm.ToString());

            var selinux = ParseOne("type=AVC msg=audit(1.2:3): avc:  denied  { read } for pid=7 scontext=s tcontext=t tclass=f name=\"" + text + "\"");
            Assert.Equal(text, selinux.Name.ToString());
            Assert.Equal("f", selinux.Tclass.ToString());

            var seccomp = ParseOne("type=SECCOMP msg=audit(1.2:3): pid=1 syscall=2 exe=\"/" + text + "\" comm=\"" + text + "\"");
            Assert.Equal(text, seccomp.Comm.ToString());
            Assert.Equal("/" + text, seccomp.Executable.ToString());
        }
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
