using System.Text;
using SpoSdk.Audit.Enrichment;

namespace SpoSdk.Tests.Audit.Enrichment;

public sealed class ProcStatTests
{
    // test-vectors.md §1.3 TestGetProcessStartTimeTicks, plus comm values built to fool a parser that splits at the first ')'.
    [Theory]
    [InlineData("1234 (bash) " + FakeProc.StatFiller + " 88888 1234", 88888UL)]
    [InlineData("1234 (my cool daemon) " + FakeProc.StatFiller + " 99999 1234", 99999UL)]
    [InlineData("1234 (my (cool) daemon()) " + FakeProc.StatFiller + " 11111 1234", 11111UL)]
    [InlineData("1234 (x) 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 777) " + FakeProc.StatFiller + " 22222 1234", 22222UL)]
    [InlineData("1234 ()) " + FakeProc.StatFiller + " 33333", 33333UL)]
    [InlineData("1234 (a\tb\nc) " + FakeProc.StatFiller + "  \t 44444\n", 44444UL)]
    public void Start_time_is_field_22_counted_after_the_last_parenthesis(string stat, ulong expected)
    {
        Assert.True(ProcStat.TryParseStartTime(Encoding.UTF8.GetBytes(stat), out var ticks));
        Assert.Equal(expected, ticks);
    }

    [Theory]
    [InlineData("1234 (bash S 1 1234")]
    [InlineData("1234 (bash) S 1 1234")]
    [InlineData("")]
    [InlineData("1234 (bash) " + FakeProc.StatFiller + " 12x45 1")]
    [InlineData("1234 (bash) " + FakeProc.StatFiller + " 18446744073709551616 1")]
    [InlineData("1234 (bash) " + FakeProc.StatFiller + " -5 1")]
    public void Malformed_stat_lines_have_no_start_time(string stat)
    {
        Assert.False(ProcStat.TryParseStartTime(Encoding.UTF8.GetBytes(stat), out var ticks));
        Assert.Equal(0UL, ticks);
    }

    [Fact]
    public void The_largest_start_time_parses()
    {
        Assert.True(ProcStat.TryParseStartTime(Encoding.UTF8.GetBytes("1 (x) " + FakeProc.StatFiller + " 18446744073709551615"), out var ticks));
        Assert.Equal(ulong.MaxValue, ticks);
    }
}
