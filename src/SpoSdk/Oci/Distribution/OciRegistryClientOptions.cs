namespace SpoSdk.Oci.Distribution;

/// <summary>How an <see cref="OciRegistryClient"/> talks to registries.</summary>
public sealed record OciRegistryClientOptions
{
    /// <summary>
    /// Talk plain HTTP to every registry. Off by default: then only loopback registries may be
    /// reached over HTTP, and only after HTTPS failed (as docker treats 127.0.0.0/8).
    /// </summary>
    public bool PlainHttp { get; init; }

    /// <summary>The largest manifest or index read (default 4 MiB, the limit ORAS and containerd use).</summary>
    public long MaxManifestBytes { get; init; } = 4 << 20;

    /// <summary>The largest blob read into memory (default 16 MiB, far above any profile).</summary>
    public long MaxBlobBytes { get; init; } = 16 << 20;

    /// <summary>Blobs larger than this are uploaded in chunks under <see cref="BlobUploadMode.Auto"/> (default 4 MiB).</summary>
    public int MonolithicUploadLimit { get; init; } = 4 << 20;

    /// <summary>The chunk size of chunked uploads (default 1 MiB).</summary>
    public int ChunkSize { get; init; } = 1 << 20;

    /// <summary>
    /// How long one operation (a manifest or blob read or upload, a tag list, a referrers query; each with
    /// its requests, token fetches and body reads) may take before it fails with an
    /// <see cref="OciRegistryException"/> that says it timed out (default 5 min, as the HttpClient the SDK
    /// and spoc create). Unlike <see cref="HttpClient.Timeout"/>, it also bounds the reading of bodies.
    /// <see cref="Timeout.InfiniteTimeSpan"/> turns it off.
    /// </summary>
    public TimeSpan OperationTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The <c>User-Agent</c> sent.</summary>
    public string UserAgent { get; init; } = "sposdk-oci/1.0";
}

/// <summary>How a blob is uploaded.</summary>
public enum BlobUploadMode
{
    /// <summary>Monolithic up to <see cref="OciRegistryClientOptions.MonolithicUploadLimit"/>, chunked above.</summary>
    Auto,

    /// <summary>One PUT with the whole blob (after the POST that opens the session).</summary>
    Monolithic,

    /// <summary>PATCH requests of <see cref="OciRegistryClientOptions.ChunkSize"/> bytes with <c>Content-Range</c>, then a closing PUT.</summary>
    Chunked,
}
