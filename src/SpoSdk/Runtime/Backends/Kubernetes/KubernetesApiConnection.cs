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

    public KubernetesApiConnection(k8s.Kubernetes client, KubernetesBackendOptions options, bool useHttp2)
    {
        _http = client.HttpClient;
        _credentials = client.Credentials;

        // A base address may carry a path (a proxy such as Rancher's /k8s/clusters/ID); keep it.
        _baseAddress = client.BaseUri.AbsoluteUri.TrimEnd('/');
        _maxErrorBodyBytes = options.MaxErrorBodyBytes;

        // As the client does: HTTP/2 where TLS negotiates it (many watches share one connection), 1.1 otherwise.
        _httpVersion = useHttp2 ? HttpVersion.Version20 : HttpVersion.Version11;
    }

    /// <summary>
    /// Sends a request and returns the successful response with its body unread (the caller
    /// disposes it); throws the mapped <see cref="ResourceException"/> otherwise.
    /// </summary>
    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string pathAndQuery, byte[]? jsonBody, CancellationToken cancellationToken)
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
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
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
    public static ResourceException FromStatus(JsonElement status, int fallbackCode, string fallbackReason)
    {
        if (status.ValueKind != JsonValueKind.Object)
        {
            return Map(fallbackCode, fallbackReason, fallbackReason, []);
        }

        var code = status.TryGetProperty("code", out var c) && c.TryGetInt32(out var n) && n > 0 ? n : fallbackCode;
        var reason = StringOf(status, "reason") is { Length: > 0 } r ? r : fallbackReason;
        var message = StringOf(status, "message") is { Length: > 0 } m ? m : reason;
        var causes = new List<(string, string)>();
        if (status.TryGetProperty("details", out var details) && details.ValueKind == JsonValueKind.Object
            && details.TryGetProperty("causes", out var list) && list.ValueKind == JsonValueKind.Array)
        {
            foreach (var cause in list.EnumerateArray())
            {
                causes.Add((StringOf(cause, "field") ?? string.Empty, StringOf(cause, "message") ?? string.Empty));
            }
        }

        return Map(code, reason, message, causes);
    }

    private static ResourceException Map(int code, string reason, string message, IReadOnlyList<(string Field, string Message)> causes) => code switch
    {
        404 => new ResourceNotFoundException(message),
        409 when reason == "AlreadyExists" => new ResourceAlreadyExistsException(message),
        409 => new ResourceConflictException(message),
        410 => new ResourceGoneException(message),
        422 => new ResourceInvalidException(message, causes),
        _ => new KubernetesApiException(code, reason, message),
    };

    private async Task<ResourceException> ErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var code = (int)response.StatusCode;
        var fallbackReason = response.ReasonPhrase ?? response.StatusCode.ToString();
        var body = await ReadBoundedAsync(response.Content, _maxErrorBodyBytes, cancellationToken).ConfigureAwait(false);
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object && StringOf(document.RootElement, "kind") == "Status")
            {
                return FromStatus(document.RootElement, code, fallbackReason);
            }
        }
        catch (JsonException)
        {
            // Not a Status (a proxy's HTML page, say): the HTTP status alone decides.
        }

        var text = Encoding.UTF8.GetString(body).Trim();
        return Map(code, fallbackReason, text.Length == 0 ? fallbackReason : text[..Math.Min(text.Length, 512)], []);
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
