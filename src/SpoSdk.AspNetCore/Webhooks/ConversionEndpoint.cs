using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using SpoSdk.Conversion;

namespace SpoSdk.AspNetCore.Webhooks;

/// <summary>Serves the CRD conversion webhook: POST a ConversionReview, get one back.</summary>
public static class ConversionEndpoint
{
    /// <summary>The path upstream's CRDs send conversion reviews to.</summary>
    public const string DefaultPattern = "/convert";

    /// <summary>
    /// The largest review accepted by default. The API server converts at most a list page of objects
    /// of at most ~1.5 MiB each; a larger body is refused with 413 instead of being buffered.
    /// </summary>
    public const long DefaultMaxRequestBytes = 64L * 1024 * 1024;

    /// <summary>
    /// Maps POST <paramref name="pattern"/> to the <see cref="ConversionReviewHandler"/> registered by
    /// <see cref="ConversionServiceCollectionExtensions.AddSpoConversion"/>.
    /// </summary>
    /// <param name="endpoints">The route builder.</param>
    /// <param name="pattern">The path; upstream's CRDs use <see cref="DefaultPattern"/>.</param>
    /// <param name="maxRequestBytes">The largest body accepted; larger ones get 413.</param>
    public static IEndpointConventionBuilder MapSpoConversionWebhook(this IEndpointRouteBuilder endpoints, string pattern = DefaultPattern, long maxRequestBytes = DefaultMaxRequestBytes)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxRequestBytes);
        if (endpoints.ServiceProvider.GetService<ConversionReviewHandler>() is null)
        {
            throw new InvalidOperationException("MapSpoConversionWebhook needs services.AddSpoConversion() (or the full operator builder) first.");
        }

        return endpoints.MapPost(pattern, context => HandleAsync(context, maxRequestBytes));
    }

    private static async Task HandleAsync(HttpContext context, long maxRequestBytes)
    {
        var body = await RequestBodies.ReadAsync(context, maxRequestBytes, context.RequestAborted).ConfigureAwait(false);
        if (body is null)
        {
            context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
            return;
        }

        var handler = context.RequestServices.GetRequiredService<ConversionReviewHandler>();
        var response = handler.Handle(body.WrittenMemory);
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = response.Length;
        await context.Response.Body.WriteAsync(response, context.RequestAborted).ConfigureAwait(false);
    }
}
