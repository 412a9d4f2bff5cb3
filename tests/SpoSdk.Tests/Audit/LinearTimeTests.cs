using System.Text;
using SpoSdk.Audit.Parsing;
using Xunit.Abstractions;

namespace SpoSdk.Tests.Audit;

/// <summary>
/// Per-byte parsing cost must not grow with line length: 1024 lines of 1 KiB against one line of 1 MiB of the
/// same hostile pattern, laid out in the same amount of memory, least thread CPU time of several runs, within a
/// generous 5x.
/// A backtracking or rescanning parser fails by orders of magnitude (1024x for quadratic).
/// </summary>
[Collection(TimingCollection.Name)]
public sealed class LinearTimeTests(ITestOutputHelper output)
{
    private const int SmallLength = 1024;
    private const int LargeLength = 1 << 20;
    private const double Bound = 5.0;

    private const string Seccomp = "type=SECCOMP msg=audit(1744780616.598:836036):";
    private const string Avc = "type=AVC msg=audit(1666691794.882:1434):";
    private const string AppArmor = "audit: type=1400 audit(1668191154.949:64): apparmor=\"DENIED\" operation=\"exec\" profile=\"p\" pid=4166 comm=\"tini\"";

    public static TheoryData<string> Patterns => [.. Builders.Keys];

    private static Dictionary<string, Func<int, string>> Builders { get; } = new()
    {
        ["type= repeated"] = n => Repeat(string.Empty, "type=", n, string.Empty),
        ["unfinished headers"] = n => Repeat(string.Empty, "type=SECCOMP msg=audit(1:", n, string.Empty),
        ["audit( repeated"] = n => Repeat("type=SECCOMP ", "audit(", n, string.Empty),
        ["many fields"] = n => Repeat(Seccomp, " a=b", n, " pid=1 syscall=1"),
        ["many quoted fields"] = n => Repeat(Seccomp, " k=\"v w\"", n, " pid=1 syscall=1"),
        ["unterminated quote"] = n => Repeat(Seccomp + " pid=1 syscall=1 comm=\"", "x", n, string.Empty),
        ["quote storm"] = n => Repeat(Seccomp, "\"", n, " pid=1 syscall=1"),
        ["equals storm"] = n => Repeat(Seccomp + " pid=1 syscall=1 ", "=", n, string.Empty),
        ["spaces"] = n => Repeat(Seccomp, " ", n, "pid=1 syscall=1"),
        ["long bare value"] = n => Repeat(Seccomp + " exe=", "a", n, " pid=1 syscall=1"),
        ["group separators"] = n => Repeat(Seccomp + " pid=1 syscall=1", "\u001d", n, string.Empty),
        ["hex comm"] = n => Repeat(Seccomp + " pid=1 syscall=1 comm=", "41", n, string.Empty),
        ["perms without closing brace"] = n => Repeat(Avc + " avc:  denied  { ", "read ", n, string.Empty),
        ["many perms"] = n => Repeat(Avc + " avc:  denied  { ", "read ", n, "} for pid=1 scontext=a tcontext=b tclass=c"),
        ["long extra_info"] = n => Repeat(AppArmor, " a=\"b\"", n, string.Empty),
        ["random bytes"] = n => RandomText(n),
    };

    [Theory]
    [MemberData(nameof(Patterns))]
    public void Per_byte_cost_does_not_grow_with_line_length(string pattern)
    {
        var parser = new AuditLineParser(new AuditParserOptions { MaxLineBytes = 4 * LargeLength });
        var small = Encoding.UTF8.GetBytes(Builders[pattern](SmallLength));
        var large = Encoding.UTF8.GetBytes(Builders[pattern](LargeLength));
        var copies = LargeLength / SmallLength;
        var smallLines = new byte[small.Length * copies];
        for (var i = 0; i < copies; i++)
        {
            small.CopyTo(smallLines, i * small.Length);
        }

        long ParseSmall()
        {
            long sum = 0;
            for (var i = 0; i < copies; i++)
            {
                sum += (long)parser.Parse(smallLines.AsSpan(i * small.Length, small.Length), out var e) + e.Pid;
            }

            return sum;
        }

        long ParseLarge() => (long)parser.Parse(large, out var e) + e.Pid;

        Assert.Equal(parser.Parse(small, out _), parser.Parse(large, out _));

        // The small lines go first: their 1024 calls per run get Parse to its optimized tier before the large line is timed.
        var smallPerByte = Best(ParseSmall) / smallLines.Length;
        var largePerByte = Best(ParseLarge) / large.Length;
        var ratio = largePerByte / smallPerByte;
        output.WriteLine($"{pattern}: {smallPerByte * 1e6:F3} ns/byte at 1 KiB, {largePerByte * 1e6:F3} ns/byte at 1 MiB, ratio {ratio:F2}");
        Assert.True(ratio < Bound, $"{pattern}: per-byte cost grew {ratio:F1}x from 1 KiB to 1 MiB lines");
    }

    // The least CPU time of 3 to 7 runs (the first doubles as warm-up): noise only ever adds time.
    private static double Best(Func<long> work)
    {
        var best = double.MaxValue;
        var spent = 0.0;
        for (var i = 0; i < 7 && (i < 3 || spent < 40); i++)
        {
            var elapsed = ThreadCpuClock.Measure(work);
            best = Math.Min(best, elapsed);
            spent += elapsed;
        }

        return best;
    }

    private static string Repeat(string prefix, string unit, int length, string suffix)
    {
        var text = new StringBuilder(length + unit.Length);
        text.Append(prefix);
        while (text.Length + suffix.Length < length)
        {
            text.Append(unit);
        }

        return text.Append(suffix).ToString();
    }

    private static string RandomText(int length)
    {
        var random = new Random(length);
        var chars = new char[length];
        const string Alphabet = "type=SECCOMPaudit(1:2): pid=\"{}\u001d\0 \tAVCapparmor";
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = Alphabet[random.Next(Alphabet.Length)];
        }

        return new string(chars);
    }
}
