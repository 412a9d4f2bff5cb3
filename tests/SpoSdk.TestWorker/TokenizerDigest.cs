using System.Security.Cryptography;
using System.Text;
using SpoSdk.Audit.Parsing;

namespace SpoSdk.TestWorker;

/// <summary>
/// A digest of the audit tokenizer's results on deterministic random lines, so that a test can compare the block
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

    /// <summary>Tokenizes <paramref name="rounds"/> random lines from <paramref name="seed"/> and hashes every result.</summary>
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

        return Convert.ToHexString(hash.GetHashAndReset());
    }

    private static void Write(IncrementalHash hash, Span<byte> record, int a, int b, int c)
    {
        BitConverter.TryWriteBytes(record, a);
        BitConverter.TryWriteBytes(record[sizeof(int)..], b);
        BitConverter.TryWriteBytes(record[(2 * sizeof(int))..], c);
        hash.AppendData(record);
    }
}
