using System.Text.RegularExpressions;
using k8s.Models;

namespace SpoSdk.Api.Schema;

/// <summary>The object metadata rules the API server applies to every custom resource.</summary>
public static partial class MetadataRules
{
    /// <summary>The longest object name a custom resource may have (a DNS-1123 subdomain).</summary>
    public const int MaxNameLength = 253;

    /// <summary>The longest namespace name (a DNS-1123 label).</summary>
    public const int MaxNamespaceLength = 63;

    /// <summary>The most bytes an object's annotations may hold, keys and values together (the API server's <c>TotalAnnotationSizeLimitB</c>).</summary>
    public const int MaxTotalAnnotationBytes = 256 * 1024;

    /// <summary>Checks name, generateName and namespace of <paramref name="metadata"/> at <c>$.metadata</c>.</summary>
    /// <param name="metadata">The metadata to check.</param>
    /// <param name="context">Where violations go.</param>
    /// <param name="kind">The kind the object belongs to (decides whether a namespace is allowed).</param>
    public static void Validate(V1ObjectMeta? metadata, SchemaValidationContext context, SpoKindInfo kind)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(kind);
        if (metadata is null)
        {
            context.Required("metadata");
            return;
        }

        context.Enter("metadata");
        if (string.IsNullOrEmpty(metadata.Name))
        {
            if (string.IsNullOrEmpty(metadata.GenerateName))
            {
                context.Report("name", SchemaViolationType.Required, "Required value: name or generateName is required");
            }
        }
        else if (!IsDnsSubdomain(metadata.Name))
        {
            context.Report("name", SchemaViolationType.Invalid, "Invalid value: \"" + metadata.Name + "\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (at most 253 characters)");
        }

        if (!string.IsNullOrEmpty(metadata.NamespaceProperty))
        {
            if (!kind.IsNamespaced)
            {
                context.Report("namespace", SchemaViolationType.Invalid, "Invalid value: \"" + metadata.NamespaceProperty + "\": " + kind.Kind + " is cluster-scoped and takes no namespace");
            }
            else if (!IsDnsLabel(metadata.NamespaceProperty))
            {
                context.Report("namespace", SchemaViolationType.Invalid, "Invalid value: \"" + metadata.NamespaceProperty + "\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (at most 63 characters)");
            }
        }

        context.Exit();
    }

    /// <summary>The bytes annotations hold as the API server counts them against <see cref="MaxTotalAnnotationBytes"/>: every key and value in UTF-8.</summary>
    public static long AnnotationBytes(IEnumerable<KeyValuePair<string, string>>? annotations) =>
        annotations?.Sum(a => (long)System.Text.Encoding.UTF8.GetByteCount(a.Key) + System.Text.Encoding.UTF8.GetByteCount(a.Value ?? string.Empty)) ?? 0;

    // Length is checked first, so the match works on bounded input. \z, not $: .NET's $ also matches before a
    // final newline, Go's (the API server's) does not.

    /// <summary>Whether <paramref name="value"/> is a DNS-1123 subdomain (what Kubernetes requires of most object names).</summary>
    public static bool IsDnsSubdomain(string value) =>
        value.Length <= MaxNameLength && DnsSubdomain().IsMatch(value);

    /// <summary>Whether <paramref name="value"/> is a DNS-1123 label (what Kubernetes requires of namespace names).</summary>
    public static bool IsDnsLabel(string value) =>
        value.Length <= MaxNamespaceLength && DnsLabel().IsMatch(value);

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\\z", RegexOptions.CultureInvariant)]
    private static partial Regex DnsSubdomain();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?\\z", RegexOptions.CultureInvariant)]
    private static partial Regex DnsLabel();
}
