using System.Globalization;
using System.Text;
using SpoSdk.Audit;
using SpoSdk.Audit.Parsing;

namespace SpoSdk.Tests.Audit;

/// <summary>The borrowed <see cref="AuditEventView"/> and the materialised <see cref="AuditEvent"/> say the same thing.</summary>
public sealed class EventViewTests
{
    private static readonly AuditField[] Fields = Enum.GetValues<AuditField>();

    [Fact]
    public void View_and_event_agree_on_every_generated_line_of_every_kind()
    {
        var random = new Random(4004);
        var parser = new AuditLineParser(new AuditParserOptions { FallbackArch = AuditArch.X86_64 });
        var kinds = new int[KindCount];
        for (var i = 0; i < 6000; i++)
        {
            var kind = i % KindCount;
            var line = Encoding.UTF8.GetBytes(GenerateLine(random, kind));
            var agreed = AssertAgreement(parser, line);
            Assert.True(agreed, "kind " + kind + " gave no event: " + Encoding.UTF8.GetString(line));
            kinds[kind]++;
        }

        Assert.All(kinds, count => Assert.True(count > 100));
    }

    [Fact]
    public void View_and_event_agree_on_hostile_and_mutated_lines()
    {
        var random = new Random(3238);
        var parser = new AuditLineParser(new AuditParserOptions { FallbackArch = AuditArch.X86_64 });
        var events = 0;
        for (var i = 0; i < 15_000; i++)
        {
            events += AssertAgreement(parser, RandomLines.Next(random)) ? 1 : 0;
        }

        Assert.True(events > 500, "too few events to mean anything: " + events);
    }

    [Theory]
    [InlineData(AuditLines.A1)]
    [InlineData(AuditLines.A3)]
    [InlineData(AuditLines.A8)]
    [InlineData(AuditLines.A10)]
    [InlineData(AuditLines.HexSeccomp)]
    [InlineData(AuditLines.HexAppArmorComm)]
    [InlineData(AuditLines.AppArmorCapability)]
    [InlineData(AuditLines.Arch16)]
    public void Known_lines_agree(string line) => Assert.True(AssertAgreement(new AuditLineParser(), Encoding.UTF8.GetBytes(line)));

    [Fact]
    public void Hex_fields_are_raw_in_the_view_and_decoded_on_demand()
    {
        Assert.Equal(AuditParseResult.Event, new AuditLineParser().ParseView(Encoding.UTF8.GetBytes(AuditLines.HexSeccomp), out var view));
        Assert.True(view.IsHexEncoded(AuditField.Comm));
        Assert.Equal("6D7920617070", Encoding.UTF8.GetString(view.GetUtf8(AuditField.Comm)));
        Assert.Equal("my app", view.GetString(AuditField.Comm));
        Assert.Equal("/opt/my app/bin", view.GetString(AuditField.Executable));
        Assert.False(view.IsPresent(AuditField.Name));
        Assert.Equal("open", view.SyscallName);
    }

    [Fact]
    public void Extra_info_keeps_its_quotes_raw_and_swaps_them_when_read()
    {
        Assert.Equal(AuditParseResult.Event, new AuditLineParser().ParseView(Encoding.UTF8.GetBytes(AuditLines.A10), out var view));
        Assert.Equal("requested_mask=\"x\" denied_mask=\"x\" fsuid=65534 ouid=0", Encoding.UTF8.GetString(view.GetUtf8(AuditField.ExtraInfo)));
        Assert.Equal("requested_mask='x' denied_mask='x' fsuid=65534 ouid=0", view.GetString(AuditField.ExtraInfo));
    }

    [Fact]
    public void Parse_line_views_gives_the_events_parse_lines_gives_and_allocates_nothing()
    {
        var random = new Random(77);
        var parser = new AuditLineParser(new AuditParserOptions { FallbackArch = AuditArch.X86_64 });
        var text = new StringBuilder();
        for (var i = 0; i < 600; i++)
        {
            text.Append(GenerateLine(random, i % KindCount)).Append('\n').Append("Apr 16 05:16:56 worker-1 systemd[1]: Started session ").Append(i).Append('\n');
        }

        var block = Encoding.UTF8.GetBytes(text.ToString());
        var events = new RobustnessTests.CollectingSink();
        Assert.Equal(600, parser.ParseLines(block, ref events));

        var materialising = new MaterialisingViewSink();
        Assert.Equal(600, parser.ParseLineViews(block, ref materialising));
        Assert.Equal(events.Events, materialising.Events);

        // Warmed past on-stack replacement and tier-up first: the JIT compiles an OSR body on the calling thread, and
        // what it allocates for that would count here, though the parser allocates nothing.
        var counting = new PidViewSink();
        const int WarmUp = 50;
        for (var round = 0; round < WarmUp; round++)
        {
            parser.ParseLineViews(block, ref counting);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var round = 0; round < 10; round++)
        {
            parser.ParseLineViews(block, ref counting);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal((WarmUp + 10) * events.Events.Sum(e => (long)e.Pid), counting.Sum);
    }

    [Fact]
    public void Stream_parser_views_match_its_events_for_any_chunking()
    {
        var random = new Random(5150);
        for (var round = 0; round < 10; round++)
        {
            var block = RandomLines.Block(random, 150);
            var options = new AuditParserOptions { FallbackArch = AuditArch.X86_64, MaxLineBytes = 300 };
            var events = new RobustnessTests.CollectingSink();
            var whole = new AuditStreamParser(new AuditLineParser(options));
            whole.Write(block, ref events);
            whole.Complete(ref events);

            var stream = new AuditStreamParser(new AuditLineParser(options));
            var views = new MaterialisingViewSink();
            for (var offset = 0; offset < block.Length;)
            {
                var size = Math.Min(block.Length - offset, random.Next(1, 500));
                stream.WriteViews(block.AsSpan(offset, size), ref views);
                offset += size;
            }

            stream.CompleteViews(ref views);
            Assert.Equal(events.Events, views.Events);
            // (Oversized counts may differ by design: a carried line is counted whether or not it holds "audit(".)
            Assert.Equal(whole.Parser.Counters.RejectedLines, stream.Parser.Counters.RejectedLines);
        }
    }

    private const int KindCount = 8;

    /// <summary>Parses the line both ways; asserts they agree field by field. True when it held an event.</summary>
    private static bool AssertAgreement(AuditLineParser parser, byte[] line)
    {
        var eventResult = parser.Parse(line, out var e);
        var viewResult = parser.ParseView(line, out var view);
        Assert.Equal(eventResult, viewResult);
        if (viewResult != AuditParseResult.Event)
        {
            return false;
        }

        Assert.Equal(e.Type, view.Type);
        Assert.Equal(e.RecordType, view.RecordType);
        Assert.Equal(e.Serial, view.Serial);
        Assert.Equal(e.Pid, view.Pid);
        Assert.Equal(e.Uid, view.Uid);
        Assert.Equal(e.Gid, view.Gid);
        Assert.Equal(e.Arch, view.Arch);
        Assert.Equal(e.SyscallId, view.SyscallId);
        Assert.Equal(e.SyscallName, view.SyscallName);
        Assert.True(line.AsSpan() == view.Line);
        foreach (var field in Fields)
        {
            var text = e.Get(field);
            Assert.Equal(text.IsPresent, view.IsPresent(field));
            Assert.Equal(text.ToStringOrNull(), view.GetString(field));
            var raw = view.GetUtf8(field);
            if (!text.IsPresent)
            {
                Assert.True(raw.IsEmpty);
                continue;
            }

            // The raw bytes are a slice of the line, as logged; decoding them as the event does gives its text.
            Assert.True(raw.IsEmpty || line.AsSpan().Overlaps(raw));
            var decoded = view.IsHexEncoded(field) ? Encoding.UTF8.GetString(Convert.FromHexString(Encoding.ASCII.GetString(raw)))
                : field == AuditField.ExtraInfo ? Encoding.UTF8.GetString(raw).Replace('"', '\'')
                : Encoding.UTF8.GetString(raw);
            Assert.Equal(text.ToString(), decoded);
        }

        Assert.Equal(e, view.ToEvent());
        return true;
    }

    /// <summary>One line of a corpus kind: seccomp, SELinux and AppArmor in auditd and kernel-log form, with hex, non-ASCII and arch variants.</summary>
    private static string GenerateLine(Random random, int kind)
    {
        var ci = CultureInfo.InvariantCulture;
        var id = (1744780616 + random.Next(1000)).ToString(ci) + "." + random.Next(1000).ToString("000", ci) + ":" + random.Next(1, 9_999_999).ToString(ci);
        var kernel = "Apr 16 05:16:56 worker-1 kernel: [  270.853767] audit: ";
        var pid = random.Next(1, 4_000_000).ToString(ci);
        string[] comms = ["sh", "nginx", "caf\u00e9", "my app", "x"];
        string[] paths = ["/etc/shadow", "/usr/bin/python3.11", "/opt/my app/bin", "/tmp/\u00e9t\u00e9", "/run/secrets/token"];
        string[] arches = [" arch=c000003e", " arch=c00000b7", " arch=40000003", " arch=16", string.Empty];
        var comm = Quoted(random, comms[random.Next(comms.Length)]);
        var exe = Quoted(random, paths[random.Next(paths.Length)]);
        var name = Quoted(random, paths[random.Next(paths.Length)]);
        var ids = random.Next(4) == 0 ? string.Empty : " uid=" + random.Next(70000).ToString(ci) + " gid=" + random.Next(70000).ToString(ci);
        var syscall = random.Next(0, 460).ToString(ci);
        return kind switch
        {
            0 => "type=SECCOMP msg=audit(" + id + "): auid=4294967295" + ids + " ses=4294967295 subj=system_u:system_r:container_t:s0:c83,c152 pid=" + pid
                + " comm=" + comm + " exe=" + exe + " sig=0" + arches[random.Next(arches.Length)] + " syscall=" + syscall
                + " compat=0 ip=0x7fe2ff5017be code=0x7ffc0000\u001dAUID=\"unset\" UID=\"root\" GID=\"root\" ARCH=x86_64 SYSCALL=clone",
            1 => kernel + "type=1326 audit(" + id + "): auid=4294967295" + ids + " ses=4294967295 pid=" + pid + " comm=" + comm + " exe=" + exe
                + " sig=0" + arches[random.Next(arches.Length)] + " syscall=" + syscall + " compat=0 ip=0x7f3c012e467b code=0x7ffc0000",
            2 => "type=AVC msg=audit(" + id + "): avc:  denied  { read write open } for  pid=" + pid + " comm=" + comm + " path=" + name
                + " dev=\"nvme0n1p4\" ino=167774224 scontext=system_u:system_r:container_t:s0:c1,c2 tcontext=system_u:object_r:var_lib_t:s0 tclass=file permissive=0",
            3 => kernel + "type=1400 audit(" + id + "): avc:  denied  { getattr } for  pid=" + pid + " comm=" + comm + " name=" + name
                + " scontext=system_u:system_r:container_t:s0:c1,c2 tcontext=system_u:object_r:proc_t:s0 tclass=dir permissive=1",
            4 => kernel + "type=1400 audit(" + id + "): apparmor=\"DENIED\" operation=\"open\" profile=" + Quoted(random, "k8s-" + comms[random.Next(comms.Length)])
                + " name=" + name + " pid=" + pid + " comm=" + comm + " requested_mask=\"r\" denied_mask=\"r\" fsuid=0 ouid=0",
            5 => "type=AVC msg=audit(" + id + "): apparmor=\"ALLOWED\" operation=\"exec\" profile=\"p\" name=" + name + " pid=" + pid + " comm=" + comm,
            6 => "type=APPARMOR_DENIED msg=audit(" + id + "): apparmor=\"DENIED\" operation=\"capable\" class=\"cap\" profile=\"p\" pid=" + pid + " comm=" + comm
                + " capability=13  capname=\"net_raw\"",
            _ => "type=SECCOMP msg=audit(" + id + "): pid=" + pid + " comm=" + comm + " exe=" + exe + arches[random.Next(arches.Length)] + " syscall=" + syscall,
        };
    }

    // The kernel hex-encodes a value with a space, quote, control or non-ASCII byte; otherwise it quotes it.
    private static string Quoted(Random random, string value) =>
        value.Any(c => c is ' ' or '"' or > '~') || random.Next(8) == 0 ? Convert.ToHexString(Encoding.UTF8.GetBytes(value)) : "\"" + value + "\"";

    private sealed class MaterialisingViewSink : IAuditEventViewSink
    {
        public List<AuditEvent> Events { get; } = [];

        public void OnEvent(in AuditEventView auditEvent) => Events.Add(auditEvent.ToEvent());
    }

    private struct PidViewSink : IAuditEventViewSink
    {
        public long Sum;

        public void OnEvent(in AuditEventView auditEvent) => Sum += auditEvent.Pid;
    }
}
