using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SpoSdk.AspNetCore.Metrics;
using SpoSdk.Profiles.Spod;
using SpoSdk.Runtime.Backends;
using SpoSdk.Runtime.Backends.InMemory;

namespace SpoSdk.AspNetCore.Auth;

/// <summary>
/// Lets a metrics scrape through only when its bearer token authenticates and its user may <c>get</c> the path,
/// like controller-runtime's <c>filters.WithAuthenticationAndAuthorization</c>: no or a rejected token → 401,
/// not allowed → 403, the cluster not answering → 503. Answers are remembered briefly (see
/// <see cref="SpoMetricsOptions"/>); tokens are remembered only as their SHA-256.
/// </summary>
/// <remarks>
/// No check at all when <see cref="SpoMetricsOptions.RequireAuthorization"/> is false, while the SPOD sets
/// <c>enableInsecureMetricsAccess</c> (upstream then serves plain HTTP to anyone), or when the backend is the
/// in-memory one and the request arrived on a loopback address: that backend has no users to review, and a
/// process on the same machine could read the in-memory store anyway. With the in-memory backend, requests
/// from elsewhere are refused (403), since nobody can be authorised.
/// </remarks>
public sealed class MetricsAccessFilter
{
    private readonly ConcurrentDictionary<string, (MetricsCaller? Caller, long Expires)> _tokens = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (bool Allowed, long Expires)> _decisions = new(StringComparer.Ordinal);
    private readonly SpoMetricsOptions _options;
    private readonly Func<IMetricsAccessReview?> _review;
    private readonly SpodSettingsProvider? _spod;
    private readonly bool _inMemoryBackend;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    /// <summary>Creates the filter.</summary>
    /// <param name="options">Caching and whether to check at all.</param>
    /// <param name="review">Asks the cluster; resolved on first use (null: no cluster to ask).</param>
    /// <param name="backend">The SDK instance's backend (the in-memory one changes the rules, see remarks).</param>
    /// <param name="spod">The SPOD settings, for <c>enableInsecureMetricsAccess</c>.</param>
    /// <param name="time">The clock of the caches.</param>
    /// <param name="logger">Logging.</param>
    public MetricsAccessFilter(IOptions<SpoMetricsOptions> options, Func<IMetricsAccessReview?> review, IClusterBackend? backend = null, SpodSettingsProvider? spod = null, TimeProvider? time = null, ILogger<MetricsAccessFilter>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(review);
        _options = options.Value;
        _review = review;
        _spod = spod;
        _inMemoryBackend = backend is InMemoryBackend;
        _time = time ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>How many review answers (token and permission) are remembered now; at most twice <see cref="SpoMetricsOptions.MaxCachedReviews"/>.</summary>
    public int CachedReviews => _tokens.Count + _decisions.Count;

    /// <summary>
    /// Checks the request; true lets it through, false means the response (401, 403 or 503, plain text) has been written.
    /// </summary>
    public async Task<bool> AllowAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!_options.RequireAuthorization || _spod?.Current.InsecureMetricsAccessEnabled == true)
        {
            return true;
        }

        if (_inMemoryBackend)
        {
            if (context.Connection.LocalIpAddress is { } local && IPAddress.IsLoopback(local))
            {
                return true;
            }

            return await RefuseAsync(context, StatusCodes.Status403Forbidden, "Forbidden: the in-memory backend cannot authorise metrics callers; scrape on loopback or set enableInsecureMetricsAccess").ConfigureAwait(false);
        }

        var token = BearerToken(context.Request);
        if (token is null)
        {
            return await RefuseAsync(context, StatusCodes.Status401Unauthorized, "Unauthorized").ConfigureAwait(false);
        }

        var review = _review();
        if (review is null)
        {
            return await RefuseAsync(context, StatusCodes.Status503ServiceUnavailable, "Authentication failed: no Kubernetes API to review the token").ConfigureAwait(false);
        }

        var ct = context.RequestAborted;
        MetricsCaller? caller;
        try
        {
            caller = await AuthenticateAsync(review, token, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            _logger.LogWarning(ex, "TokenReview for a metrics scrape failed");
            return await RefuseAsync(context, StatusCodes.Status503ServiceUnavailable, "Authentication failed: the TokenReview did not complete").ConfigureAwait(false);
        }

        if (caller is null)
        {
            return await RefuseAsync(context, StatusCodes.Status401Unauthorized, "Unauthorized").ConfigureAwait(false);
        }

        var verb = HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method) ? "get" : context.Request.Method.ToLowerInvariant();
        var path = context.Request.PathBase.Add(context.Request.Path).Value ?? "/";
        bool allowed;
        try
        {
            allowed = await AuthorizeAsync(review, caller, verb, path, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            _logger.LogWarning(ex, "SubjectAccessReview for {User} on {Path} failed", caller.Name, path);
            return await RefuseAsync(context, StatusCodes.Status503ServiceUnavailable, "Authorization failed: the SubjectAccessReview did not complete").ConfigureAwait(false);
        }

        return allowed || await RefuseAsync(context, StatusCodes.Status403Forbidden, $"Forbidden (user={caller.Name}, verb={verb}, resource=, subresource=, path={path})").ConfigureAwait(false);
    }

    private async Task<MetricsCaller?> AuthenticateAsync(IMetricsAccessReview review, string token, CancellationToken cancellationToken)
    {
        var key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
        var now = _time.GetTimestamp();
        if (_tokens.TryGetValue(key, out var known) && now < known.Expires)
        {
            return known.Caller;
        }

        var caller = await review.AuthenticateAsync(token, cancellationToken).ConfigureAwait(false);
        Remember(_tokens, key, (caller, now + Ticks(caller is null ? _options.DenyCacheDuration : _options.AuthenticationCacheDuration)));
        return caller;
    }

    private async Task<bool> AuthorizeAsync(IMetricsAccessReview review, MetricsCaller caller, string verb, string path, CancellationToken cancellationToken)
    {
        // Everything the review is asked about (extra too: a scoped token of a user differs from the full one only
        // there), unambiguously encoded, so a user whose groups or scopes change is asked about again.
        var key = DecisionKey(caller, verb, path);
        var now = _time.GetTimestamp();
        if (_decisions.TryGetValue(key, out var known) && now < known.Expires)
        {
            return known.Allowed;
        }

        var allowed = await review.AuthorizeAsync(caller, verb, path, cancellationToken).ConfigureAwait(false);
        Remember(_decisions, key, (allowed, now + Ticks(allowed ? _options.AllowCacheDuration : _options.DenyCacheDuration)));
        return allowed;
    }

    private static string DecisionKey(MetricsCaller caller, string verb, string path)
    {
        var spec = new System.Text.Json.Nodes.JsonArray(
            caller.Name,
            caller.Uid,
            new System.Text.Json.Nodes.JsonArray([.. caller.Groups.Select(g => (System.Text.Json.Nodes.JsonNode?)g)]),
            new System.Text.Json.Nodes.JsonArray([.. caller.Extra.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => (System.Text.Json.Nodes.JsonNode?)new System.Text.Json.Nodes.JsonArray([e.Key, .. e.Value.Select(v => (System.Text.Json.Nodes.JsonNode?)v)]))]),
            verb,
            path);
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(spec.ToJsonString())));
    }

    private void Remember<T>(ConcurrentDictionary<string, (T Value, long Expires)> cache, string key, (T Value, long Expires) entry)
    {
        if (cache.Count >= _options.MaxCachedReviews)
        {
            var now = _time.GetTimestamp();
            foreach (var (staleKey, stale) in cache)
            {
                if (stale.Expires <= now)
                {
                    cache.TryRemove(staleKey, out _);
                }
            }

            if (cache.Count >= _options.MaxCachedReviews)
            {
                cache.Clear();
            }
        }

        cache[key] = entry;
    }

    private long Ticks(TimeSpan duration) => (long)(duration.TotalSeconds * _time.TimestampFrequency);

    private static string? BearerToken(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        const string Scheme = "Bearer ";
        if (!header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var token = header[Scheme.Length..].Trim();
        return token.Length == 0 ? null : token;
    }

    private static async Task<bool> RefuseAsync(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync(message + "\n", context.RequestAborted).ConfigureAwait(false);
        return false;
    }
}
