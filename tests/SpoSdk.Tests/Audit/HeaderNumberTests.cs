using System.Text;
using SpoSdk.Audit;
using SpoSdk.Audit.Parsing;

namespace SpoSdk.Tests.Audit;

/// <summary>
/// The record id <c>audit(T:S)</c> is skipped and its serial parsed in one pass, and the record-field numbers up to
/// ten digits by an inlined loop: both must keep the exact limits, read from the marker in a block as alone.
/// </summary>
public sealed class HeaderNumberTests
{
    private readonly AuditLineParser _parser = new(new AuditParserOptions { FallbackArch = AuditArch.X86_64 });

    [Theory]
    [InlineData("1", 1ul)]
    [InlineData("1234567890123456789", 1234567890123456789ul)]
    [InlineData("18446744073709551609", 18446744073709551609ul)]
    [InlineData("18446744073709551615", ulong.MaxValue)]
    [InlineData("00000000000000000042", 42ul)]
    public void A_serial_up_to_twenty_digits_that_fits_is_read_exactly(string serial, ulong expected)
    {
        var line = "type=SECCOMP msg=audit(1613596317.899:" + serial + "): pid=1 syscall=2";

        var alone = ParseAlone(line);
        var inBlock = ParseBlock(line);

        Assert.Equal(expected, alone!.Value.Serial);
        Assert.Equal([alone.Value], inBlock);
        Assert.Equal("1613596317.899:" + serial, alone.Value.AuditId.ToString());
    }

    [Theory]
    [InlineData("1.2:18446744073709551616")]
    [InlineData("1.2:18446744073709551620")]
    [InlineData("1.2:99999999999999999999")]
    [InlineData("1.2:000000000000000000001")]
    [InlineData("1.2:")]
    [InlineData("1.2:3x")]
    [InlineData("1.2:3)")]
    [InlineData("1.2;3")]
    [InlineData("1.:3")]
    [InlineData(".2:3")]
    [InlineData("123456789012345678901:3")]
    public void A_malformed_or_overflowing_record_id_gives_no_event(string id)
    {
        foreach (var header in new[] { "type=SECCOMP msg=audit(", "kernel: audit: type=1326 audit(" })
        {
            var line = header + id + "): pid=1 syscall=2";
            Assert.Equal(AuditParseResult.NotAudit, _parser.Parse(Encoding.UTF8.GetBytes(line), out _));
            Assert.Empty(ParseBlock(line));
        }
    }

    [Fact]
    public void A_malformed_id_in_the_first_header_leaves_a_later_well_formed_header_to_the_search()
    {
        // The read back from the first marker fails on the id, so the search finds the next header, as alone.
        var line = "type=SECCOMP msg=audit(1.2:x): type=SECCOMP msg=audit(1.2:3): pid=1 syscall=2";

        var alone = ParseAlone(line);

        Assert.Equal(3ul, alone!.Value.Serial);
        Assert.Equal([alone.Value], ParseBlock(line));
    }

    [Theory]
    [InlineData("0000000001", 1)]
    [InlineData("00000000001", 1)]
    [InlineData("2147483647", int.MaxValue)]
    [InlineData("00000000002147483647", int.MaxValue)]
    public void Pids_of_up_to_ten_digits_and_longer_ones_with_leading_zeros_read_alike(string pid, int expected)
    {
        var e = ParseAlone("type=SECCOMP msg=audit(1.2:3): pid=" + pid + " uid=" + pid + " gid=" + pid + " syscall=" + pid);

        Assert.Equal((expected, (uint)expected, (uint)expected, (int?)expected), (e!.Value.Pid, e.Value.Uid, e.Value.Gid, e.Value.SyscallId));
    }

    [Theory]
    [InlineData("2147483648")]
    [InlineData("9999999999")]
    [InlineData("")]
    [InlineData("1a")]
    [InlineData("-1")]
    [InlineData("0000000000000000000002147483648")]
    public void A_pid_or_syscall_that_is_not_a_fitting_number_is_rejected(string number)
    {
        Assert.Equal(AuditParseResult.Rejected, _parser.Parse(Encoding.UTF8.GetBytes("type=SECCOMP msg=audit(1.2:3): pid=" + number + " syscall=1"), out _));
        Assert.Equal(AuditParseResult.Rejected, _parser.Parse(Encoding.UTF8.GetBytes("type=SECCOMP msg=audit(1.2:3): pid=1 syscall=" + number), out _));
    }

    [Theory]
    [InlineData("4294967295", 4294967295u)]
    [InlineData("4294967296", null)]
    [InlineData("9999999999", null)]
    [InlineData("12x", null)]
    [InlineData("\"0\"", null)]
    public void A_uid_that_is_not_a_fitting_number_is_left_out(string uid, uint? expected)
    {
        var e = ParseAlone("type=SECCOMP msg=audit(1.2:3): pid=1 uid=" + uid + " gid=" + uid + " syscall=1");

        Assert.Equal((expected, expected), (e!.Value.Uid, e.Value.Gid));
    }

    [Fact]
    public void Ids_of_every_run_length_read_exactly_whatever_follows_them()
    {
        // Runs at and past each limit, in lines that end right after the id or go on, must read as the rule says
        // (each run 1 to 20 digits, the serial fitting 64 bits), in a block as alone.
        var random = new Random(1400);
        foreach (var integer in new[] { 1, 2, 10, 19, 20, 21, 25 })
        {
            foreach (var fraction in new[] { -1, 0, 1, 3, 9, 20, 21 })
            {
                foreach (var serialLength in new[] { 1, 4, 7, 8, 9, 12, 20, 21 })
                {
                    var serial = Digits(random, serialLength);
                    var id = Digits(random, integer) + (fraction < 0 ? "" : "." + Digits(random, fraction)) + ":" + serial;
                    var valid = integer <= 20 && fraction is -1 or (> 0 and <= 20) && serialLength <= 20
                        && ulong.TryParse(serial, System.Globalization.CultureInfo.InvariantCulture, out _);
                    foreach (var tail in new[] { "", " pid=1 syscall=2", " pid=1 syscall=2 comm=\"abcdefghijklmnopqrstuvwxyz0123456789\"" })
                    {
                        var line = "type=SECCOMP msg=audit(" + id + "):" + (tail.Length == 0 ? "" : tail);
                        var result = _parser.Parse(Encoding.UTF8.GetBytes(line), out var e);
                        var inBlock = ParseBlock(line);

                        Assert.True(valid ? result is AuditParseResult.Event or AuditParseResult.Rejected : result == AuditParseResult.NotAudit, line);
                        Assert.True(result != AuditParseResult.Event || (e.Serial == ulong.Parse(serial, System.Globalization.CultureInfo.InvariantCulture) && e.AuditId.ToString() == id), line);
                        Assert.Equal(result == AuditParseResult.Event ? [e] : [], inBlock);
                    }
                }
            }
        }
    }

    [Fact]
    public void Numbers_of_every_length_with_a_bad_byte_anywhere_read_as_the_plain_parse()
    {
        // uid is followed by more record, so up to eight digits take the one-load parse; pid at the line end takes the loop.
        var random = new Random(1327);
        char[] bad = ['/', ':', '@', 'a', '~', 'é'];
        foreach (var atEnd in new[] { false, true })
        {
            for (var length = 1; length <= 12; length++)
            {
                for (var round = 0; round < 100; round++)
                {
                    var chars = new char[length];
                    for (var i = 0; i < length; i++)
                    {
                        chars[i] = (char)('0' + random.Next(10));
                    }

                    if (round % 2 == 1)
                    {
                        chars[random.Next(length)] = bad[random.Next(bad.Length)];
                    }

                    var number = new string(chars);
                    var line = "type=SECCOMP msg=audit(1.2:3): syscall=1 uid=" + number + " pid=" + number + (atEnd ? "" : " comm=\"abcdefgh\"");
                    var isNumber = ulong.TryParse(number, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var expected);

                    var result = _parser.Parse(Encoding.UTF8.GetBytes(line), out var e);

                    Assert.True(isNumber && expected <= int.MaxValue ? result == AuditParseResult.Event && e.Pid == (int)expected : result == AuditParseResult.Rejected, line);
                    Assert.True(result != AuditParseResult.Event || e.Uid == (isNumber && expected <= uint.MaxValue ? (uint)expected : null), line);
                }
            }
        }
    }

    private static string Digits(Random random, int count)
    {
        var chars = new char[count];
        for (var i = 0; i < count; i++)
        {
            // The first digit of a long serial stays low enough that most twenty-digit ones fit 64 bits.
            chars[i] = (char)('0' + (i == 0 && count == 20 ? random.Next(2) : random.Next(10)));
        }

        return new string(chars);
    }

    private AuditEvent? ParseAlone(string line) =>
        _parser.Parse(Encoding.UTF8.GetBytes(line), out var e) == AuditParseResult.Event ? e : null;

    private List<AuditEvent> ParseBlock(string line)
    {
        var sink = new RobustnessTests.CollectingSink();
        _parser.ParseLines(Encoding.UTF8.GetBytes("noise\n" + line + "\nnoise"), ref sink);
        return sink.Events;
    }
}
