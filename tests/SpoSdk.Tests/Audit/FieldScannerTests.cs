using System.Diagnostics;
using System.Globalization;
using System.Text;
using SpoSdk.Audit.Parsing;
using SpoSdk.TestWorker;

namespace SpoSdk.Tests.Audit;

/// <summary>
/// The vector tokenizer against a byte-at-a-time reading of the same rules, on random lines built from the bytes
/// that matter (quotes, '=', every separator, the enrichment separator, NUL, keys, invalid UTF-8). Lengths from 0
/// past two blocks cover lines shorter than a block (scanned from a padded copy) and every block edge.
/// </summary>
public sealed class FieldScannerTests
{
    // In FieldKey order.
    private static readonly string[] Keys =
        ["pid", "uid", "gid", "arch", "syscall", "exe", "comm", "scontext", "tcontext", "tclass", "apparmor", "operation", "profile", "name"];

    private static readonly byte[][] Pieces =
    [
        .. Keys.Select(k => Encoding.ASCII.GetBytes(k)),
        "="u8.ToArray(), "\""u8.ToArray(), " "u8.ToArray(), " "u8.ToArray(), "\t"u8.ToArray(), "\n"u8.ToArray(), "\r"u8.ToArray(),
        [0], [0x1d], [0x01], [0x1f], [0xC3, 0xA9], [0xFF], "x"u8.ToArray(), "abc"u8.ToArray(), "42"u8.ToArray(), "pidx"u8.ToArray(),
    ];

    [Fact]
    public void Random_lines_are_tokenized_as_the_byte_by_byte_reading_does()
    {
        var random = new Random(4242);
        var bytes = new List<byte>();
        for (var round = 0; round < 20_000; round++)
        {
            bytes.Clear();
            var pieces = random.Next(0, 60);
            for (var p = 0; p < pieces; p++)
            {
                bytes.AddRange(Pieces[random.Next(Pieces.Length)]);
            }

            var line = bytes.ToArray();
            var start = random.Next(0, Math.Min(line.Length, 6) + 1);
            var wanted = random.Next(3) == 0 ? (uint)random.Next(1, 1 << (int)FieldKey.Count) : 0u;

            var slots = default(FieldSlots);
            var end = AuditFieldScanner.Scan(line, start, wanted, ref slots, out var commEnd);
            var expectedSlots = new FieldSlot[(int)FieldKey.Count];
            var expectedEnd = ReferenceScan(line, start, wanted, expectedSlots, out var expectedCommEnd);

            var context = $"round {round}, start {start}, wanted {wanted:x}, line {Convert.ToHexString(line)}";
            Assert.True(expectedEnd == end, $"end {end}, expected {expectedEnd}; {context}");
            Assert.True(expectedCommEnd == commEnd, $"comm end {commEnd}, expected {expectedCommEnd}; {context}");
            for (var k = 0; k < (int)FieldKey.Count; k++)
            {
                var (actual, expected) = (slots[k], expectedSlots[k]);
                Assert.True(
                    actual.State == expected.State && (expected.State == SlotState.Missing || (actual.Start == expected.Start && actual.Length == expected.Length)),
                    $"{(FieldKey)k}: {actual.State} {actual.Start}+{actual.Length}, expected {expected.State} {expected.Start}+{expected.Length}; {context}");
            }
        }
    }

    [Fact]
    public void A_record_shorter_than_a_block_gives_its_fields()
    {
        var line = "pid=7 comm=\"a b\" x=\"y"u8.ToArray();
        var slots = default(FieldSlots);

        var end = AuditFieldScanner.Scan(line, 0, 0, ref slots, out var commEnd);

        Assert.Equal(line.Length, end);
        Assert.Equal((4, 1, SlotState.Bare), (slots[(int)FieldKey.Pid].Start, slots[(int)FieldKey.Pid].Length, slots[(int)FieldKey.Pid].State));
        Assert.Equal((12, 3, SlotState.Quoted), (slots[(int)FieldKey.Comm].Start, slots[(int)FieldKey.Comm].Length, slots[(int)FieldKey.Comm].State));
        Assert.Equal(16, commEnd);
    }

    /// <summary>
    /// The tests above pin the block width of this machine; a worker process with vector instruction sets switched
    /// off runs the narrower blocks (and the software prefix XOR and key filter) over the same random lines, and the
    /// narrower marker search, line bounds and header reads over the same random blocks, and must give the same results,
    /// compared as one digest.
    /// </summary>
    [Theory]
    [InlineData("DOTNET_EnableAVX512", 32)]
    [InlineData("DOTNET_EnableAVX2", 16)]
    [InlineData("DOTNET_EnableHWIntrinsic", 16)]
    public async Task Narrower_blocks_tokenize_as_this_machines_blocks_do(string instructionSwitch, int widthAtMost)
    {
        const int Seed = 2026, Rounds = 30_000;
        var expected = TokenizerDigest.Compute(Seed, Rounds);
        var worker = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "SpoSdk.TestWorker.dll"), "tokenizer-digest", Seed.ToString(CultureInfo.InvariantCulture), Rounds.ToString(CultureInfo.InvariantCulture) },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        worker.Environment[instructionSwitch] = "0";
        using var process = Process.Start(worker)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(120));

        Assert.True(process.ExitCode == 0, await errors);
        var parts = (await output).Trim().Split(' ');
        Assert.True(int.Parse(parts[0], CultureInfo.InvariantCulture) <= widthAtMost, $"{instructionSwitch}=0 still gave {parts[0]}-byte blocks");
        Assert.Equal(expected, parts[1]);
    }

    [Fact]
    public void Every_key_is_read_exactly_and_its_near_misses_are_not()
    {
        for (var k = 0; k < Keys.Length; k++)
        {
            var key = Keys[k];

            // Short lines are read from the padded copy (word loads), and a key near the end of a long line byte by byte.
            foreach (var padding in new[] { new string('x', 80) + " ", "", " " })
            {
                AssertKey(padding + key + "=v", (FieldKey)k);
                AssertKey(padding + key + "=", (FieldKey)k);
                AssertKey(padding + key + "x=v", FieldKey.None);
                AssertKey(padding + key[..^1] + "=v", FieldKey.None);
                AssertKey(padding + key.ToUpperInvariant() + "=v", FieldKey.None);
                AssertKey(padding + key[..^1] + "\0" + key[^1] + "=v", FieldKey.None);
                AssertKey(padding + key + "\0=v", FieldKey.None);
                AssertKey(padding + "x" + key + "=v", FieldKey.None);
            }
        }

        static void AssertKey(string text, FieldKey expected)
        {
            var line = Encoding.Latin1.GetBytes(text);
            var slots = default(FieldSlots);
            AuditFieldScanner.Scan(line, 0, 0, ref slots, out _);
            for (var k = 0; k < (int)FieldKey.Count; k++)
            {
                Assert.True((slots[k].State != SlotState.Missing) == ((FieldKey)k == expected), $"{(FieldKey)k} in \"{text}\"");
            }
        }
    }

    private static bool IsSeparator(byte b) => b is (byte)' ' or 0 or >= 9 and <= 13;

    private static bool EndsToken(byte b) => IsSeparator(b) || b == ByteClass.EnrichmentSeparator;

    // The rules of AuditFieldScanner.Scan, one byte at a time.
    private static int ReferenceScan(byte[] line, int start, uint wanted, FieldSlot[] slots, out int commEnd)
    {
        commEnd = -1;
        var claimed = 0u;
        var n = line.Length;
        var i = start;
        while (i < n)
        {
            var b = line[i];
            if (IsSeparator(b))
            {
                i++;
                continue;
            }

            if (b == ByteClass.EnrichmentSeparator)
            {
                return i;
            }

            var keyEnd = i;
            if (b is not ((byte)'"' or (byte)'='))
            {
                keyEnd++;
                while (keyEnd < n && !EndsToken(line[keyEnd]) && line[keyEnd] is not ((byte)'"' or (byte)'='))
                {
                    keyEnd++;
                }
            }

            if (keyEnd >= n || line[keyEnd] != (byte)'=' || keyEnd == i)
            {
                i = Skip(line, keyEnd);
                if (i < 0)
                {
                    return n;
                }

                continue;
            }

            var index = Array.IndexOf(Keys, Encoding.Latin1.GetString(line, i, keyEnd - i));
            var key = index < 0 ? FieldKey.None : (FieldKey)index;
            i = keyEnd + 1;
            FieldSlot slot;
            if (i < n && line[i] == (byte)'"')
            {
                var close = Array.IndexOf(line, (byte)'"', i + 1);
                if (close < 0)
                {
                    Claim(slots, key, new FieldSlot { Start = i + 1, Length = n - i - 1, State = SlotState.Invalid });
                    return n;
                }

                slot = new FieldSlot { Start = i + 1, Length = close - i - 1, State = SlotState.Quoted };
                i = close + 1;
            }
            else
            {
                var valueStart = i;
                while (i < n && !EndsToken(line[i]) && line[i] != (byte)'"')
                {
                    i++;
                }

                slot = new FieldSlot { Start = valueStart, Length = i - valueStart, State = SlotState.Bare };
            }

            if (i < n && !EndsToken(line[i]))
            {
                slot.State = SlotState.Invalid;
                i = Skip(line, i);
                if (i < 0)
                {
                    Claim(slots, key, slot);
                    return n;
                }
            }

            if (Claim(slots, key, slot))
            {
                if (key == FieldKey.Comm)
                {
                    commEnd = i;
                }

                claimed |= 1u << (int)key;
                if (wanted != 0 && (claimed & wanted) == wanted)
                {
                    return i;
                }
            }
        }

        return n;
    }

    // To the next separator outside quotes; -1 when a quote is never closed.
    private static int Skip(byte[] line, int i)
    {
        while (i < line.Length)
        {
            if (line[i] == (byte)'"')
            {
                var close = Array.IndexOf(line, (byte)'"', i + 1);
                if (close < 0)
                {
                    return -1;
                }

                i = close + 1;
                continue;
            }

            if (EndsToken(line[i]))
            {
                return i;
            }

            i++;
        }

        return line.Length;
    }

    private static bool Claim(FieldSlot[] slots, FieldKey key, FieldSlot slot)
    {
        if (key == FieldKey.None || slots[(int)key].State != SlotState.Missing)
        {
            return false;
        }

        slots[(int)key] = slot;
        return true;
    }
}
