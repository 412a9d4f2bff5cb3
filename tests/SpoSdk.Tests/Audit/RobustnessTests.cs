using System.Text;
using SpoSdk.Audit;
using SpoSdk.Audit.Parsing;

namespace SpoSdk.Tests.Audit;

/// <summary>Property tests with seeded randomness: hostile input never throws and every path agrees.</summary>
public sealed class RobustnessTests
{
    [Fact]
    public void Random_and_adversarial_lines_never_throw_and_events_are_consistent()
    {
        var random = new Random(3238);
        var parser = new AuditLineParser(new AuditParserOptions { FallbackArch = AuditArch.X86_64 });
        var events = 0;
        for (var i = 0; i < 15_000; i++)
        {
            var bytes = RandomLines.Next(random);
            var result = parser.Parse(bytes, out var e);
            _ = parser.Parse(Encoding.UTF8.GetString(bytes), out _);
            if (result != AuditParseResult.Event)
            {
                Assert.Equal(AuditEventType.Unknown, e.Type);
                continue;
            }

            events++;
            Assert.NotEqual(AuditEventType.Unknown, e.Type);
            Assert.True(e.Pid >= 0);
            var text = Encoding.UTF8.GetString(bytes);

            // As upstream's fuzz test: the id is what audit(...) holds, and it holds no ')'.
            Assert.DoesNotContain(')', e.AuditId.ToString());
            Assert.Contains("audit(" + e.AuditId + "):", text, StringComparison.Ordinal);
            _ = new SpoSdk.Audit.Output.EnrichedLineFormatter().Format(e);
            _ = e.ToString();
        }

        Assert.True(events > 500, "too few events to mean anything: " + events);
    }

    [Fact]
    public void Parse_lines_agrees_with_parsing_line_by_line()
    {
        var random = new Random(1385);
        var parser = new AuditLineParser(new AuditParserOptions { FallbackArch = AuditArch.X86_64, MaxLineBytes = 300 });
        for (var round = 0; round < 40; round++)
        {
            var block = RandomLines.Block(random, 200);
            var expected = new List<AuditEvent>();
            foreach (var line in Split(block))
            {
                if (parser.Parse(line, out var e) == AuditParseResult.Event)
                {
                    expected.Add(e);
                }
            }

            var sink = new CollectingSink();
            var count = parser.ParseLines(block, ref sink);
            Assert.Equal(expected.Count, count);
            Assert.Equal(expected, sink.Events);
        }
    }

    [Fact]
    public void Stream_parser_gives_the_same_events_for_any_chunking()
    {
        var random = new Random(2906);
        for (var round = 0; round < 15; round++)
        {
            var block = RandomLines.Block(random, 150);
            var whole = new CollectingSink();
            new AuditLineParser(new AuditParserOptions { FallbackArch = AuditArch.X86_64 }).ParseLines(block, ref whole);

            var stream = new AuditStreamParser(new AuditLineParser(new AuditParserOptions { FallbackArch = AuditArch.X86_64 }));
            var chunked = new CollectingSink();
            var offset = 0;
            while (offset < block.Length)
            {
                var size = Math.Min(block.Length - offset, random.Next(1, 700));
                stream.Write(block.AsSpan(offset, size), ref chunked);
                offset += size;
            }

            stream.Complete(ref chunked);
            Assert.Equal(whole.Events, chunked.Events);
        }
    }

    [Fact]
    public void Stream_parser_bounds_carried_lines_and_counts_them()
    {
        var parser = new AuditLineParser(new AuditParserOptions { MaxLineBytes = 256, FallbackArch = AuditArch.X86_64 });
        var stream = new AuditStreamParser(parser);
        var sink = new CollectingSink();
        var longLine = AuditLines.A1 + new string('x', 400);
        var input = Encoding.UTF8.GetBytes(AuditLines.A9 + "\n" + longLine + "\n" + AuditLines.A1 + "\n" + AuditLines.A9);
        for (var i = 0; i < input.Length; i += 7)
        {
            stream.Write(input.AsSpan(i, Math.Min(7, input.Length - i)), ref sink);
        }

        stream.Complete(ref sink);
        Assert.Equal([AuditEventType.AppArmor, AuditEventType.Seccomp, AuditEventType.AppArmor], sink.Events.Select(e => e.Type));
        Assert.Equal(1, parser.Counters.OversizedLines);
    }

    private static List<byte[]> Split(byte[] block)
    {
        var lines = new List<byte[]>();
        var start = 0;
        for (var i = 0; i < block.Length; i++)
        {
            if (block[i] == (byte)'\n')
            {
                lines.Add(block[start..i]);
                start = i + 1;
            }
        }

        return lines;
    }

    internal sealed class CollectingSink : IAuditEventSink
    {
        public List<AuditEvent> Events { get; } = [];

        public void OnEvent(in AuditEvent auditEvent) => Events.Add(auditEvent);
    }
}
