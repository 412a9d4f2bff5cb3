namespace SpoSdk.Runtime.Backends.Kubernetes;

/// <summary>Settings of a <see cref="KubernetesBackend"/>.</summary>
public sealed record KubernetesBackendOptions
{
    /// <summary>How many objects one list request asks for; lists are read page by page with continue tokens.</summary>
    public int PageSize { get; init; } = 500;

    /// <summary>
    /// How long one watch request runs before the server ends it and the client reconnects from the
    /// last version seen (the request's <c>timeoutSeconds</c>). If the stream goes silent for longer
    /// than this plus a grace period, the client gives up on the connection and reconnects too.
    /// </summary>
    public TimeSpan WatchTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The largest single watch event accepted; a longer line fails the watch rather than growing memory without bound.</summary>
    public int MaxWatchEventBytes { get; init; } = 16 * 1024 * 1024;

    /// <summary>
    /// Whether requests offer HTTP/2, which a TLS server then negotiates (many watches share one
    /// connection); plain HTTP stays on 1.1. Turn off behind proxies that mishandle HTTP/2.
    /// <see cref="KubernetesBackend.FromConfiguration"/> also honours the configuration's DisableHttp2.
    /// </summary>
    public bool UseHttp2 { get; init; } = true;

    /// <summary>The largest error body read to explain a failed request.</summary>
    public int MaxErrorBodyBytes { get; init; } = 1024 * 1024;
}
