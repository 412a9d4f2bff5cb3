using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using SpoSdk.Oci.Distribution;

namespace SpoSdk.Oci.Authentication;

/// <summary>
/// The registry side of the WWW-Authenticate flow: remembers which scheme each registry asked for,
/// sends Basic credentials pre-emptively once asked, and fetches, caches (until <c>expires_in</c>, by
/// the injected clock) and attaches bearer tokens per registry and scope.
/// </summary>
internal sealed class RegistryAuthenticator
{
    private const int MaxTokenResponseBytes = 1 << 20;
    private static readonly TimeSpan MinimumTokenLifetime = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan ExpiryMargin = TimeSpan.FromSeconds(5);

    private readonly HttpClient _http;
    private readonly IRegistryCredentialProvider? _credentials;
    private readonly TimeProvider _time;
    private readonly TimeSpan _timeout;
    private readonly ConcurrentDictionary<string, AuthChallenge> _challenges = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<(string Registry, string Scope), (string Token, DateTimeOffset Expires)> _tokens = new();

    public RegistryAuthenticator(HttpClient http, IRegistryCredentialProvider? credentials, TimeProvider time, TimeSpan timeout)
    {
        _http = http;
        _credentials = credentials;
        _time = time;
        _timeout = timeout;
    }

    /// <summary>
    /// The header to send with a request for <paramref name="scope"/>, from what the registry asked for
    /// before: Basic credentials, or a bearer token (a new one is fetched up front when the cached one
    /// expired or the scope is new, saving the 401 round trip).
    /// </summary>
    public async ValueTask<AuthenticationHeaderValue?> HeaderAsync(string registry, string scope, bool allowPlainHttpRealm, CancellationToken cancellationToken)
    {
        if (!_challenges.TryGetValue(registry, out var challenge))
        {
            return null;
        }

        if (IsBasic(challenge))
        {
            return await BasicAsync(registry, cancellationToken).ConfigureAwait(false);
        }

        if (!_tokens.TryGetValue((registry, scope), out var token) || token.Expires <= _time.GetUtcNow())
        {
            // The scope the registry named belonged to another request; this one asks for its own.
            var general = challenge with { Parameters = challenge.Parameters.Where(p => !p.Key.Equals("scope", StringComparison.OrdinalIgnoreCase)).ToDictionary(StringComparer.OrdinalIgnoreCase) };
            token = await FetchTokenAsync(registry, scope, general, allowPlainHttpRealm, cancellationToken).ConfigureAwait(false);
            _tokens[(registry, scope)] = token;
        }

        return new AuthenticationHeaderValue("Bearer", token.Token);
    }

    /// <summary>
    /// Answers a 401: records the challenge and, for bearer, fetches a token for <paramref name="scope"/>.
    /// False when there is nothing to retry with (Basic without a credential, or an unknown scheme).
    /// </summary>
    public async Task<bool> AnswerAsync(string registry, string scope, IReadOnlyList<AuthChallenge> challenges, bool allowPlainHttpRealm, CancellationToken cancellationToken)
    {
        var challenge = challenges.FirstOrDefault(c => c.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase))
            ?? challenges.FirstOrDefault(IsBasic);
        if (challenge is null)
        {
            return false;
        }

        _challenges[registry] = challenge;
        if (IsBasic(challenge))
        {
            return await BasicAsync(registry, cancellationToken).ConfigureAwait(false) is not null;
        }

        var token = await FetchTokenAsync(registry, scope, challenge, allowPlainHttpRealm, cancellationToken).ConfigureAwait(false);
        _tokens[(registry, scope)] = token;
        return true;
    }

    private static bool IsBasic(AuthChallenge challenge) => challenge.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase);

    private async ValueTask<AuthenticationHeaderValue?> BasicAsync(string registry, CancellationToken cancellationToken)
    {
        var credential = _credentials is null ? null : await _credentials.GetCredentialAsync(registry, cancellationToken).ConfigureAwait(false);
        return credential is null
            ? null
            : new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credential.Username + ":" + credential.Password)));
    }

    private async Task<(string Token, DateTimeOffset Expires)> FetchTokenAsync(string registry, string scope, AuthChallenge challenge, bool allowPlainHttpRealm, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(challenge["realm"], UriKind.Absolute, out var realm) || realm.Scheme is not ("https" or "http"))
        {
            throw new OciRegistryException(registry + " asked for a bearer token without a usable realm ('" + challenge["realm"] + "')", HttpStatusCode.Unauthorized);
        }

        // A token server reached over plain HTTP would see the credentials in clear text.
        if (realm.Scheme == "http" && !allowPlainHttpRealm && !realm.IsLoopback)
        {
            throw new OciRegistryException(registry + " named a plain-HTTP token realm " + realm + "; refusing without plain HTTP enabled", HttpStatusCode.Unauthorized);
        }

        var query = new StringBuilder(realm.Query.Length > 1 ? realm.Query[1..] + "&" : string.Empty);
        if (challenge["service"] is { } service)
        {
            query.Append("service=").Append(Uri.EscapeDataString(service)).Append('&');
        }

        // The registry's own scope first (it may ask for more than this request needs), then ours.
        foreach (var s in new[] { challenge["scope"], scope }.Where(s => !string.IsNullOrEmpty(s)).Distinct(StringComparer.Ordinal))
        {
            query.Append("scope=").Append(Uri.EscapeDataString(s!)).Append('&');
        }

        var uri = new UriBuilder(realm) { Query = query.ToString().TrimEnd('&') }.Uri;
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);

        // A token server that stalls in its answer's body is not bounded by HttpClient.Timeout (it ends
        // at the headers): the fetch has a deadline of its own, and its expiry is a registry failure.
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_timeout);
        HttpStatusCode status;
        byte[] body;
        try
        {
            request.Headers.Authorization = await BasicAsync(registry, deadline.Token).ConfigureAwait(false);
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token).ConfigureAwait(false);
            status = response.StatusCode;
            body = await OciRegistryClient.ReadLimitedAsync(response.Content, MaxTokenResponseBytes, "token response", deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            var after = deadline.IsCancellationRequested ? " after " + OciRegistryClient.Describe(_timeout) : " (" + ex.Message + ")";
            throw new OciRegistryException("token server " + realm.GetLeftPart(UriPartial.Path) + " timed out" + after + " on a token for " + scope + " on " + registry, innerException: ex);
        }
        catch (HttpRequestException ex)
        {
            // Unreachable (refused, DNS, TLS): a registry failure like any other, naming the server and the registry.
            throw new OciRegistryException("token server " + realm.GetLeftPart(UriPartial.Path) + " cannot be reached for a token for " + scope + " on " + registry + ": " + ex.Message, innerException: ex);
        }

        if ((int)status is < 200 or > 299)
        {
            throw new OciRegistryException("token server " + realm.GetLeftPart(UriPartial.Path) + " refused a token for " + scope + " on " + registry + ": " + (int)status + " " + OciRegistryClient.Describe(body), status);
        }

        try
        {
            using var json = JsonDocument.Parse(body);
            var root = json.RootElement;
            var token = root.TryGetProperty("token", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()
                : root.TryGetProperty("access_token", out var a) && a.ValueKind == JsonValueKind.String ? a.GetString() : null;
            if (string.IsNullOrEmpty(token))
            {
                throw new OciRegistryException("token server " + realm.GetLeftPart(UriPartial.Path) + " answered without a token", HttpStatusCode.Unauthorized);
            }

            var lifetime = root.TryGetProperty("expires_in", out var e) && e.TryGetInt32(out var seconds) && seconds > 0
                ? TimeSpan.FromSeconds(seconds)
                : MinimumTokenLifetime;
            if (lifetime < MinimumTokenLifetime)
            {
                lifetime = MinimumTokenLifetime;
            }

            return (token, _time.GetUtcNow() + lifetime - ExpiryMargin);
        }
        catch (JsonException ex)
        {
            throw new OciRegistryException("token server " + realm.GetLeftPart(UriPartial.Path) + " answered with invalid JSON: " + ex.Message, HttpStatusCode.Unauthorized);
        }
    }
}
