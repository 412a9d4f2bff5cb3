using System.Net;
using System.Text;

namespace SpoSdk.Oci.References;

/// <summary>
/// A parsed image or artifact reference, <c>[registry/]repository[:tag][@digest]</c>, following the
/// rules of the distribution reference grammar that docker, containerd and upstream spoc use: a first
/// path component is a registry only when it holds a dot or a colon, is <c>localhost</c>, or has
/// uppercase letters; otherwise the registry is <c>docker.io</c>, where one-component names live under
/// <c>library/</c>. Without tag and digest the tag is <c>latest</c>. With a digest the digest decides
/// what is fetched; the tag is kept only for display.
/// </summary>
public sealed record OciReference
{
    /// <summary>The registry that names without one resolve to.</summary>
    public const string DockerHub = "docker.io";

    private const int MaxNameLength = 255;
    private const int MaxTagLength = 128;
    private const string DockerHubApiHost = "registry-1.docker.io";

    private OciReference(string registry, string repository, string? tag, OciDigest? digest)
    {
        Registry = registry;
        Repository = repository;
        Tag = tag;
        Digest = digest;
    }

    /// <summary>The registry as written, <c>host[:port]</c>, with <c>index.docker.io</c> normalized to <c>docker.io</c>.</summary>
    public string Registry { get; }

    /// <summary>The repository path inside the registry, e.g. <c>library/nginx</c>.</summary>
    public string Repository { get; }

    /// <summary>The tag; null when the reference names a digest only.</summary>
    public string? Tag { get; }

    /// <summary>The digest the reference is pinned to, if any.</summary>
    public OciDigest? Digest { get; }

    /// <summary>Whether the reference names its content by digest, so the content can never change.</summary>
    public bool IsPinned => Digest is not null;

    /// <summary>What a manifest request asks for: the digest when pinned, otherwise the tag.</summary>
    public string Identifier => Digest?.ToString() ?? Tag!;

    /// <summary><c>registry/repository</c>, the repository's full name.</summary>
    public string Name => Registry + "/" + Repository;

    /// <summary>The host and port the registry API is served from (Docker Hub's differs from its name).</summary>
    public string ApiHost => Registry == DockerHub ? DockerHubApiHost : Registry;

    /// <summary>Whether the registry host is a loopback address (<c>localhost</c>, 127.0.0.0/8, ::1).</summary>
    public bool IsLoopback
    {
        get
        {
            var host = HostOf(Registry);
            return host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
                || (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address));
        }
    }

    /// <summary>Parses a reference; throws <see cref="FormatException"/> naming what is wrong.</summary>
    public static OciReference Parse(string value) =>
        TryParse(value, out var reference, out var error) ? reference! : throw new FormatException(error);

    /// <summary>Parses a reference, explaining in <paramref name="error"/> what is wrong otherwise.</summary>
    public static bool TryParse(string? value, out OciReference? reference, out string? error)
    {
        reference = null;
        if (string.IsNullOrEmpty(value))
        {
            error = "invalid reference: empty";
            return false;
        }

        var remainder = value;
        OciDigest? digest = null;
        var at = remainder.LastIndexOf('@');
        if (at >= 0)
        {
            if (!OciDigest.TryParse(remainder[(at + 1)..], out var parsed, out error))
            {
                error = "invalid reference '" + value + "': " + error;
                return false;
            }

            digest = parsed;
            remainder = remainder[..at];
        }

        string? tag = null;
        var colon = remainder.LastIndexOf(':');
        if (colon > remainder.LastIndexOf('/'))
        {
            tag = remainder[(colon + 1)..];
            remainder = remainder[..colon];
            if (!IsValidTag(tag))
            {
                error = "invalid reference '" + value + "': invalid tag '" + tag + "'";
                return false;
            }
        }

        if (remainder.Length > MaxNameLength)
        {
            error = "invalid reference '" + value + "': repository name longer than " + MaxNameLength + " characters";
            return false;
        }

        string registry, repository;
        var slash = remainder.IndexOf('/');
        var first = slash < 0 ? remainder : remainder[..slash];
        if (slash < 0 || (!first.Contains('.') && !first.Contains(':') && first != "localhost" && first.ToLowerInvariant() == first))
        {
            registry = DockerHub;
            repository = remainder;
        }
        else
        {
            registry = first;
            repository = remainder[(slash + 1)..];
            if (!IsValidRegistry(registry))
            {
                error = "invalid reference '" + value + "': invalid registry '" + registry + "'";
                return false;
            }
        }

        if (registry == "index.docker.io")
        {
            registry = DockerHub;
        }

        if (repository.Any(char.IsAsciiLetterUpper))
        {
            error = "invalid reference '" + value + "': repository name must be lowercase";
            return false;
        }

        if (!IsValidRepository(repository))
        {
            error = "invalid reference '" + value + "': invalid repository name '" + repository + "'";
            return false;
        }

        if (registry == DockerHub && !repository.Contains('/'))
        {
            repository = "library/" + repository;
        }

        reference = new OciReference(registry, repository, tag ?? (digest is null ? "latest" : null), digest);
        error = null;
        return true;
    }

    /// <summary>The same repository and tag, pinned to <paramref name="digest"/>.</summary>
    public OciReference WithDigest(OciDigest digest) => new(Registry, Repository, Tag, digest);

    /// <summary>The same repository with only <paramref name="tag"/>.</summary>
    public OciReference WithTag(string tag) =>
        IsValidTag(tag) ? new(Registry, Repository, tag, null) : throw new ArgumentException("invalid tag '" + tag + "'", nameof(tag));

    /// <summary>The same repository pinned to <paramref name="digest"/> only, without tag: <c>registry/repository@digest</c>.</summary>
    public OciReference ByDigest(OciDigest digest) => new(Registry, Repository, null, digest);

    /// <inheritdoc/>
    public override string ToString()
    {
        var builder = new StringBuilder(Name);
        if (Tag is not null)
        {
            builder.Append(':').Append(Tag);
        }

        if (Digest is { } digest)
        {
            builder.Append('@').Append(digest.ToString());
        }

        return builder.ToString();
    }

    private static string HostOf(string registry)
    {
        if (registry.StartsWith('['))
        {
            var end = registry.IndexOf(']');
            return end < 0 ? registry : registry[1..end];
        }

        var colon = registry.LastIndexOf(':');
        return colon < 0 ? registry : registry[..colon];
    }

    private static bool IsValidTag(string tag) =>
        tag.Length is > 0 and <= MaxTagLength
        && IsWordChar(tag[0])
        && tag.All(c => IsWordChar(c) || c is '.' or '-');

    private static bool IsWordChar(char c) => char.IsAsciiLetterOrDigit(c) || c == '_';

    // host[:port], where host is dot-separated labels of letters, digits and inner hyphens, or [IPv6].
    private static bool IsValidRegistry(string registry)
    {
        var host = registry;
        if (registry.StartsWith('['))
        {
            var end = registry.IndexOf(']');
            if (end < 0 || !IPAddress.TryParse(registry[1..end], out var v6) || v6.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
            {
                return false;
            }

            var rest = registry[(end + 1)..];
            return rest.Length == 0 || (rest[0] == ':' && IsPort(rest[1..]));
        }

        var colon = registry.IndexOf(':');
        if (colon >= 0)
        {
            if (!IsPort(registry[(colon + 1)..]))
            {
                return false;
            }

            host = registry[..colon];
        }

        return host.Length > 0 && host.Split('.').All(label =>
            label.Length > 0 && char.IsAsciiLetterOrDigit(label[0]) && char.IsAsciiLetterOrDigit(label[^1])
            && label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'));
    }

    private static bool IsPort(string port) => port.Length is > 0 and <= 5 && port.All(char.IsAsciiDigit);

    // Components of [a-z0-9]+ joined by '.', '_', '__' or any run of '-', separated by '/'.
    private static bool IsValidRepository(string repository) =>
        repository.Length > 0 && repository.Split('/').All(IsValidPathComponent);

    private static bool IsValidPathComponent(string component)
    {
        var i = 0;
        while (true)
        {
            var start = i;
            while (i < component.Length && (char.IsAsciiDigit(component[i]) || char.IsAsciiLetterLower(component[i])))
            {
                i++;
            }

            if (i == start)
            {
                return false;
            }

            if (i == component.Length)
            {
                return true;
            }

            var separatorStart = i;
            if (component[i] == '.')
            {
                i++;
            }
            else if (component[i] == '_')
            {
                i += i + 1 < component.Length && component[i + 1] == '_' ? 2 : 1;
            }
            else if (component[i] == '-')
            {
                while (i < component.Length && component[i] == '-')
                {
                    i++;
                }
            }

            if (i == separatorStart)
            {
                return false;
            }
        }
    }
}
