using System.Diagnostics.CodeAnalysis;
using SpoSdk.Api.V1;

namespace SpoSdk.Recording.Logs;

/// <summary>
/// How recorded AVCs become a SelinuxProfile (runtime.md §4.3, test-vectors §1.6.5): each AVC adds its
/// permissions to <c>allow[type of tcontext][tclass]</c>, where the type is the context's third
/// <c>:</c>-separated field and the recording domain <c>selinuxrecording.process</c> becomes <c>@self</c>.
/// Types, classes and permissions come out in ordinal order.
/// </summary>
public static class SelinuxAllowMap
{
    /// <summary>The key a profile uses for its own domain.</summary>
    public const string Self = "@self";

    /// <summary>The domain recorded containers run in (the webhook sets it).</summary>
    public const string RecordingDomain = "selinuxrecording.process";

    /// <summary>
    /// The allow-map key for a target context: its type (third field), <see cref="Self"/> for the
    /// recording domain; false for a context with fewer than three fields (upstream: <c>malformed SELinux context</c>).
    /// </summary>
    public static bool TryGetTargetType(ReadOnlySpan<char> context, [NotNullWhen(true)] out string? type)
    {
        type = null;
        var first = context.IndexOf(':');
        if (first < 0)
        {
            return false;
        }

        var rest = context[(first + 1)..];
        var second = rest.IndexOf(':');
        if (second < 0)
        {
            return false;
        }

        var third = rest[(second + 1)..];
        var end = third.IndexOf(':');
        var value = end < 0 ? third : third[..end];
        type = value.SequenceEqual(RecordingDomain) ? Self : value.ToString();
        return true;
    }

    /// <summary>A v1 SelinuxProfile spec inheriting the <c>container</c> system policy and allowing <paramref name="allow"/>, sorted.</summary>
    public static SelinuxProfileSpec ToSpec(IEnumerable<KeyValuePair<(string Type, string Class), IEnumerable<string>>> allow)
    {
        ArgumentNullException.ThrowIfNull(allow);
        var sorted = new SortedDictionary<string, SortedDictionary<string, SortedSet<string>>>(StringComparer.Ordinal);
        foreach (var ((type, objectClass), permissions) in allow)
        {
            if (!sorted.TryGetValue(type, out var classes))
            {
                sorted[type] = classes = new SortedDictionary<string, SortedSet<string>>(StringComparer.Ordinal);
            }

            if (!classes.TryGetValue(objectClass, out var set))
            {
                classes[objectClass] = set = new SortedSet<string>(StringComparer.Ordinal);
            }

            set.UnionWith(permissions);
        }

        return new SelinuxProfileSpec
        {
            Inherit = [new SelinuxProfileInherit { Kind = SelinuxProfileInheritKind.System, Name = "container" }],
            Allow = sorted.ToDictionary(
                t => t.Key,
                t => (IDictionary<string, IList<string>>)t.Value.ToDictionary(c => c.Key, c => (IList<string>)c.Value.ToList(), StringComparer.Ordinal),
                StringComparer.Ordinal),
        };
    }
}
