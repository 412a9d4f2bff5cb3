using k8s;
using k8s.Models;

namespace SpoSdk.AspNetCore.Auth;

/// <summary>Who a bearer token belongs to, as the cluster's TokenReview says.</summary>
/// <param name="Name">The user name, e.g. <c>system:serviceaccount:monitoring:prometheus</c>.</param>
/// <param name="Uid">The user's UID, when reported.</param>
/// <param name="Groups">The user's groups.</param>
/// <param name="Extra">Extra attributes, passed on to the SubjectAccessReview.</param>
public sealed record MetricsCaller(string Name, string? Uid, IReadOnlyList<string> Groups, IReadOnlyDictionary<string, IReadOnlyList<string>> Extra);

/// <summary>The two questions the metrics filter asks the cluster (a seam: tests and other clusters answer them differently).</summary>
public interface IMetricsAccessReview
{
    /// <summary>Who <paramref name="token"/> belongs to, or null when the cluster does not accept it.</summary>
    /// <exception cref="Exception">The cluster could not be asked; the filter answers 503 and remembers nothing.</exception>
    Task<MetricsCaller?> AuthenticateAsync(string token, CancellationToken cancellationToken);

    /// <summary>Whether <paramref name="caller"/> may <paramref name="verb"/> the non-resource URL <paramref name="path"/>.</summary>
    Task<bool> AuthorizeAsync(MetricsCaller caller, string verb, string path, CancellationToken cancellationToken);
}

/// <summary>
/// Asks the Kubernetes API: TokenReview (<c>authentication.k8s.io/v1</c>) for the token, SubjectAccessReview
/// (<c>authorization.k8s.io/v1</c>, non-resource attributes) for the path, as controller-runtime's metrics filter
/// does. The operator's service account needs <c>create</c> on both (upstream's ClusterRole grants it).
/// </summary>
public sealed class KubernetesMetricsAccessReview : IMetricsAccessReview
{
    private readonly IKubernetes _client;

    /// <summary>Reviews through <paramref name="client"/>.</summary>
    public KubernetesMetricsAccessReview(IKubernetes client)
    {
        ArgumentNullException.ThrowIfNull(client);
        _client = client;
    }

    /// <inheritdoc />
    public async Task<MetricsCaller?> AuthenticateAsync(string token, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(token);
        var review = new V1TokenReview
        {
            ApiVersion = "authentication.k8s.io/v1",
            Kind = "TokenReview",
            Spec = new V1TokenReviewSpec { Token = token },
        };
        var answer = await _client.AuthenticationV1.CreateTokenReviewAsync(review, cancellationToken: cancellationToken).ConfigureAwait(false);
        var status = answer?.Status;
        if (status?.Authenticated != true || string.IsNullOrEmpty(status.User?.Username))
        {
            return null;
        }

        var extra = (status.User.Extra ?? new Dictionary<string, IList<string>>())
            .OrderBy(e => e.Key, StringComparer.Ordinal)
            .ToDictionary(e => e.Key, e => (IReadOnlyList<string>)[.. e.Value ?? []], StringComparer.Ordinal);
        return new MetricsCaller(status.User.Username, status.User.Uid, [.. status.User.Groups ?? []], extra);
    }

    /// <inheritdoc />
    public async Task<bool> AuthorizeAsync(MetricsCaller caller, string verb, string path, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var review = new V1SubjectAccessReview
        {
            ApiVersion = "authorization.k8s.io/v1",
            Kind = "SubjectAccessReview",
            Spec = new V1SubjectAccessReviewSpec
            {
                User = caller.Name,
                Uid = caller.Uid,
                Groups = [.. caller.Groups],
                Extra = caller.Extra.Count == 0 ? null : caller.Extra.ToDictionary(e => e.Key, e => (IList<string>)[.. e.Value]),
                NonResourceAttributes = new V1NonResourceAttributes { Path = path, Verb = verb },
            },
        };
        var answer = await _client.AuthorizationV1.CreateSubjectAccessReviewAsync(review, cancellationToken: cancellationToken).ConfigureAwait(false);
        return answer?.Status is { Allowed: true, Denied: not true };
    }
}
