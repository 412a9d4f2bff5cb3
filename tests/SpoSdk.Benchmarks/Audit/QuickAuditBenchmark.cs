using System.Diagnostics;
using System.Globalization;
using SpoSdk.Audit.Parsing;
using SpoSdk.Tests.Audit;

namespace SpoSdk.Benchmarks.Audit;

/// <summary>
/// <c>dotnet run -c Release --project tests/SpoSdk.Benchmarks -- --quick</c>: times the audit parser against the
/// regex port and the newline-scan floor on the 1,000,000-line corpus the issue defines (80% ordinary syslog noise,
/// 20% seccomp, SELinux and AppArmor records), best of several runs, in well under a minute. Prints exactly
/// <c>ratio vs-regex-port X</c> (regex time over ours) and <c>ratio vs-newline-scan Y</c> (our time over the scan's)
/// on stdout, then the same two ratios on a stricter corpus whose noise is a tenth audit records of other types
/// (<c>strict-corpus ratio vs-regex-port X</c>, <c>strict-corpus ratio vs-newline-scan Y</c>); details go to stderr.
/// Times are the thread's CPU time where the OS reports it (Linux), so a busy machine does not skew the ratios;
/// elsewhere wall time.
/// </summary>
/// <remarks>
/// <para>What each side does per line. The regex port (<see cref="UpstreamRegexPort.Parse(string)"/>, on lines
/// decoded to strings outside the timing): upstream's <c>IsAuditLine</c> (the seccomp, SELinux and AppArmor patterns
/// in turn until one matches), then <c>ExtractAuditLine</c> (the patterns again), reading every capture upstream
/// keeps as a string (audit id, exe; perms, scontext, tcontext, tclass; apparmor, operation, profile, name, comm and
/// extra_info with <c>"</c> replaced), parsing pid and syscall, and for seccomp the uid/gid pattern with both parsed.</para>
/// <para>Ours, the ratios' side (<see cref="AuditWorkloads.SpanParser"/>, on the UTF-8 bytes): finds each line holding
/// <c>audit(</c>, reads and checks its header (record type, timestamp, serial parsed), tokenizes the record
/// quote-aware, locates every field the upstream patterns capture plus comm, uid, gid, arch and name, parses pid and
/// syscall (range-checked), checks the type's required fields, and hands the sink an <see cref="AuditEventView"/>:
/// everything located and validated, no text copied. The sink reads every number the port parses (pid, syscall, uid,
/// gid; the view parses uid and gid when read), so both sides do the same numeric work. The
/// "materialized" line also copies all text into each event's one string (hex decoded, UTF-8 to UTF-16), the
/// counterpart of the port's string captures; it is printed, not used for the ratios.</para>
/// <para>The ratios give the port a head start: it gets its lines already split and decoded, ours finds its lines in
/// the bytes. The details also time the port from the same bytes ours gets (split each line, decode it,
/// match), which a .NET reader of the log must do since <see cref="System.Text.RegularExpressions.Regex"/> matches
/// strings only, and print that ratio beside it.</para>
/// </remarks>
public static class QuickAuditBenchmark
{
    /// <summary>Runs the quick comparison.</summary>
    public static void Run()
    {
        var total = Stopwatch.StartNew();
        var parser = new AuditLineParser();
        var ci = CultureInfo.InvariantCulture;

        // The issue's corpus first, with every detail; then the stricter one, whose other audit records must have their
        // headers read to be skipped. Each is warmed up on its own, as the branch predictors learn its mix.
        var issue = Measure(parser, AuditCorpus.Generate(), details: true);
        Console.Error.WriteLine("strict corpus (a tenth of the noise is SYSCALL, PROCTITLE and SERVICE_START records):");
        var strict = Measure(parser, AuditCorpus.Generate(otherAuditRecords: true), details: false);
        Console.Error.WriteLine(string.Format(ci, "total {0:F1} s", total.Elapsed.TotalSeconds));

        Console.WriteLine(string.Format(ci, "ratio vs-regex-port {0:F2}", issue.Regex / issue.Ours));
        Console.WriteLine(string.Format(ci, "ratio vs-newline-scan {0:F2}", issue.Ours / issue.Scan));
        Console.WriteLine(string.Format(ci, "strict-corpus ratio vs-regex-port {0:F2}", strict.Regex / strict.Ours));
        Console.WriteLine(string.Format(ci, "strict-corpus ratio vs-newline-scan {0:F2}", strict.Ours / strict.Scan));
    }

    // Times one corpus; with details, also the stages, the materialised and per-line paths, the port's variants,
    // allocations and a hostile line. Everything goes to stderr.
    private static (double Scan, double Ours, double Regex) Measure(AuditLineParser parser, AuditCorpus corpus, bool details)
    {
        var lines = corpus.DecodeLines();
        var bytes = corpus.Bytes;
        var ci = CultureInfo.InvariantCulture;

        // Warm up every path so tiered JIT has settled before timing: a method called fewer than 30 times stays at
        // tier 0 with its loop compiled on stack replacement, which is not the code a long-running reader runs. The
        // regex side's hot code (the matchers) runs once per line, so it is fully tiered after its first pass.
        for (var i = 0; i < 35; i++)
        {
            AuditWorkloads.NewlineScan(bytes);
            AuditWorkloads.SpanParser(parser, bytes);
            if (details)
            {
                AuditWorkloads.SpanParserMaterialized(parser, bytes);
                AuditWorkloads.SpanParserPerLine(parser, bytes);
                AuditWorkloads.FindAuditLines(bytes, readHeaders: false);
                AuditWorkloads.FindAuditLines(bytes, readHeaders: true);
            }
        }

        AuditWorkloads.RegexPort(lines);

        var scan = Best(9, () => AuditWorkloads.NewlineScan(bytes));
        var ours = Best(9, () => AuditWorkloads.SpanParser(parser, bytes));
        var regex = Best(3, () => AuditWorkloads.RegexPort(lines));
        Console.Error.WriteLine(string.Format(ci, "corpus: {0:N0} lines, {1:N0} audit events, {2:N1} MiB", corpus.LineCount, corpus.AuditLineCount, bytes.Length / 1048576.0));
        Console.Error.WriteLine(string.Format(ci, "newline scan {0,9:F1} ms", scan));
        Console.Error.WriteLine(string.Format(ci, "span parser  {0,9:F1} ms  ({1:F1} ns/line; ParseLines over the whole buffer)", ours, ours * 1e6 / corpus.LineCount));
        Console.Error.WriteLine(string.Format(ci, "regex port   {0,9:F1} ms  (upstream flow on lines already split and decoded)", regex));
        if (!details)
        {
            return (scan, ours, regex);
        }

        var materialized = Best(5, () => AuditWorkloads.SpanParserMaterialized(parser, bytes));
        var bounds = Best(5, () => AuditWorkloads.FindAuditLines(bytes, readHeaders: false));
        var headers = Best(5, () => AuditWorkloads.FindAuditLines(bytes, readHeaders: true));
        var perLine = Best(5, () => AuditWorkloads.SpanParserPerLine(parser, bytes));
        var regexOnce = Best(3, () => AuditWorkloads.RegexPortOnce(lines));
        var regexFromBytes = Best(2, () => AuditWorkloads.RegexPortFromBytes(bytes));
        var (noiseBytes, eventBytes, events) = MeasureAllocations(parser, bytes);
        var viewBytes = GC.GetAllocatedBytesForCurrentThread();
        AuditWorkloads.SpanParser(parser, bytes);
        viewBytes = GC.GetAllocatedBytesForCurrentThread() - viewBytes;

        // One hostile line shows what the ratios above hide: the port's lazy quantifiers backtrack polynomially.
        var hostile = "type=AVC " + string.Concat(Enumerable.Repeat("audit(1:2) { ", 250));
        var hostileBytes = System.Text.Encoding.UTF8.GetBytes(hostile);
        var hostileRegex = ThreadCpuClock.Measure(() => UpstreamRegexPort.Parse(hostile));
        var hostileOurs = Best(5, () => (long)parser.Parse(hostileBytes, out _));

        Console.Error.WriteLine(string.Format(ci, "  stages: finding audit( lines {0:F1} ms, + headers {1:F1} ms, + fields and checks of {2:N0} events {3:F1} ms ({4:F0} ns per event)", bounds, headers, events, ours - headers, (ours - headers) * 1e6 / events));
        Console.Error.WriteLine(string.Format(ci, "materialized {0,9:F1} ms  (every event as an AuditEvent: ratio vs-regex-port {1:F2}, vs-newline-scan {2:F2})", materialized, regex / materialized, materialized / scan));
        Console.Error.WriteLine(string.Format(ci, "per line     {0,9:F1} ms  (split each line, then Parse: ratio vs-newline-scan {1:F2})", perLine, perLine / scan));
        Console.Error.WriteLine(string.Format(ci, "regex bytes  {0,9:F1} ms  (the port from the same bytes as ours, splitting and decoding each line first: ratio {1:F2})", regexFromBytes, regexFromBytes / ours));
        Console.Error.WriteLine(string.Format(ci, "regex once   {0,9:F1} ms  (one match per line, on strings: ratio {1:F2})", regexOnce, regexOnce / ours));
        Console.Error.WriteLine(string.Format(ci, "allocations: {0} B over {1:N0} non-event lines; views {2} B over the whole corpus; {3:F1} B per materialized event (one string) over {4:N0} events", noiseBytes, corpus.LineCount - events, viewBytes, (double)eventBytes / events, events));
        Console.Error.WriteLine(string.Format(ci, "hostile {0:N0}-byte AVC line: regex port {1:F1} ms, span parser {2:F4} ms", hostileBytes.Length, hostileRegex, hostileOurs));
        return (scan, ours, regex);
    }

    private static double Best(int runs, Func<long> work)
    {
        var best = double.MaxValue;
        for (var i = 0; i < runs; i++)
        {
            best = Math.Min(best, ThreadCpuClock.Measure(work));
        }

        return best;
    }

    private static (long NoiseBytes, long EventBytes, int Events) MeasureAllocations(AuditLineParser parser, byte[] corpus)
    {
        long noise = 0, events = 0;
        var count = 0;
        var rest = corpus.AsSpan();
        while (!rest.IsEmpty)
        {
            var end = rest.IndexOf((byte)'\n');
            var line = end < 0 ? rest : rest[..end];
            rest = end < 0 ? default : rest[(end + 1)..];
            var before = GC.GetAllocatedBytesForCurrentThread();
            var result = parser.Parse(line, out _);
            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            if (result == AuditParseResult.Event)
            {
                events += allocated;
                count++;
            }
            else
            {
                noise += allocated;
            }
        }

        return (noise, events, count);
    }
}
