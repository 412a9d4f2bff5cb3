using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using k8s.Authentication;

namespace SpoSdk.Runtime.Backends.Kubernetes;

/// <summary>
/// Sends requests through a KubernetesClient <see cref="k8s.Kubernetes"/>'s own HTTP pipeline (its
/// TLS setup, client certificates, handlers and credentials) and turns every non-success answer
/// into a <see cref="ResourceException"/>, so callers never see the client's HttpOperationException.
/// </summary>
internal sealed class KubernetesApiConnection
{
    private static readonly MediaTypeWithQualityHeaderValue Json = new("application/json");

    private readonly HttpClient _http;
    private readonly ServiceClientCredentials? _credentials;
    private readonly string _baseAddress;
    private readonly int _maxErrorBodyBytes;
    private readonly Version _httpVersion;
    private readonly TimeSpan _timeout;

    public KubernetesApiConnection(k8s.Kubernetes client, KubernetesBackendOptions options, bool useHttp2)
    {
        _http = client.HttpClient;
        _credentials = client.Credentials;

        // The client's HttpClient never times out (watches run for minutes); its generated operations apply
        // HttpClientTimeout (100 s by default) themselves, per request, so the requests sent here do too.
        _timeout = client.HttpClientTimeout;

        // A base address may carry a path (a proxy such as Rancher's /k8s/clusters/ID); keep it.
        _baseAddress = client.BaseUri.AbsoluteUri.TrimEnd('/');
        _maxErrorBodyBytes = options.MaxErrorBodyBytes;

        // As the client does: HTTP/2 where TLS negotiates it (many watches share one connection), 1.1 otherwise.
        _httpVersion = useHttp2 ? HttpVersion.Version20 : HttpVersion.Version11;
    }

    /// <summary>
    /// Sends a request that is not a watch and reads its answer with <paramref name="read"/>, both within
    /// the client's HttpClientTimeout. A server that does not answer in time is a
    /// <see cref="ResourceRetriableException"/> (504 Timeout) naming the request (<c>what</c>, e.g.
    /// <c>get seccompprofiles "x"</c>); the caller's own cancellation stays an <see cref="OperationCanceledException"/>.
    /// </summary>
    public async Task<TResult> RequestAsync<TResult>(HttpMethod method, string pathAndQuery, byte[]? jsonBody, string what, Func<HttpResponseMessage, CancellationToken, Task<TResult>> read, CancellationToken cancellationToken, string contentType = "application/json")
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (_timeout > TimeSpan.Zero && _timeout != Timeout.InfiniteTimeSpan)
        {
            timeout.CancelAfter(_timeout);
        }

        try
        {
            using var response = await SendAsync(method, pathAndQuery, jsonBody, timeout.Token, contentType).ConfigureAwait(false);
            return await read(response, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when ((ex is OperationCanceledException or IOException or HttpRequestException) && timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // The timer, not the caller, ended it: a server too slow now, worth another try later (as a 504 is).
            var seconds = _timeout.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);
            throw new ResourceRetriableException(new ResourceStatus(504, "Timeout", what + ": the API server did not answer within " + seconds + " s (HttpClientTimeout); the request timed out", []));
        }
    }

    /// <summary>
    /// Sends a request and returns the successful response with its body unread (the caller
    /// disposes it); throws the mapped <see cref="ResourceException"/> otherwise. No timeout of its
    /// own: watches use this directly; every other request goes through <see cref="RequestAsync"/>.
    /// </summary>
    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string pathAndQuery, byte[]? jsonBody, CancellationToken cancellationToken, string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(method, new Uri(_baseAddress + pathAndQuery, UriKind.Absolute))
        {
            Version = _httpVersion,
            VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        };
        request.Headers.Accept.Add(Json);
        if (jsonBody is not null)
        {
            request.Content = new ByteArrayContent(jsonBody);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        }

        // What the client's own SendRequestRaw does: credentials (bearer token, exec plugin,
        // refreshing token files) are applied per request, not by the handler chain.
        if (_credentials is not null)
        {
            await _credentials.ProcessHttpRequestAsync(request, cancellationToken).ConfigureAwait(false);
        }

        var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            throw await ErrorAsync(response, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The exception for a Kubernetes Status object (from an error body or a watch ERROR event).</summary>
    public static ResourceException FromStatus(JsonElement status, int fallbackCode, string fallbackReason, int? retryAfterSeconds = null)
    {
        if (status.ValueKind != JsonValueKind.Object)
        {
            return Map(new ResourceStatus(fallbackCode, fallbackReason, fallbackReason, [], retryAfterSeconds));
        }

        var code = status.TryGetProperty("code", out var c) && c.TryGetInt32(out var n) && n > 0 ? n : fallbackCode;
        var reason = StringOf(status, "reason") is { Length: > 0 } r ? r : fallbackReason;
        var message = StringOf(status, "message") is { Length: > 0 } m ? m : reason;
        var causes = new List<ResourceStatusCause>();
        if (status.TryGetProperty("details", out var details) && details.ValueKind == JsonValueKind.Object)
        {
            if (details.TryGetProperty("causes", out var list) && list.ValueKind == JsonValueKind.Array)
            {
                foreach (var cause in list.EnumerateArray())
                {
                    causes.Add(new ResourceStatusCause(StringOf(cause, "field") ?? string.Empty, StringOf(cause, "message") ?? string.Empty, StringOf(cause, "reason") ?? string.Empty));
                }
            }

            // The body's hint wins over the header: it is what the server's own code decided.
            if (details.TryGetProperty("retryAfterSeconds", out var retry) && retry.TryGetInt32(out var seconds) && seconds > 0)
            {
                retryAfterSeconds = seconds;
            }
        }

        return Map(new ResourceStatus(code, reason, message, causes, retryAfterSeconds));
    }

    // Every answer becomes a typed exception; what has no type of its own keeps its code and reason.
    private static ResourceException Map(ResourceStatus status) => status.Code switch
    {
        400 => new ResourceBadRequestException(status),
        401 => new ResourceUnauthorizedException(status),
        403 => new ResourceForbiddenException(status),
        404 => new ResourceNotFoundException(status),
        409 when status.Reason == "AlreadyExists" => new ResourceAlreadyExistsException(status),
        409 => new ResourceConflictException(status),
        410 => new ResourceGoneException(status),
        422 => new ResourceInvalidException(status),
        429 or 503 or 504 => new ResourceRetriableException(status),
        500 when status.Reason == "ServerTimeout" => new ResourceRetriableException(status),
        _ => new KubernetesApiException(status),
    };

    private async Task<ResourceException> ErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var code = (int)response.StatusCode;
        var fallbackReason = response.ReasonPhrase ?? response.StatusCode.ToString();
        int? retryAfter = response.Headers.RetryAfter?.Delta is { } delta ? (int)Math.Ceiling(delta.TotalSeconds) : null;
        var body = await ReadBoundedAsync(response.Content, _maxErrorBodyBytes, cancellationToken).ConfigureAwait(false);
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object && StringOf(document.RootElement, "kind") == "Status")
            {
                return FromStatus(document.RootElement, code, fallbackReason, retryAfter);
            }
        }
        catch (JsonException)
        {
            // Not a Status (a proxy's HTML page, say): the HTTP status alone decides.
        }

        var text = Encoding.UTF8.GetString(body).Trim();
        return Map(new ResourceStatus(code, fallbackReason, text.Length == 0 ? fallbackReason : text[..Math.Min(text.Length, 512)], [], retryAfter));
    }

    private static async Task<byte[]> ReadBoundedAsync(HttpContent content, int maxBytes, CancellationToken cancellationToken)
    {
        await using var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while (buffer.Length < maxBytes && (read = await stream.ReadAsync(chunk.AsMemory(0, (int)Math.Min(chunk.Length, maxBytes - buffer.Length)), cancellationToken).ConfigureAwait(false)) > 0)
        {
            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private static string? StringOf(JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;
}
