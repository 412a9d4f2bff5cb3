namespace SpoSdk.Testing;

/// <summary>
/// Who the <see cref="KubernetesApiTestServer"/>'s TokenReview and SubjectAccessReview endpoints know: which bearer
/// tokens belong to which users, and which users or groups may use which verbs on which non-resource paths (a
/// trailing <c>*</c> matches any rest, as in RBAC's <c>nonResourceURLs</c>). Empty by default: every token is
/// rejected and nobody is allowed anything. Thread-safe; may change while the server runs.
/// </summary>
public sealed class AccessReviewRules
{
    private readonly object _gate = new();
    private readonly Dictionary<string, (string User, string Uid, string[] Groups)> _tokens = new(StringComparer.Ordinal);
    private readonly List<(string Subject, bool IsGroup, string Verb, string Path)> _grants = new();

    /// <summary>Makes <paramref name="token"/> authenticate as <paramref name="user"/> in <paramref name="groups"/>.</summary>
    public AccessReviewRules AddToken(string token, string user, params string[] groups)
    {
        ArgumentException.ThrowIfNullOrEmpty(token);
        ArgumentException.ThrowIfNullOrEmpty(user);
        ArgumentNullException.ThrowIfNull(groups);
        lock (_gate)
        {
            _tokens[token] = (user, "uid-" + user, [.. groups]);
        }

        return this;
    }

    /// <summary>Rejects <paramref name="token"/> from now on.</summary>
    public AccessReviewRules RemoveToken(string token)
    {
        lock (_gate)
        {
            _tokens.Remove(token);
        }

        return this;
    }

    /// <summary>Lets <paramref name="user"/> use <paramref name="verb"/> on <paramref name="path"/>.</summary>
    public AccessReviewRules AllowUser(string user, string verb, string path) => Grant(user, isGroup: false, verb, path);

    /// <summary>Lets every member of <paramref name="group"/> use <paramref name="verb"/> on <paramref name="path"/>.</summary>
    public AccessReviewRules AllowGroup(string group, string verb, string path) => Grant(group, isGroup: true, verb, path);

    internal (string User, string Uid, string[] Groups)? Authenticate(string token)
    {
        lock (_gate)
        {
            return _tokens.TryGetValue(token, out var user) ? user : null;
        }
    }

    internal bool IsAllowed(string user, IReadOnlyCollection<string> groups, string verb, string path)
    {
        lock (_gate)
        {
            return _grants.Any(g =>
                (g.IsGroup ? groups.Contains(g.Subject, StringComparer.Ordinal) : g.Subject == user)
                && (g.Verb == "*" || g.Verb == verb)
                && (g.Path.EndsWith('*') ? path.StartsWith(g.Path[..^1], StringComparison.Ordinal) : g.Path == path));
        }
    }

    private AccessReviewRules Grant(string subject, bool isGroup, string verb, string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(subject);
        ArgumentException.ThrowIfNullOrEmpty(verb);
        ArgumentException.ThrowIfNullOrEmpty(path);
        lock (_gate)
        {
            _grants.Add((subject, isGroup, verb, path));
        }

        return this;
    }
}
