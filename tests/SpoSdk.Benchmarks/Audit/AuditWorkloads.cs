using SpoSdk.Audit;
using SpoSdk.Audit.Parsing;

namespace SpoSdk.Benchmarks.Audit;

/// <summary>The loops the audit benchmarks time, shared by BenchmarkDotNet and the quick mode.</summary>
public static class AuditWorkloads
{
    /// <summary>The floor: finds every line and does nothing with it.</summary>
    public static long NewlineScan(byte[] corpus)
    {
        long sum = 0;
        var rest = corpus.AsSpan();
        while (!rest.IsEmpty)
        {
            var end = rest.IndexOf((byte)'\n');
            if (end < 0)
            {
                sum += rest.Length;
                break;
            }

            sum += end;
            rest = rest[(end + 1)..];
        }

        return sum;
    }

    /// <summary>
    /// Our parser over the same bytes as a log source feeds it, a block of lines at a time, handing each event to the
    /// sink as a borrowed <see cref="AuditEventView"/> (every field located and validated, no text copied); returns
    /// the sum of event pids.
    /// </summary>
    public static long SpanParser(AuditLineParser parser, byte[] corpus)
    {
        var sink = new PidViewSink();
        parser.ParseLineViews(corpus, ref sink);
        return sink.Sum;
    }

    /// <summary>As <see cref="SpanParser"/>, but every event materialised as an <see cref="AuditEvent"/> (its one string).</summary>
    public static long SpanParserMaterialized(AuditLineParser parser, byte[] corpus)
    {
        var sink = new PidSink();
        parser.ParseLines(corpus, ref sink);
        return sink.Sum;
    }

    /// <summary>
    /// The first stages of <see cref="SpanParser"/> alone, with the parser's own code: the vectorized search for
    /// <c>audit(</c> over the buffer and each hit's line bounds, and when <paramref name="readHeaders"/> each line's
    /// record header; nothing else. Returns the sum of line lengths and record types.
    /// </summary>
    public static long FindAuditLines(byte[] corpus, bool readHeaders)
    {
        long sum = 0;
        var found = new AuditMarkerLines(corpus);
        while (found.MoveNext())
        {
            sum += found.Line.Length;
            if (readHeaders && AuditHeader.TryFindBeforeMarker(found.Line, found.SearchFrom, found.MarkerAt, out var header))
            {
                sum += header.RecordType;
            }
        }

        return sum;
    }

    /// <summary>Our parser called line by line after splitting the lines; returns the sum of event pids.</summary>
    public static long SpanParserPerLine(AuditLineParser parser, byte[] corpus)
    {
        long sum = 0;
        var rest = corpus.AsSpan();
        while (!rest.IsEmpty)
        {
            var end = rest.IndexOf((byte)'\n');
            var line = end < 0 ? rest : rest[..end];
            rest = end < 0 ? default : rest[(end + 1)..];
            if (parser.Parse(line, out var auditEvent) == AuditParseResult.Event)
            {
                sum += auditEvent.Pid;
            }
        }

        return sum;
    }

    /// <summary>The regex port (upstream's flow) over lines already decoded to strings.</summary>
    public static long RegexPort(string[] lines)
    {
        long sum = 0;
        foreach (var line in lines)
        {
            var pid = UpstreamRegexPort.Parse(line);
            if (pid >= 0)
            {
                sum += pid;
            }
        }

        return sum;
    }

    /// <summary>The regex port matching each line once (tighter than upstream), over decoded lines.</summary>
    public static long RegexPortOnce(string[] lines)
    {
        long sum = 0;
        foreach (var line in lines)
        {
            var pid = UpstreamRegexPort.ParseOnce(line);
            if (pid >= 0)
            {
                sum += pid;
            }
        }

        return sum;
    }

    /// <summary>The regex port over the bytes, decoding each line to a string first.</summary>
    public static long RegexPortFromBytes(byte[] corpus)
    {
        long sum = 0;
        var rest = corpus.AsSpan();
        while (!rest.IsEmpty)
        {
            var end = rest.IndexOf((byte)'\n');
            var line = end < 0 ? rest : rest[..end];
            rest = end < 0 ? default : rest[(end + 1)..];
            var pid = UpstreamRegexPort.Parse(line);
            if (pid >= 0)
            {
                sum += pid;
            }
        }

        return sum;
    }

    private struct PidSink : IAuditEventSink
    {
        public long Sum;

        public void OnEvent(in AuditEvent auditEvent) => Sum += auditEvent.Pid;
    }

    // Reads every number the regex port parses (pid, syscall, and uid and gid, which the view parses when read), so
    // both sides do the same numeric work.
    private struct PidViewSink : IAuditEventViewSink
    {
        public long Sum;

        public void OnEvent(in AuditEventView auditEvent) =>
            Sum += auditEvent.Pid + (auditEvent.SyscallId ?? 0) + (auditEvent.Uid ?? 0) + (auditEvent.Gid ?? 0);
    }
}
