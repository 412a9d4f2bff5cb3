using System.Text;

namespace SpoSdk.Tests.Audit;

/// <summary>Seeded generators of hostile and random log lines.</summary>
internal static class RandomLines
{
    private static readonly string[] Pieces =
    [
        "type=", "SECCOMP", "AVC", "APPARMOR", "APPARMOR_DENIED", "1326", "1400", "1503", "UNKNOWN[1326]", " msg=audit(",
        "audit(", "audit: ", "1744780616.598", ":836036", "):", ")", "(", " pid=", " uid=", " gid=", "auid=", " syscall=",
        " arch=", "c000003e", "c00000b7", " exe=", " comm=", "\"", "\"/bin/sh\"", "=", " ", "  ", "\t", "\0", "\u001d", "{", "}",
        " { read write } for ", "avc:  denied ", " apparmor=\"DENIED\"", " operation=\"open\"", " profile=\"p\"", " name=",
        " scontext=a:b:c:s0", " tcontext=d:e:f:s0", " tclass=file", "6D7920617070", "4", "99999999999999999999", "-1",
        "\r", "\n", "é", "\uFFFD", "kernel: [ 1.0] ",
    ];

    private static readonly string[] Seeds =
    [
        AuditLines.A1, AuditLines.A2, AuditLines.A3, AuditLines.A4, AuditLines.A7, AuditLines.A8, AuditLines.A9,
        AuditLines.A10, AuditLines.HexSeccomp, AuditLines.AppArmorCapability, AuditLines.AppArmorNetwork,
        AuditLines.AppArmorAuditd, AuditLines.P7,
    ];

    /// <summary>A line of random pieces, random bytes, or a mutated real line.</summary>
    public static byte[] Next(Random random)
    {
        switch (random.Next(4))
        {
            case 0:
                var bytes = new byte[random.Next(0, 400)];
                random.NextBytes(bytes);
                return bytes;
            case 1:
                var text = new StringBuilder();
                for (var i = random.Next(1, 60); i > 0; i--)
                {
                    text.Append(Pieces[random.Next(Pieces.Length)]);
                    if (random.Next(4) == 0)
                    {
                        text.Append(random.Next(100000));
                    }
                }

                return Encoding.UTF8.GetBytes(text.ToString());
            default:
                var line = Encoding.UTF8.GetBytes(Seeds[random.Next(Seeds.Length)]).ToList();
                for (var i = random.Next(1, 8); i > 0; i--)
                {
                    var at = random.Next(line.Count + 1);
                    switch (random.Next(3))
                    {
                        case 0 when line.Count > 0 && at < line.Count:
                            line.RemoveAt(at);
                            break;
                        case 1:
                            line.InsertRange(at, Encoding.UTF8.GetBytes(Pieces[random.Next(Pieces.Length)]));
                            break;
                        default:
                            line.Insert(at, (byte)random.Next(256));
                            break;
                    }
                }

                return [.. line];
        }
    }

    /// <summary>A block of lines joined by <c>\n</c>, the parts without the line breaks they may contain.</summary>
    public static byte[] Block(Random random, int lines)
    {
        var block = new List<byte>();
        for (var i = 0; i < lines; i++)
        {
            block.AddRange(Next(random).Where(b => b != (byte)'\n'));
            block.Add((byte)'\n');
        }

        return [.. block];
    }
}
