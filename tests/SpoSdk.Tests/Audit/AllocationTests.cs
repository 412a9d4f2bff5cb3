using System.Text;
using SpoSdk.Audit;
using SpoSdk.Audit.Parsing;

namespace SpoSdk.Tests.Audit;

/// <summary>Allocation budget: nothing for a line without an event, exactly one string per event.</summary>
public sealed class AllocationTests
{
    private static readonly string[] NonEvents =
    [
        "Jul  8 10:31:23 ubuntu2004 systemd[1]: Started Session 3 of user root.",
        "Apr 16 05:16:56 node dockerd[1044]: level=warning msg=\"unknown output format\" type=runtime",
        AuditLines.P7, AuditLines.A5, AuditLines.A6, AuditLines.NoSyscall, AuditLines.NegativePid,
        "type=SYSCALL msg=audit(1613596317.899:6461): arch=c000003e syscall=59 success=yes pid=1 comm=\"runc\" exe=\"/usr/bin/runc\"",
        "type=PROCTITLE msg=audit(1613596317.899:6461): proctitle=2F7573722F62696E2F72756E63",
        "type=AVC msg=audit(1:2): avc:  denied  { read } for pid=1 tclass=file",
        AuditLines.A1 + new string('x', 300),
        string.Empty,
    ];

    private static readonly string[] Events =
    [
        AuditLines.A1, AuditLines.A2, AuditLines.A3, AuditLines.A7, AuditLines.A8, AuditLines.A10, AuditLines.HexSeccomp,
        AuditLines.AppArmorCapability, AuditLines.AppArmorNetwork, AuditLines.AppArmorAuditd, AuditLines.Unterminated,
        AuditLines.A10.Replace("/usr/local/bin/sample-app", "/" + new string('p', 2000), StringComparison.Ordinal),
    ];

    [Fact]
    public void Lines_without_an_event_allocate_nothing()
    {
        var parser = new AuditLineParser(new AuditParserOptions { MaxLineBytes = 300 });
        var lines = NonEvents.Select(Encoding.UTF8.GetBytes).ToArray();
        var random = new Random(7);
        var noise = Enumerable.Range(0, 2000).Select(_ => RandomLines.Next(random))
            .Where(b => parser.Parse(b, out _) != AuditParseResult.Event).ToArray();
        var block = Encoding.UTF8.GetBytes(string.Join('\n', NonEvents));
        var sink = new CountingSink();

        void RunAll()
        {
            foreach (var line in lines)
            {
                parser.Parse(line, out _);
            }

            foreach (var line in NonEvents)
            {
                parser.Parse(line.AsSpan(), out _);
            }

            foreach (var line in noise)
            {
                parser.Parse(line, out _);
            }

            parser.ParseLines(block, ref sink);
        }

        RunAll();
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 20; i++)
        {
            RunAll();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(0, sink.Count);
    }

    [Fact]
    public void Each_event_allocates_exactly_its_one_backing_string()
    {
        var parser = new AuditLineParser();
        var lines = Events.Select(Encoding.UTF8.GetBytes).ToArray();
        foreach (var line in lines)
        {
            Assert.True(parser.TryParse(line, out _));
        }

        for (var round = 0; round < 50; round++)
        {
            foreach (var line in lines)
            {
                var before = GC.GetAllocatedBytesForCurrentThread();
                parser.Parse(line, out var e);
                var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

                // One string of n chars takes 22 + 2n bytes rounded up to 8; any second object would add at least 24.
                var oneString = (22 + (2 * e.PayloadLength) + 7) & ~7;
                Assert.InRange(allocated, 1, oneString);
            }
        }
    }

    [Fact]
    public void Formatting_an_event_to_a_writer_allocates_nothing()
    {
        var parser = new AuditLineParser();
        var formatter = new SpoSdk.Audit.Output.EnrichedLineFormatter();
        var enrichment = new AuditEnrichment { NodeName = "worker-1", Namespace = "default", PodName = "my-pod", ContainerName = "nginx" };
        var events = Events.Select(l => parser.TryParse(l, out var e) ? e : default).ToArray();
        var writer = new StringWriter(new StringBuilder(1 << 20));
        foreach (var e in events)
        {
            formatter.Write(writer, e, enrichment);
        }

        writer.GetStringBuilder().Clear();
        var before = GC.GetAllocatedBytesForCurrentThread();
        foreach (var e in events)
        {
            formatter.Write(writer, e, enrichment);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private struct CountingSink : IAuditEventSink
    {
        public int Count;

        public void OnEvent(in AuditEvent auditEvent) => Count++;
    }
}
