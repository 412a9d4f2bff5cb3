using System.Text;
using SpoSdk.Audit.Parsing;

namespace SpoSdk.Tests.Audit;

/// <summary>
/// The block walk finds every <c>audit(</c> wherever it sits relative to the vector windows and the hand-off to the
/// library search, and near misses (<c>a....(</c>, <c>audi(</c>, a marker cut by the block end) never count.
/// </summary>
public sealed class MarkerSearchTests
{
    private const string Event = "type=SECCOMP msg=audit(1700000000.123:{0}): auid=1000 uid=0 gid=0 ses=1 pid={0} comm=\"app\" exe=\"/bin/app\" sig=0 arch=c000003e syscall=59 compat=0 ip=0x0 code=0x7ffc0000";

    [Fact]
    public void Every_marker_is_found_after_noise_of_every_length_up_to_and_past_the_inlined_windows()
    {
        var parser = new AuditLineParser();
        var expected = new List<ulong>();
        var block = new StringBuilder();
        for (var noise = 0; noise < 700; noise++)
        {
            // Near misses share the marker's first and last bytes, or all but one of its bytes.
            block.Append(NearMisses(noise)).Append('\n');
            block.AppendFormat(System.Globalization.CultureInfo.InvariantCulture, Event, noise + 1).Append('\n');
            expected.Add((ulong)(noise + 1));
        }

        block.Append("tail audit");
        var sink = new SerialSink();
        var count = parser.ParseLineViews(Encoding.UTF8.GetBytes(block.ToString()), ref sink);

        Assert.Equal(expected.Count, count);
        Assert.Equal(expected, sink.Serials);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(31)]
    [InlineData(32)]
    [InlineData(37)]
    [InlineData(511)]
    [InlineData(512)]
    [InlineData(600)]
    public void A_marker_in_the_last_bytes_of_the_block_is_found(int noise)
    {
        var parser = new AuditLineParser();
        var line = NearMisses(noise) + "\n" + string.Format(System.Globalization.CultureInfo.InvariantCulture, Event, 7);
        var sink = new SerialSink();

        Assert.Equal(1, parser.ParseLineViews(Encoding.UTF8.GetBytes(line), ref sink));
        Assert.Equal([7UL], sink.Serials);
    }

    private static string NearMisses(int length)
    {
        const string Pattern = "a1234(audi(xaudit ";
        var text = new StringBuilder(length);
        while (text.Length < length)
        {
            text.Append(Pattern);
        }

        return text.ToString(0, length);
    }

    private struct SerialSink : IAuditEventViewSink
    {
        public SerialSink()
        {
        }

        public List<ulong> Serials { get; } = [];

        public void OnEvent(in AuditEventView auditEvent) => Serials.Add(auditEvent.Serial);
    }
}
