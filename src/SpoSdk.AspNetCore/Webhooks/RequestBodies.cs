using System.Buffers;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace SpoSdk.AspNetCore.Webhooks;

/// <summary>Reads a webhook's request body into memory, bounded.</summary>
internal static class RequestBodies
{
    // The buffer grows with the bytes that arrive: a Content-Length alone (the callers are not authenticated) must
    // not make the server allocate what it claims.
    private const int FirstBufferBytes = 16 * 1024;
    private const int LargestFirstBuffer = 64 * 1024;

    /// <summary>
    /// The body, or null when it is larger than <paramref name="maxBytes"/> (checked against its Content-Length
    /// first, and as it arrives, since a chunked body carries no length). The server's own body limit is raised
    /// above <paramref name="maxBytes"/> for this request where it is lower, so the endpoint's limit is the one that applies.
    /// </summary>
    public static async Task<ArrayBufferWriter<byte>?> ReadAsync(HttpContext context, long maxBytes, CancellationToken cancellationToken)
    {
        var request = context.Request;
        if (request.ContentLength > maxBytes)
        {
            return null;
        }

        // A server limit below ours would refuse what the endpoint accepts (Kestrel's 30 MB against /convert's 64 MiB);
        // one above it is left alone, so that our check, with its message, is the one that fails.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false, MaxRequestBodySize: { } serverLimit } limit && serverLimit <= maxBytes)
        {
            limit.MaxRequestBodySize = maxBytes + 1;
        }

        var buffer = new ArrayBufferWriter<byte>(request.ContentLength is { } length and > 0 ? (int)Math.Min(length, LargestFirstBuffer) : FirstBufferBytes);
        while (true)
        {
            var memory = buffer.GetMemory(FirstBufferBytes);
            var read = await request.Body.ReadAsync(memory, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return buffer;
            }

            buffer.Advance(read);
            if (buffer.WrittenCount > maxBytes)
            {
                return null;
            }
        }
    }
}
