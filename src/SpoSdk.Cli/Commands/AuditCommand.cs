using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using SpoSdk.Audit;
using SpoSdk.Audit.Output;
using SpoSdk.Audit.Parsing;
using SpoSdk.Cli.CommandLine;

namespace SpoSdk.Cli.Commands;

/// <summary>
/// <c>spoc audit [--json] FILE|-</c>: parses an audit log or syslog offline and prints one line per seccomp,
/// SELinux or AppArmor event, as the log enricher logs it or (<c>--json</c>) as one JSON object. Other lines are
/// skipped. The klog header holds the record's time and PID 0, so the output depends on the input alone.
/// Streams the input with bounded memory. Exit 0 (also when no event is found), 2 for usage errors and
/// unreadable input.
/// </summary>
internal static class AuditCommand
{
    private const string UsageText = "usage: spoc audit [--json] FILE|-";
    private const int ChunkBytes = 64 * 1024;

    public static Task<int> RunAsync(IReadOnlyList<string> args, TextReader stdin, TextWriter stdout, TextWriter stderr, CliProgress progress)
    {
        var json = false;
        string? input = null;
        foreach (var arg in args)
        {
            if (arg == "--json")
            {
                json = true;
            }
            else if (arg.StartsWith("--", StringComparison.Ordinal))
            {
                stderr.WriteLine("spoc audit: unknown option '" + arg + "'");
                return Task.FromResult(SpocApp.Failure);
            }
            else if (input is null)
            {
                input = arg;
            }
            else
            {
                stderr.WriteLine(UsageText);
                return Task.FromResult(SpocApp.Failure);
            }
        }

        if (input is null)
        {
            stderr.WriteLine(UsageText);
            return Task.FromResult(SpocApp.Failure);
        }

        return Task.FromResult(Run(input, json, stdin, stdout, stderr, progress));
    }

    private static int Run(string input, bool json, TextReader stdin, TextWriter stdout, TextWriter stderr, CliProgress progress)
    {
        var parser = new AuditLineParser();
        var splitter = new AuditStreamParser(parser);
        using var output = new OutputSink(json, stdout);
        var sink = output;
        try
        {
            if (input == "-")
            {
                Pump(stdin, splitter, ref sink, progress);
            }
            else
            {
                using var stream = new FileStream(input, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 1, FileOptions.SequentialScan);
                Pump(stream, splitter, ref sink, progress);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or DecoderFallbackException)
        {
            progress.Clear();
            stderr.WriteLine("spoc: cannot read " + input + ": " + ex.Message);
            return SpocApp.Failure;
        }

        progress.Clear();
        if (parser.Counters.OversizedLines > 0)
        {
            stderr.WriteLine("spoc audit: skipped " + parser.Counters.OversizedLines + " line(s) longer than " + parser.Options.MaxLineBytes + " bytes");
        }

        if (parser.Counters.RejectedLines > 0)
        {
            stderr.WriteLine("spoc audit: skipped " + parser.Counters.RejectedLines + " malformed audit record(s)");
        }

        return SpocApp.Success;
    }

    private static void Pump(Stream stream, AuditStreamParser splitter, ref OutputSink sink, CliProgress progress)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkBytes);

        // A regular file's size is known up front (a pipe or a growing log: just the bytes so far).
        var size = progress.Enabled && stream.CanSeek ? stream.Length : 0;
        long total = 0;
        try
        {
            int read;
            while ((read = stream.Read(buffer, 0, ChunkBytes)) > 0)
            {
                splitter.Write(buffer.AsSpan(0, read), ref sink);
                total += read;
                if (progress.Enabled)
                {
                    progress.Report(Progress(total, size));
                }
            }

            splitter.Complete(ref sink);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    // Standard input arrives as text; it is re-encoded chunk by chunk (the encoder keeps surrogate pairs that a chunk cuts).
    private static void Pump(TextReader reader, AuditStreamParser splitter, ref OutputSink sink, CliProgress progress)
    {
        const int ChunkChars = 16 * 1024;
        var chars = ArrayPool<char>.Shared.Rent(ChunkChars);
        var bytes = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(ChunkChars));
        var encoder = Encoding.UTF8.GetEncoder();
        long total = 0;
        try
        {
            int read;
            while ((read = reader.Read(chars, 0, ChunkChars)) > 0)
            {
                var count = encoder.GetBytes(chars, 0, read, bytes, 0, flush: false);
                splitter.Write(bytes.AsSpan(0, count), ref sink);
                total += count;
                if (progress.Enabled)
                {
                    progress.Report(Progress(total, 0));
                }
            }

            var last = encoder.GetBytes(chars, 0, 0, bytes, 0, flush: true);
            splitter.Write(bytes.AsSpan(0, last), ref sink);
            splitter.Complete(ref sink);
        }
        finally
        {
            ArrayPool<char>.Shared.Return(chars);
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    private static string Progress(long read, long size) => size > 0
        ? string.Create(CultureInfo.InvariantCulture, $"reading log {read / 1_048_576.0:F1}/{size / 1_048_576.0:F1} MiB ({100.0 * read / size:F0}%)")
        : string.Create(CultureInfo.InvariantCulture, $"reading log {read / 1_048_576.0:F1} MiB");

    private sealed class OutputSink : IAuditEventSink, IDisposable
    {
        private readonly TextWriter _stdout;
        private readonly EnrichedLineFormatter? _formatter;
        private readonly ArrayBufferWriter<byte>? _jsonBuffer;
        private readonly Utf8JsonWriter? _jsonWriter;
        public OutputSink(bool json, TextWriter stdout)
        {
            _stdout = stdout;
            if (json)
            {
                _jsonBuffer = new ArrayBufferWriter<byte>(1024);
                _jsonWriter = new Utf8JsonWriter(_jsonBuffer, AuditEventJson.WriterOptions);
                _formatter = null;
            }
            else
            {
                _jsonBuffer = null;
                _jsonWriter = null;
                _formatter = new EnrichedLineFormatter();
            }
        }

        public void OnEvent(in AuditEvent auditEvent)
        {
            if (_formatter is not null)
            {
                // Offline there is no logging time nor logging process: the record's own time and PID 0 (spoc's
                // PID would differ from run to run) keep the output reproducible.
                AuditTimestamp.TryGetTime(auditEvent.Timestamp, out var time);
                _formatter.Write(_stdout, auditEvent, enrichment: null, new KlogHeader(time, ProcessId: 0));
                return;
            }

            _jsonBuffer!.ResetWrittenCount();
            _jsonWriter!.Reset(_jsonBuffer);
            AuditEventJson.Write(_jsonWriter, auditEvent);
            _jsonWriter.Flush();
            WriteUtf8Line(_stdout, _jsonBuffer.WrittenSpan);
        }

        public void Dispose() => _jsonWriter?.Dispose();

        private static void WriteUtf8Line(TextWriter writer, ReadOnlySpan<byte> utf8)
        {
            var chars = ArrayPool<char>.Shared.Rent(utf8.Length + 1);
            try
            {
                var count = Encoding.UTF8.GetChars(utf8, chars);
                chars[count] = '\n';
                writer.Write(chars, 0, count + 1);
            }
            finally
            {
                ArrayPool<char>.Shared.Return(chars);
            }
        }
    }
}
