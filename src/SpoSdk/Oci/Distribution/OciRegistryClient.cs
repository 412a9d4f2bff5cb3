using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Authentication;
using System.Text;
using System.Text.Json;
using SpoSdk.Oci.Authentication;
using SpoSdk.Oci.Content;
using SpoSdk.Oci.References;

namespace SpoSdk.Oci.Distribution;

/// <summary>
/// A client of the OCI distribution API (registry v2) on an injected <see cref="HttpClient"/>:
/// manifests, blobs (monolithic and chunked upload), tags and referrers (with the tag-schema fallback),
/// with anonymous, Basic and bearer-token authentication through the <c>WWW-Authenticate</c> challenge.
/// Every manifest and blob read is checked against its digest and size before it is returned.
/// HTTPS is used unless <see cref="OciRegistryClientOptions.PlainHttp"/> is set or the registry is on
/// a loopback address and does not speak TLS. Each operation (every request it makes, token fetches and
/// the reading of every body included) is bounded by <see cref="OciRegistryClientOptions.OperationTimeout"/>,
/// and fails with an <see cref="OciRegistryException"/> that says it timed out when it runs longer; the
/// caller's own cancellation still ends it with <see cref="OperationCanceledException"/>.
/// </summary>
public sealed class OciRegistryClient : IDisposable
{
    private const int MaxErrorBodyBytes = 64 << 10;
    private const int MaxTagPages = 100;
    private const string PullScope = "pull";
    private const string PushScope = "pull,push";

    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly RegistryAuthenticator _auth;
    private readonly ConcurrentDictionary<string, string> _schemes = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Creates a client.</summary>
    /// <param name="httpClient">The client every request goes through (its handler decides TLS trust, proxies, redirects).</param>
    /// <param name="options">Transport options; defaults when null.</param>
    /// <param name="credentials">Where credentials come from; anonymous only when null.</param>
    /// <param name="timeProvider">The clock for token lifetimes; the system clock when null.</param>
    /// <param name="disposeHttpClient">Whether disposing this client disposes <paramref name="httpClient"/>.</param>
    public OciRegistryClient(HttpClient httpClient, OciRegistryClientOptions? options = null, IRegistryCredentialProvider? credentials = null, TimeProvider? timeProvider = null, bool disposeHttpClient = false)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        _http = httpClient;
        _ownsHttp = disposeHttpClient;
        Options = options ?? new OciRegistryClientOptions();
        var timeout = Options.OperationTimeout;
        if (timeout != Timeout.InfiniteTimeSpan && (timeout <= TimeSpan.Zero || timeout.TotalMilliseconds > int.MaxValue))
        {
            throw new ArgumentOutOfRangeException(nameof(options), timeout, "OperationTimeout must be positive and at most " + int.MaxValue + " ms, or Timeout.InfiniteTimeSpan");
        }

        _auth = new RegistryAuthenticator(httpClient, credentials, timeProvider ?? TimeProvider.System, timeout);
    }

    /// <summary>The transport options.</summary>
    public OciRegistryClientOptions Options { get; }

    /// <summary>Fetches a manifest or index by tag or digest and verifies it (digest, size limit, media type).</summary>
    public async Task<OciManifestContent> GetManifestAsync(OciReference repository, string tagOrDigest, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(repository);
        ArgumentException.ThrowIfNullOrEmpty(tagOrDigest);
        OciDigest? expected = null;
        if (tagOrDigest.Contains(':'))
        {
            expected = OciDigest.TryParse(tagOrDigest, out var parsed, out var error) ? parsed : throw new ArgumentException(error, nameof(tagOrDigest));
        }

        return await TimedAsync(repository, "manifest " + Name(repository, tagOrDigest), t => GetManifestCoreAsync(repository, tagOrDigest, expected, t), cancellationToken).ConfigureAwait(false);
    }

    private async Task<OciManifestContent> GetManifestCoreAsync(OciReference repository, string tagOrDigest, OciDigest? expected, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(repository, PullScope, HttpMethod.Get, "manifests/" + tagOrDigest, null, r => AcceptManifests(r), cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, "manifest " + repository.Name + ":" + tagOrDigest, cancellationToken).ConfigureAwait(false);
        var content = await ReadLimitedAsync(response.Content, Options.MaxManifestBytes, "manifest " + tagOrDigest, cancellationToken).ConfigureAwait(false);

        OciDigest? announced = null;
        if (response.Headers.TryGetValues("Docker-Content-Digest", out var values) && values.FirstOrDefault() is { } header)
        {
            announced = OciDigest.TryParse(header, out var parsed, out _) ? parsed
                : throw new OciContentException("registry announced an invalid digest '" + header + "' for " + repository.Name + ":" + tagOrDigest);
        }

        if (expected is { } pinned && !pinned.Matches(content))
        {
            throw new OciContentException("manifest " + repository.Name + "@" + pinned + " does not match its digest (got " + OciDigest.Compute(pinned.Algorithm, content) + ")");
        }

        if (announced is { } claimed && !claimed.Matches(content))
        {
            throw new OciContentException("manifest " + repository.Name + ":" + tagOrDigest + " does not match the digest the registry announced (" + claimed + ")");
        }

        var digest = expected ?? OciDigest.Compute(content);
        return new OciManifestContent(content, ManifestMediaType(content, response.Content.Headers.ContentType?.MediaType, tagOrDigest), digest);
    }

    /// <summary>Uploads a manifest under a tag or its digest; returns its descriptor. Manifests with a <c>subject</c> are added to the referrers tag when the registry has no referrers API.</summary>
    public async Task<OciDescriptor> PutManifestAsync(OciReference repository, string tagOrDigest, byte[] content, string mediaType, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(repository);
        ArgumentNullException.ThrowIfNull(content);
        ArgumentException.ThrowIfNullOrEmpty(tagOrDigest);
        return await TimedAsync(repository, "upload of manifest " + Name(repository, tagOrDigest), t => PutManifestCoreAsync(repository, tagOrDigest, content, mediaType, t), cancellationToken).ConfigureAwait(false);
    }

    private async Task<OciDescriptor> PutManifestCoreAsync(OciReference repository, string tagOrDigest, byte[] content, string mediaType, CancellationToken cancellationToken)
    {
        var digest = OciDigest.Compute(content);
        if (tagOrDigest.Contains(':') && tagOrDigest != digest.ToString())
        {
            throw new OciContentException("manifest digest " + digest + " differs from the reference's digest " + tagOrDigest);
        }

        using var response = await SendAsync(repository, PushScope, HttpMethod.Put, "manifests/" + tagOrDigest, () => Bytes(content, mediaType), null, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, "upload of manifest " + repository.Name + ":" + tagOrDigest, cancellationToken).ConfigureAwait(false);
        CheckAnnouncedDigest(response, digest, "manifest " + tagOrDigest);
        var descriptor = new OciDescriptor { MediaType = mediaType, Digest = digest.ToString(), Size = content.Length };

        if (OciMediaTypes.IsManifest(mediaType) && !response.Headers.Contains("OCI-Subject"))
        {
            var manifest = OciJson.ParseManifest(content);
            if (manifest.Subject is { } subject)
            {
                await AddToReferrersTagAsync(repository, subject.ParsedDigest, descriptor with
                {
                    ArtifactType = manifest.ArtifactType ?? manifest.Config.MediaType,
                    Annotations = manifest.Annotations,
                }, cancellationToken).ConfigureAwait(false);
            }
        }

        return descriptor;
    }

    /// <summary>Whether the repository holds the blob.</summary>
    public async Task<bool> BlobExistsAsync(OciReference repository, OciDigest digest, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(repository);
        return await TimedAsync(repository, "blob " + repository.Name + "@" + digest, t => BlobExistsCoreAsync(repository, digest, t), cancellationToken).ConfigureAwait(false);
    }

    private async Task<bool> BlobExistsCoreAsync(OciReference repository, OciDigest digest, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(repository, PullScope, HttpMethod.Head, "blobs/" + digest, null, null, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }

        await EnsureSuccessAsync(response, "blob " + digest, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// Fetches a blob into memory, failing with <see cref="OciContentException"/> when it is larger than
    /// the descriptor says or than <see cref="OciRegistryClientOptions.MaxBlobBytes"/>, truncated, or does
    /// not match its digest.
    /// </summary>
    public async Task<byte[]> GetBlobAsync(OciReference repository, OciDescriptor descriptor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(repository);
        ArgumentNullException.ThrowIfNull(descriptor);
        var digest = descriptor.ParsedDigest;
        if (descriptor.Size < 0 || descriptor.Size > Options.MaxBlobBytes)
        {
            throw new OciContentException("blob " + digest + " has " + descriptor.Size + " bytes, the limit is " + Options.MaxBlobBytes);
        }

        return await TimedAsync(repository, "blob " + repository.Name + "@" + digest, t => GetBlobCoreAsync(repository, descriptor, digest, t), cancellationToken).ConfigureAwait(false);
    }

    private async Task<byte[]> GetBlobCoreAsync(OciReference repository, OciDescriptor descriptor, OciDigest digest, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(repository, PullScope, HttpMethod.Get, "blobs/" + digest, null, null, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, "blob " + repository.Name + "@" + digest, cancellationToken).ConfigureAwait(false);
        byte[] content;
        try
        {
            content = await ReadLimitedAsync(response.Content, descriptor.Size, "blob " + digest, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            throw new OciContentException("blob " + digest + " could not be read completely: " + ex.Message, ex);
        }

        if (content.Length != descriptor.Size)
        {
            throw new OciContentException("blob " + digest + " is truncated: " + content.Length + " of " + descriptor.Size + " bytes");
        }

        if (!digest.Matches(content))
        {
            throw new OciContentException("blob " + repository.Name + "@" + digest + " does not match its digest (got " + OciDigest.Compute(digest.Algorithm, content) + ")");
        }

        return content;
    }

    /// <summary>Uploads a blob unless the repository has it already; returns its digest.</summary>
    public async Task<OciDigest> PushBlobAsync(OciReference repository, ReadOnlyMemory<byte> content, BlobUploadMode mode = BlobUploadMode.Auto, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(repository);
        var digest = OciDigest.Compute(content.Span);
        return await TimedAsync(repository, "upload of blob " + repository.Name + "@" + digest, t => PushBlobCoreAsync(repository, content, digest, mode, t), cancellationToken).ConfigureAwait(false);
    }

    private async Task<OciDigest> PushBlobCoreAsync(OciReference repository, ReadOnlyMemory<byte> content, OciDigest digest, BlobUploadMode mode, CancellationToken cancellationToken)
    {
        if (await BlobExistsCoreAsync(repository, digest, cancellationToken).ConfigureAwait(false))
        {
            return digest;
        }

        var location = await StartUploadAsync(repository, cancellationToken).ConfigureAwait(false);
        var chunked = mode == BlobUploadMode.Chunked || (mode == BlobUploadMode.Auto && content.Length > Options.MonolithicUploadLimit);
        ReadOnlyMemory<byte> last = content;
        if (chunked)
        {
            for (var offset = 0; offset < content.Length; offset += Options.ChunkSize)
            {
                var chunk = content.Slice(offset, Math.Min(Options.ChunkSize, content.Length - offset));
                var start = offset;
                using var patch = await SendAsync(repository, PushScope, HttpMethod.Patch, location, () =>
                {
                    var body = Bytes(chunk, "application/octet-stream");
                    body.Headers.TryAddWithoutValidation("Content-Range", start + "-" + (start + chunk.Length - 1));
                    return body;
                }, null, cancellationToken).ConfigureAwait(false);
                await EnsureSuccessAsync(patch, "chunk " + start + " of blob " + digest, cancellationToken).ConfigureAwait(false);
                location = NextLocation(patch, location);
            }

            last = ReadOnlyMemory<byte>.Empty;
        }

        var separator = location.Contains('?') ? "&" : "?";
        using var put = await SendAsync(repository, PushScope, HttpMethod.Put, location + separator + "digest=" + Uri.EscapeDataString(digest.ToString()), () => Bytes(last, "application/octet-stream"), null, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(put, "upload of blob " + digest, cancellationToken).ConfigureAwait(false);
        CheckAnnouncedDigest(put, digest, "blob");
        return digest;
    }

    /// <summary>The repository's tags, following <c>Link</c> pagination.</summary>
    public async Task<IReadOnlyList<string>> ListTagsAsync(OciReference repository, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(repository);
        return await TimedAsync(repository, "tags of " + repository.Name, t => ListTagsCoreAsync(repository, t), cancellationToken).ConfigureAwait(false);
    }

    private async Task<IReadOnlyList<string>> ListTagsCoreAsync(OciReference repository, CancellationToken cancellationToken)
    {
        var tags = new List<string>();
        var next = "tags/list?n=1000";
        for (var page = 0; next is not null && page < MaxTagPages; page++)
        {
            using var response = await SendAsync(repository, PullScope, HttpMethod.Get, next, null, null, cancellationToken).ConfigureAwait(false);
            await EnsureSuccessAsync(response, "tags of " + repository.Name, cancellationToken).ConfigureAwait(false);
            var body = await ReadLimitedAsync(response.Content, Options.MaxManifestBytes, "tag list", cancellationToken).ConfigureAwait(false);
            try
            {
                using var json = JsonDocument.Parse(body);
                if (json.RootElement.TryGetProperty("tags", out var list) && list.ValueKind == JsonValueKind.Array)
                {
                    tags.AddRange(list.EnumerateArray().Where(t => t.ValueKind == JsonValueKind.String).Select(t => t.GetString()!));
                }
            }
            catch (JsonException ex)
            {
                throw new OciContentException("malformed tag list of " + repository.Name + ": " + ex.Message, ex);
            }

            next = NextPage(response);
        }

        return tags;
    }

    /// <summary>
    /// The manifests referring to <paramref name="subject"/>, optionally of one artifact type: from the
    /// referrers API, or, when the registry has none (404), from the <c>&lt;alg&gt;-&lt;hex&gt;</c> tag.
    /// </summary>
    public async Task<OciReferrers> GetReferrersAsync(OciReference repository, OciDigest subject, string? artifactType = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(repository);
        return await TimedAsync(repository, "referrers of " + repository.Name + "@" + subject, t => GetReferrersCoreAsync(repository, subject, artifactType, t), cancellationToken).ConfigureAwait(false);
    }

    private async Task<OciReferrers> GetReferrersCoreAsync(OciReference repository, OciDigest subject, string? artifactType, CancellationToken cancellationToken)
    {
        var path = "referrers/" + subject + (artifactType is null ? string.Empty : "?artifactType=" + Uri.EscapeDataString(artifactType));
        using (var response = await SendAsync(repository, PullScope, HttpMethod.Get, path, null, r => r.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(OciMediaTypes.ImageIndex)), cancellationToken).ConfigureAwait(false))
        {
            if (response.StatusCode != HttpStatusCode.NotFound)
            {
                await EnsureSuccessAsync(response, "referrers of " + subject, cancellationToken).ConfigureAwait(false);
                var body = await ReadLimitedAsync(response.Content, Options.MaxManifestBytes, "referrers index", cancellationToken).ConfigureAwait(false);
                return new OciReferrers(Filter(OciJson.ParseIndex(body).Manifests, artifactType), FromTagSchema: false);
            }
        }

        var index = await ReadReferrersTagAsync(repository, subject, cancellationToken).ConfigureAwait(false);
        return new OciReferrers(Filter(index?.Manifests ?? [], artifactType), FromTagSchema: true);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }

    /// <summary>How a timeout reads in messages: whole seconds when it has no fraction.</summary>
    internal static string Describe(TimeSpan timeout) =>
        timeout.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture) + " s";

    internal static async Task<byte[]> ReadLimitedAsync(HttpContent content, long limit, string what, CancellationToken cancellationToken)
    {
        if (content.Headers.ContentLength is { } length && length > limit)
        {
            throw new OciContentException(what + " has " + length + " bytes, the limit is " + limit);
        }

        await using var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        while (true)
        {
            var read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return buffer.ToArray();
            }

            if (buffer.Length + read > limit)
            {
                throw new OciContentException(what + " is larger than " + limit + " bytes");
            }

            buffer.Write(chunk, 0, read);
        }
    }

    internal static string Describe(byte[] body)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            if (json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array)
            {
                return string.Join("; ", errors.EnumerateArray().Select(e =>
                    (e.TryGetProperty("code", out var c) ? c.ToString() : "ERROR") + ": " + (e.TryGetProperty("message", out var m) ? m.ToString() : string.Empty)));
            }
        }
        catch (JsonException)
        {
            // Not the distribution error shape: show the text.
        }

        var text = Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 300)).Trim();
        return text.Length == 0 ? "(no body)" : text;
    }

    private static string Name(OciReference repository, string tagOrDigest) =>
        repository.Name + (tagOrDigest.Contains(':') ? "@" : ":") + tagOrDigest;

    private static IReadOnlyList<OciDescriptor> Filter(IReadOnlyList<OciDescriptor> manifests, string? artifactType) =>
        artifactType is null ? manifests : manifests.Where(m => m.ArtifactType == artifactType).ToList();

    private static void AcceptManifests(HttpRequestMessage request)
    {
        foreach (var type in OciMediaTypes.ManifestTypes)
        {
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(type));
        }
    }

    private static ReadOnlyMemoryContent Bytes(ReadOnlyMemory<byte> content, string mediaType)
    {
        var body = new ReadOnlyMemoryContent(content);
        body.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        return body;
    }

    private static void CheckAnnouncedDigest(HttpResponseMessage response, OciDigest digest, string what)
    {
        if (response.Headers.TryGetValues("Docker-Content-Digest", out var values) && values.FirstOrDefault() is { } header && header != digest.ToString())
        {
            throw new OciContentException("registry stored " + what + " as " + header + ", but its digest is " + digest);
        }
    }

    // The media type a manifest declares wins over the response's; a conflict between them is an attack
    // on clients that trust one and parse by the other (CVE-2021-41190), so it is an error.
    private static string ManifestMediaType(byte[] content, string? responseType, string what)
    {
        string? declared = null;
        var looksLikeIndex = false;
        try
        {
            using var json = JsonDocument.Parse(content);
            if (json.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new OciContentException("manifest " + what + " is not a JSON object");
            }

            if (json.RootElement.TryGetProperty("mediaType", out var mediaType) && mediaType.ValueKind == JsonValueKind.String)
            {
                declared = mediaType.GetString();
            }

            looksLikeIndex = json.RootElement.TryGetProperty("manifests", out _);
        }
        catch (JsonException ex)
        {
            throw new OciContentException("manifest " + what + " is not valid JSON: " + ex.Message, ex);
        }

        var response = OciMediaTypes.ManifestTypes.Contains(responseType) ? responseType : null;
        if (declared is not null && response is not null && declared != response)
        {
            throw new OciContentException("manifest " + what + " declares media type " + declared + " but was served as " + response);
        }

        return declared ?? response ?? (looksLikeIndex ? OciMediaTypes.ImageIndex : OciMediaTypes.ImageManifest);
    }

    private static string NextLocation(HttpResponseMessage response, string current) =>
        response.Headers.Location is { } location ? location.ToString() : current;

    private static string? NextPage(HttpResponseMessage response)
    {
        if (!response.Headers.TryGetValues("Link", out var links))
        {
            return null;
        }

        foreach (var link in links)
        {
            var start = link.IndexOf('<');
            var end = link.IndexOf('>');
            if (start >= 0 && end > start && link.Contains("rel=\"next\"", StringComparison.Ordinal))
            {
                var target = link[(start + 1)..end];
                var v2 = target.IndexOf("/tags/list", StringComparison.Ordinal);
                return v2 >= 0 ? target[(v2 + 1)..] : null;
            }
        }

        return null;
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        byte[] body;
        try
        {
            body = await ReadLimitedAsync(response.Content, MaxErrorBodyBytes, "error response", cancellationToken).ConfigureAwait(false);
        }
        catch (OciContentException)
        {
            body = [];
        }

        var codes = new List<string>();
        try
        {
            using var json = JsonDocument.Parse(body);
            if (json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array)
            {
                codes.AddRange(errors.EnumerateArray().Where(e => e.TryGetProperty("code", out _)).Select(e => e.GetProperty("code").ToString()));
            }
        }
        catch (JsonException)
        {
            // A plain-text error body: no codes.
        }

        var reason = response.StatusCode switch
        {
            HttpStatusCode.NotFound => "not found",
            HttpStatusCode.Unauthorized => "authentication failed",
            HttpStatusCode.Forbidden => "access denied",
            _ => "failed",
        };
        throw new OciRegistryException(what + ": " + reason + " (" + (int)response.StatusCode + " " + Describe(body) + ")", response.StatusCode, codes);
    }

    // HttpClient.Timeout ends at the headers under ResponseHeadersRead, so a registry that stalls in a
    // body would hold the caller (the node's seccomp reconciler, spoc) forever: the whole operation runs
    // under its own deadline. Its expiry, or HttpClient.Timeout's (a cancellation the caller did not ask
    // for), is a registry failure; the caller's own cancellation passes through as a cancellation.
    private async Task<T> TimedAsync<T>(OciReference repository, string what, Func<CancellationToken, Task<T>> operation, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(Options.OperationTimeout);
        try
        {
            return await operation(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            var after = deadline.IsCancellationRequested ? " after " + Describe(Options.OperationTimeout) : " (" + ex.Message + ")";
            throw new OciRegistryException("registry " + repository.Registry + " timed out" + after + " on " + what, innerException: ex);
        }
    }

    private async Task<string> StartUploadAsync(OciReference repository, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(repository, PushScope, HttpMethod.Post, "blobs/uploads/", () => new ByteArrayContent([]), null, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, "blob upload to " + repository.Name, cancellationToken).ConfigureAwait(false);
        return response.Headers.Location?.ToString() ?? throw new OciRegistryException("registry opened an upload to " + repository.Name + " without a Location", response.StatusCode);
    }

    private async Task AddToReferrersTagAsync(OciReference repository, OciDigest subject, OciDescriptor referrer, CancellationToken cancellationToken)
    {
        var index = await ReadReferrersTagAsync(repository, subject, cancellationToken).ConfigureAwait(false) ?? new OciIndex();
        if (index.Manifests.Any(m => m.Digest == referrer.Digest))
        {
            return;
        }

        var updated = index with { MediaType = OciMediaTypes.ImageIndex, Manifests = [.. index.Manifests, referrer] };
        await PutManifestCoreAsync(repository, subject.TagForm, OciJson.Serialize(updated), OciMediaTypes.ImageIndex, cancellationToken).ConfigureAwait(false);
    }

    private async Task<OciIndex?> ReadReferrersTagAsync(OciReference repository, OciDigest subject, CancellationToken cancellationToken)
    {
        try
        {
            var tag = await GetManifestCoreAsync(repository, subject.TagForm, null, cancellationToken).ConfigureAwait(false);
            return tag.IsIndex ? OciJson.ParseIndex(tag.Content) : throw new OciContentException("referrers tag " + subject.TagForm + " is not an index");
        }
        catch (OciRegistryException ex) when (ex.IsNotFound)
        {
            return null;
        }
    }

    private async Task<HttpResponseMessage> SendAsync(OciReference repository, string actions, HttpMethod method, string path, Func<HttpContent>? content, Action<HttpRequestMessage>? configure, CancellationToken cancellationToken)
    {
        var scope = "repository:" + repository.Repository + ":" + actions;
        var baseUri = await BaseUriAsync(repository, cancellationToken).ConfigureAwait(false);
        var uri = Uri.TryCreate(path, UriKind.Absolute, out var absolute) && absolute.Scheme is "http" or "https"
            ? absolute
            : new Uri(baseUri, path.StartsWith('/') ? path : "/v2/" + repository.Repository + "/" + path);
        // Upload locations may point elsewhere (object storage); credentials go to the registry only.
        var sameHost = uri.Authority == baseUri.Authority && uri.Scheme == baseUri.Scheme;
        for (var attempt = 0; ; attempt++)
        {
            using var request = new HttpRequestMessage(method, uri) { Content = content?.Invoke() };
            request.Headers.UserAgent.ParseAdd(Options.UserAgent);
            configure?.Invoke(request);
            if (sameHost)
            {
                request.Headers.Authorization = await _auth.HeaderAsync(repository.Registry, scope, baseUri.Scheme == "http", cancellationToken).ConfigureAwait(false);
            }

            HttpResponseMessage response;
            try
            {
                response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException ex)
            {
                throw new OciRegistryException("cannot reach registry " + repository.Registry + " (" + uri.GetLeftPart(UriPartial.Authority) + "): " + ex.Message, innerException: ex);
            }

            if (response.StatusCode != HttpStatusCode.Unauthorized || attempt > 0 || !sameHost)
            {
                return response;
            }

            var challenges = AuthChallenge.FromHeaders(response.Headers.WwwAuthenticate);
            bool retry;
            try
            {
                retry = await _auth.AnswerAsync(repository.Registry, scope, challenges, baseUri.Scheme == "http", cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                response.Dispose();
                throw;
            }

            if (!retry)
            {
                return response;
            }

            response.Dispose();
        }
    }

    private async ValueTask<Uri> BaseUriAsync(OciReference repository, CancellationToken cancellationToken)
    {
        if (Options.PlainHttp)
        {
            return new Uri("http://" + repository.ApiHost);
        }

        if (!repository.IsLoopback)
        {
            return new Uri("https://" + repository.ApiHost);
        }

        if (!_schemes.TryGetValue(repository.ApiHost, out var scheme))
        {
            scheme = await ProbeTlsAsync(repository.ApiHost, cancellationToken).ConfigureAwait(false) ? "https" : "http";
            _schemes[repository.ApiHost] = scheme;
        }

        return new Uri(scheme + "://" + repository.ApiHost);
    }

    // Loopback registries may be plain HTTP (docker allows 127.0.0.0/8 so): HTTPS first; HTTP only when
    // the TLS handshake fails and the same port then answers /v2/ as a registry does (200 or 401). A TLS
    // registry whose certificate is not trusted answers plain HTTP with 400, so it stays on HTTPS and
    // fails with the certificate error instead of being downgraded.
    private async Task<bool> ProbeTlsAsync(string host, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await ProbeAsync("https://" + host + "/v2/", cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (HttpRequestException ex) when (ex.HttpRequestError == HttpRequestError.SecureConnectionError || ex.InnerException is AuthenticationException)
        {
            try
            {
                using var plain = await ProbeAsync("http://" + host + "/v2/", cancellationToken).ConfigureAwait(false);
                return plain.StatusCode is not (HttpStatusCode.OK or HttpStatusCode.Unauthorized);
            }
            catch (HttpRequestException)
            {
                return true;
            }
        }
        catch (HttpRequestException ex)
        {
            throw new OciRegistryException("cannot reach registry " + host + ": " + ex.Message, innerException: ex);
        }
    }

    private async Task<HttpResponseMessage> ProbeAsync(string uri, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        request.Headers.UserAgent.ParseAdd(Options.UserAgent);
        return await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
    }
}
