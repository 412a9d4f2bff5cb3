using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;

namespace SpoSdk.Runtime.Backends.Kubernetes;

/// <summary>
/// Splits a watch response into its newline-delimited JSON events, parsing each straight from the
/// pipe's buffers (no per-line strings). A line longer than the limit fails the watch instead of
/// growing without bound.
/// </summary>
internal sealed class WatchFrameReader(Stream stream, int maxFrameBytes) : IAsyncDisposable
{
    private readonly PipeReader _pipe = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024, leaveOpen: true));

    /// <summary>The next event, or null at the end of the stream. The caller disposes it.</summary>
    public async ValueTask<JsonDocument?> ReadAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await _pipe.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            while (buffer.PositionOf((byte)'\n') is { } end)
            {
                var line = buffer.Slice(0, end);
                var next = buffer.GetPosition(1, end);
                if (IsBlank(line))
                {
                    buffer = buffer.Slice(next);
                    continue;
                }

                var document = Parse(line);
                _pipe.AdvanceTo(next);
                return document;
            }

            if (buffer.Length > maxFrameBytes)
            {
                throw new InvalidDataException("a watch event is longer than " + maxFrameBytes + " bytes");
            }

            if (result.IsCompleted)
            {
                // The last event may lack its newline.
                var document = IsBlank(buffer) ? null : Parse(buffer);
                _pipe.AdvanceTo(buffer.End);
                return document;
            }

            _pipe.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    public ValueTask DisposeAsync() => _pipe.CompleteAsync();

    private static JsonDocument Parse(ReadOnlySequence<byte> line)
    {
        try
        {
            // ParseValue copies the bytes; Parse(sequence) would keep pointing into pipe buffers that get reused.
            var reader = new Utf8JsonReader(line, new JsonReaderOptions { MaxDepth = 128 });
            return JsonDocument.ParseValue(ref reader);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException("a watch event is not valid JSON: " + ex.Message, ex);
        }
    }

    private static bool IsBlank(ReadOnlySequence<byte> bytes)
    {
        foreach (var segment in bytes)
        {
            foreach (var b in segment.Span)
            {
                if (b is not ((byte)' ' or (byte)'\r' or (byte)'\t'))
                {
                    return false;
                }
            }
        }

        return true;
    }
}
