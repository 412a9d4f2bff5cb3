using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SpoSdk.Admission;
using SpoSdk.Admission.Binding;
using SpoSdk.Admission.ExecMetadata;
using SpoSdk.Admission.Recording;
using SpoSdk.Admission.Validation;

namespace SpoSdk.AspNetCore.Webhooks;

/// <summary>Maps SPO's webhooks (admission and conversion) at upstream's paths.</summary>
public static class AdmissionEndpoints
{
    /// <summary>
    /// Maps POST <c>/mutate-v1-pod-binding</c>, <c>/mutate-v1-pod-recording</c>,
    /// <c>/mutate-v1-exec-metadata</c>, <c>/validate-rawselinuxprofile</c> and <c>/convert</c>, served by
    /// the handlers <see cref="WebhookServiceCollectionExtensions.AddSpoWebhooks"/> registers.
    /// </summary>
    /// <remarks>
    /// Every endpoint answers a review it can decode with HTTP 200 — also when handling fails or runs
    /// out of time, as <c>allowed: false</c> (or, for exec metadata, allowed unchanged) with
    /// <c>status.code</c> and <c>status.message</c>, so the API server shows the reason — and anything
    /// else (not JSON, not an AdmissionReview, over the size cap) with HTTP 400 and a plain-text reason.
    /// Requests that arrive over plain HTTP on a non-loopback address are refused with 403: webhook
    /// traffic carries whole pod specs and must be encrypted off the host.
    /// </remarks>
    public static RouteGroupBuilder MapSpoWebhooks(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        if (endpoints.ServiceProvider.GetService<AdmissionReviewProcessor>() is null)
        {
            throw new InvalidOperationException("MapSpoWebhooks needs services.AddSpoWebhooks() first.");
        }

        var group = endpoints.MapGroup(string.Empty);
        group.MapSpoAdmissionWebhook<ProfileBindingWebhook>(SpoWebhooks.BindingPath);
        group.MapSpoAdmissionWebhook<ProfileRecordingWebhook>(SpoWebhooks.RecordingPath);
        group.MapSpoAdmissionWebhook<ExecMetadataWebhook>(SpoWebhooks.ExecMetadataPath);
        group.MapSpoAdmissionWebhook<RawSelinuxProfileWebhook>(SpoWebhooks.RawSelinuxProfileValidationPath);
        group.MapSpoConversionWebhook();
        return group;
    }

    /// <summary>Maps POST <paramref name="pattern"/> to the registered admission handler <typeparamref name="THandler"/>.</summary>
    public static IEndpointConventionBuilder MapSpoAdmissionWebhook<THandler>(this IEndpointRouteBuilder endpoints, string pattern)
        where THandler : class, IAdmissionHandler
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrEmpty(pattern);
        var handler = endpoints.ServiceProvider.GetService<THandler>()
            ?? throw new InvalidOperationException("MapSpoAdmissionWebhook needs " + typeof(THandler).Name + " registered (services.AddSpoWebhooks()).");
        var processor = endpoints.ServiceProvider.GetRequiredService<AdmissionReviewProcessor>();
        var logger = endpoints.ServiceProvider.GetService<ILoggerFactory>()?.CreateLogger(typeof(AdmissionEndpoints).FullName!);
        return endpoints.MapPost(pattern, context => ServeAsync(context, processor, handler, logger));
    }

    private static async Task ServeAsync(HttpContext context, AdmissionReviewProcessor processor, IAdmissionHandler handler, ILogger? logger)
    {
        try
        {
            if (!context.Request.IsHttps && context.Connection.LocalIpAddress is { } local && !IPAddress.IsLoopback(local))
            {
                await WriteTextAsync(context, StatusCodes.Status403Forbidden, "admission webhooks are served over plain HTTP on loopback only").ConfigureAwait(false);
                return;
            }

            var max = processor.Options.MaxRequestBytes;
            var body = await RequestBodies.ReadAsync(context, max, context.RequestAborted).ConfigureAwait(false);
            if (body is null)
            {
                await WriteTextAsync(context, StatusCodes.Status400BadRequest, "the AdmissionReview is larger than " + max + " bytes").ConfigureAwait(false);
                return;
            }

            var outcome = await processor.ProcessAsync(body.WrittenMemory, handler, context.RequestAborted).ConfigureAwait(false);
            context.Response.StatusCode = outcome.StatusCode;
            context.Response.ContentType = outcome.ContentType;
            context.Response.ContentLength = outcome.Body.Length;
            await context.Response.Body.WriteAsync(outcome.Body, context.RequestAborted).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The API server gave up (its own timeout); nobody is left to answer.
        }
        catch (BadHttpRequestException ex)
        {
            await TryWriteTextAsync(context, StatusCodes.Status400BadRequest, "unreadable request: " + ex.Message).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The processor turns handler failures into verdicts; this is the transport failing.
            logger?.LogError(ex, "Serving {Path} failed", context.Request.Path);
            await TryWriteTextAsync(context, StatusCodes.Status500InternalServerError, "the webhook failed to answer").ConfigureAwait(false);
        }
    }

    private static async Task TryWriteTextAsync(HttpContext context, int status, string message)
    {
        if (context.Response.HasStarted)
        {
            return;
        }

        try
        {
            await WriteTextAsync(context, status, message).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // The connection is gone; there is no one to tell.
        }
    }

    private static async Task WriteTextAsync(HttpContext context, int status, string message)
    {
        var bytes = Encoding.UTF8.GetBytes(message);
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        context.Response.ContentLength = bytes.Length;
        await context.Response.Body.WriteAsync(bytes, context.RequestAborted).ConfigureAwait(false);
    }
}
