using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace SpoSdk.Admission;

/// <summary>Limits the processor enforces on every review.</summary>
public sealed record AdmissionProcessingOptions
{
    /// <summary>The default body cap: 3 MiB, room for a pod at etcd's 1.5 MiB object limit twice over (object and oldObject).</summary>
    public const int DefaultMaxRequestBytes = 3 * 1024 * 1024;

    /// <summary>The largest review accepted; larger bodies get HTTP 400 without being parsed.</summary>
    public int MaxRequestBytes { get; init; } = DefaultMaxRequestBytes;

    /// <summary>
    /// How long one handler may take. It must stay below the webhook's <c>timeoutSeconds</c>
    /// (<see cref="Configuration.WebhookConfigurationBuilder.DefaultTimeoutSeconds"/>), so the API server
    /// hears the handler's own failure verdict rather than timing out and applying its failure policy blindly.
    /// </summary>
    public TimeSpan HandlerTimeout { get; init; } = TimeSpan.FromSeconds(8);
}

/// <summary>The HTTP answer to one review: 200 with a response review, or 400 with a plain-text reason.</summary>
/// <param name="StatusCode">200 or 400.</param>
/// <param name="Body">The response review (JSON) or the reason (UTF-8 text).</param>
/// <param name="Response">The verdict, when there is a review to answer.</param>
public sealed record AdmissionReviewOutcome(int StatusCode, byte[] Body, AdmissionResponse? Response)
{
    /// <summary>The content type of <see cref="Body"/>.</summary>
    public string ContentType => StatusCode == 200 ? "application/json" : "text/plain; charset=utf-8";
}

/// <summary>
/// Runs an <see cref="IAdmissionHandler"/> on a raw review body: rejects what is not a decodable
/// AdmissionReview (HTTP 400), gives the handler a time budget, turns any exception or overrun into
/// the handler's <see cref="IAdmissionHandler.Failed"/> verdict (HTTP 200, so the API server shows
/// the reason), and echoes the uid and review version. Never throws for bad input.
/// </summary>
public sealed class AdmissionReviewProcessor
{
    private readonly AdmissionProcessingOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    /// <summary>Creates a processor.</summary>
    public AdmissionReviewProcessor(AdmissionProcessingOptions? options = null, TimeProvider? time = null, ILogger<AdmissionReviewProcessor>? logger = null)
    {
        _options = options ?? new AdmissionProcessingOptions();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(_options.MaxRequestBytes);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(_options.HandlerTimeout, TimeSpan.Zero);
        _time = time ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>The limits in force.</summary>
    public AdmissionProcessingOptions Options => _options;

    /// <summary>Handles one review body.</summary>
    /// <param name="body">The request body.</param>
    /// <param name="handler">The webhook.</param>
    /// <param name="cancellationToken">Ends when the client goes away; the only case that throws (<see cref="OperationCanceledException"/>).</param>
    public async ValueTask<AdmissionReviewOutcome> ProcessAsync(ReadOnlyMemory<byte> body, IAdmissionHandler handler, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handler);
        if (body.Length > _options.MaxRequestBytes)
        {
            return BadRequest("the AdmissionReview is larger than " + _options.MaxRequestBytes + " bytes");
        }

        if (!AdmissionReviewCodec.TryDecode(body, out var request, out var document, out var error))
        {
            return BadRequest(error);
        }

        var handled = RunAsync(handler, request, cancellationToken);
        AdmissionResponse response;
        try
        {
            response = await handled.WaitAsync(_options.HandlerTimeout, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            _logger.LogWarning("Webhook {Webhook} did not answer request {Uid} within {Budget}", handler.Name, request.Uid, _options.HandlerTimeout);
            response = handler.Failed(504, handler.Name + " did not finish within " + _options.HandlerTimeout.TotalSeconds + "s");
        }
        finally
        {
            // The handler may still be reading the request's objects after an overrun: the document
            // goes away when it is done, not before.
            if (handled.IsCompleted)
            {
                document.Dispose();
            }
            else
            {
                _ = handled.ContinueWith(static (_, state) => ((JsonDocument)state!).Dispose(), document, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
        }

        return new AdmissionReviewOutcome(200, AdmissionReviewCodec.Encode(request, response), response);
    }

    // Always completes normally: exceptions become the handler's failure verdict.
    private async Task<AdmissionResponse> RunAsync(IAdmissionHandler handler, AdmissionRequest request, CancellationToken cancellationToken)
    {
        using var budget = new CancellationTokenSource(_options.HandlerTimeout, _time);
        using var linked = cancellationToken.Register(static state => ((CancellationTokenSource)state!).Cancel(), budget);
        try
        {
            return await handler.HandleAsync(request, budget.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (budget.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return handler.Failed(504, handler.Name + " did not finish within " + _options.HandlerTimeout.TotalSeconds + "s");
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _logger.LogError(ex, "Webhook {Webhook} failed on request {Uid}", handler.Name, request.Uid);
            return handler.Failed(500, handler.Name + " failed: " + ex.Message);
        }
    }

    private static AdmissionReviewOutcome BadRequest(string message) => new(400, Encoding.UTF8.GetBytes(message), null);
}
