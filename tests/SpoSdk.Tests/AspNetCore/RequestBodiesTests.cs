using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using SpoSdk.AspNetCore.Webhooks;

namespace SpoSdk.Tests.AspNetCore;

/// <summary>Webhook bodies: bounded, and what a client claims is not what the server allocates.</summary>
public sealed class RequestBodiesTests
{
    // The webhooks' callers are not authenticated: headers claiming 29 MB followed by one byte must not make the
    // server allocate 29 MB (eight such requests held ~120 MiB until Kestrel dropped them).
    [Fact]
    public async Task A_claimed_length_is_not_allocated_before_the_bytes_arrive()
    {
        var context = Request(new MemoryStream("{"u8.ToArray()), contentLength: 29_000_000);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var body = await RequestBodies.ReadAsync(context, 64L * 1024 * 1024, CancellationToken.None);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal("{"u8.ToArray(), body!.WrittenSpan.ToArray());
        Assert.True(allocated < 256 * 1024, allocated + " bytes allocated for a one-byte body");
    }

    [Fact]
    public async Task A_body_over_the_limit_is_refused_by_its_length_or_as_it_arrives_and_the_server_limit_follows()
    {
        var limit = new BodySizeLimit();
        var claimed = Request(new MemoryStream(new byte[10]), contentLength: 1001);
        var chunked = Request(new MemoryStream(new byte[1001]), contentLength: null, limit);
        var fits = Request(new MemoryStream(new byte[1000]), contentLength: null);

        Assert.Null(await RequestBodies.ReadAsync(claimed, 1000, CancellationToken.None));
        Assert.Null(await RequestBodies.ReadAsync(chunked, 1000, CancellationToken.None));
        Assert.Equal(1000, (await RequestBodies.ReadAsync(fits, 1000, CancellationToken.None))!.WrittenCount);
        Assert.Equal(1001, limit.MaxRequestBodySize);
    }

    private static DefaultHttpContext Request(Stream body, long? contentLength, IHttpMaxRequestBodySizeFeature? limit = null)
    {
        var context = new DefaultHttpContext();
        context.Request.Body = body;
        context.Request.ContentLength = contentLength;
        if (limit is not null)
        {
            context.Features.Set(limit);
        }

        return context;
    }

    private sealed class BodySizeLimit : IHttpMaxRequestBodySizeFeature
    {
        public bool IsReadOnly => false;

        public long? MaxRequestBodySize { get; set; } = 500;
    }
}
