using System.Security.Cryptography;
using System.Text;
using SpoSdk.Audit.Parsing;

namespace SpoSdk.TestWorker;

/// <summary>
/// A digest of the audit tokenizer's results on deterministic random lines, and of the parser's events from random
/// blocks of lines, so that a test can compare the block
/// widths a machine offers: it computes the digest in its own process and in this worker started with vector
/// instruction sets switched off (<c>DOTNET_EnableAVX512=0</c> and so on), and the two must be equal.
/// </summary>
public static class TokenizerDigest
{
    // Every key the parser keeps and a near miss of each, the bytes the tokenizer treats specially, and plain text.
    private static readonly byte[][] Pieces =
    [
        .. new[] { "pid", "uid", "gid", "arch", "syscall", "exe", "comm", "scontext", "tcontext", "tclass", "apparmor", "operation", "profile", "name" }
            .SelectMany(k => new[] { k + "=", k + "=\"", k[..^1] + "=", k + "x=", k }).Select(Encoding.ASCII.GetBytes),
        "="u8.ToArray(), "\""u8.ToArray(), " "u8.ToArray(), "  "u8.ToArray(), "\t"u8.ToArray(), "\n"u8.ToArray(), "\r"u8.ToArray(),
        [0], [0x1d], [0x1c], [0x1e], [0xC3, 0xA9], [0xFF], [0xF0], "x"u8.ToArray(), "abc"u8.ToArray(), "42"u8.ToArray(),
        "/usr/lib/jvm/java-17/bin/java"u8.ToArray(), "system_u:system_r:container_t:s0:c83,c152"u8.ToArray(),
    ];

    /// <summary>The vector block width in this process.</summary>
    public static int BlockWidth => TokenBlocks.Width;

    /// <summary>Tokenizes <paramref name="rounds"/> random lines from <paramref name="seed"/>, parses a thirtieth as many random blocks, and hashes every result.</summary>
    public static string Compute(int seed, int rounds)
    {
        var random = new Random(seed);
        var line = new List<byte>();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> record = stackalloc byte[sizeof(int) * 3];
        for (var round = 0; round < rounds; round++)
        {
            line.Clear();
            var pieces = random.Next(0, 80);
            for (var p = 0; p < pieces; p++)
            {
                line.AddRange(Pieces[random.Next(Pieces.Length)]);
            }

            var bytes = line.ToArray();
            var start = random.Next(0, Math.Min(bytes.Length, 8) + 1);
            var wanted = random.Next(3) == 0 ? (uint)random.Next(1, 1 << (int)FieldKey.Count) : 0u;
            var slots = default(FieldSlots);
            var end = AuditFieldScanner.Scan(bytes, start, wanted, ref slots, out var commEnd);
            Write(hash, record, end, commEnd, 0);
            for (var k = 0; k < (int)FieldKey.Count; k++)
            {
                Write(hash, record, slots[k].Start, slots[k].Length, (int)slots[k].State);
            }
        }

        // Whole blocks through the parser: the marker search, the line bounds and the header read back from the marker
        // have their own vector paths.
        var parser = new AuditLineParser();
        var sink = new HashingSink(hash);
        for (var round = 0; round < rounds / 30; round++)
        {
            var block = new StringBuilder();
            for (var lines = random.Next(1, 12); lines > 0; lines--)
            {
                AppendLine(random, block);
            }

            parser.ParseLines(Encoding.UTF8.GetBytes(block.ToString()), ref sink);
        }

        return Convert.ToHexString(hash.GetHashAndReset());
    }

    /// <summary>A noise line or a record, with prefixes, type tokens, ids and lengths that fall anywhere against vector windows.</summary>
    private static void AppendLine(Random random, StringBuilder block)
    {
        if (random.Next(3) == 0)
        {
            // Noise of up to twice the marker search's inlined stretch, with marker look-alikes.
            for (var i = random.Next(0, 1200); i > 0; i--)
            {
                block.Append(random.Next(8) switch { 0 => '(', 1 => 'a', 2 => ' ', 3 => "audit", _ => 'n' });
            }
        }
        else
        {
            block.Append(random.Next(3) switch { 0 => "", 1 => "Apr 16 05:16:44 node kernel: [  270.853767] audit: ", _ => new string('p', random.Next(0, 200)) + " " });
            block.Append("type=").Append(random.Next(6) switch { 0 => "SECCOMP", 1 => "AVC", 2 => "1326", 3 => "1400", 4 => "SYSCALL", _ => new string('X', random.Next(0, 36)) });
            block.Append(random.Next(2) == 0 ? " msg=audit(" : " audit(");
            block.Append(Digits(random, random.Next(0, 22)));
            if (random.Next(4) != 0)
            {
                block.Append('.').Append(Digits(random, random.Next(0, 22)));
            }

            block.Append(':').Append(Digits(random, random.Next(0, 22))).Append(random.Next(8) == 0 ? ")" : "):");
            block.Append(random.Next(3) switch
            {
                0 => " auid=4294967295 uid=0 gid=0 ses=1 pid=1234 comm=\"sh\" exe=\"/bin/dash\" sig=0 arch=c000003e syscall=59 compat=0",
                1 => " avc:  denied  { read write } for  pid=77 comm=\"nginx\" name=\"f\" scontext=system_u:system_r:container_t:s0 tcontext=system_u:object_r:var_t:s0 tclass=file permissive=0",
                _ => " apparmor=\"DENIED\" operation=\"open\" profile=\"p\" name=\"/etc/x\" pid=9 comm=\"cat\" requested_mask=\"r\"",
            });
            block.Append(' ', random.Next(0, 70));
        }

        block.Append('\n');
    }

    private static string Digits(Random random, int count)
    {
        var digits = new char[count];
        for (var i = 0; i < count; i++)
        {
            digits[i] = (char)('0' + random.Next(10));
        }

        return new string(digits);
    }

    private readonly struct HashingSink(IncrementalHash hash) : IAuditEventSink
    {
        public void OnEvent(in SpoSdk.Audit.AuditEvent auditEvent) => hash.AppendData(Encoding.UTF8.GetBytes(auditEvent.ToString() + "\n"));
    }

    private static void Write(IncrementalHash hash, Span<byte> record, int a, int b, int c)
    {
        BitConverter.TryWriteBytes(record, a);
        BitConverter.TryWriteBytes(record[sizeof(int)..], b);
        BitConverter.TryWriteBytes(record[(2 * sizeof(int))..], c);
        hash.AppendData(record);
    }
}
