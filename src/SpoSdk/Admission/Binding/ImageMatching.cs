namespace SpoSdk.Admission.Binding;

/// <summary>How a ProfileBinding's <c>spec.image</c> is compared with a container's image.</summary>
public enum ImageMatchMode
{
    /// <summary>
    /// Exact string equality, as upstream (runtime.md §10 item 8): <c>nginx</c> does not match
    /// <c>nginx:latest</c> nor <c>docker.io/library/nginx</c>. Predictable, and the binding never
    /// reaches further than its author wrote. The default.
    /// </summary>
    Exact,

    /// <summary>
    /// Both sides normalised as the container runtimes resolve short names (Docker Hub domain,
    /// <c>library/</c>, <c>:latest</c>) before comparing, so <c>nginx</c>,
    /// <c>nginx:latest</c> and <c>docker.io/library/nginx:latest</c> are one image. Digests are kept
    /// and must match exactly.
    /// </summary>
    Normalized,
}

/// <summary>Image reference normalisation, after distribution/reference's <c>ParseNormalizedNamed</c> + <c>TagNameOnly</c>.</summary>
public static class ImageReferences
{
    private const string DefaultDomain = "docker.io";

    /// <summary>Whether a binding image selects a container image under <paramref name="mode"/>.</summary>
    public static bool Matches(string bindingImage, string containerImage, ImageMatchMode mode)
    {
        ArgumentNullException.ThrowIfNull(bindingImage);
        ArgumentNullException.ThrowIfNull(containerImage);
        return mode == ImageMatchMode.Exact
            ? string.Equals(bindingImage, containerImage, StringComparison.Ordinal)
            : string.Equals(Normalize(bindingImage), Normalize(containerImage), StringComparison.Ordinal);
    }

    /// <summary>
    /// The fully qualified form: <c>nginx</c> → <c>docker.io/library/nginx:latest</c>,
    /// <c>quay.io/x/y</c> → <c>quay.io/x/y:latest</c>, <c>x@sha256:…</c> keeps its digest and gets no tag.
    /// Text that is not a reference comes back unchanged (it can then only match itself).
    /// </summary>
    public static string Normalize(string image)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image.Length == 0 || image.Any(char.IsWhiteSpace))
        {
            return image;
        }

        var digestAt = image.IndexOf('@', StringComparison.Ordinal);
        var name = digestAt < 0 ? image : image[..digestAt];
        var digest = digestAt < 0 ? string.Empty : image[digestAt..];

        // A tag is a ':' after the last '/', so a registry port is not mistaken for one.
        var lastSlash = name.LastIndexOf('/');
        var tagAt = name.IndexOf(':', lastSlash + 1);
        var tag = tagAt < 0 ? string.Empty : name[tagAt..];
        var repository = tagAt < 0 ? name : name[..tagAt];

        var firstSlash = repository.IndexOf('/', StringComparison.Ordinal);
        string domain;
        string path;
        var first = firstSlash < 0 ? string.Empty : repository[..firstSlash];
        if (firstSlash >= 0 && (first.Contains('.', StringComparison.Ordinal) || first.Contains(':', StringComparison.Ordinal) || first == "localhost"))
        {
            domain = first;
            path = repository[(firstSlash + 1)..];
        }
        else
        {
            domain = DefaultDomain;
            path = repository;
        }

        if (domain == "index.docker.io")
        {
            domain = DefaultDomain;
        }

        if (domain == DefaultDomain && !path.Contains('/', StringComparison.Ordinal))
        {
            path = "library/" + path;
        }

        if (tag.Length == 0 && digest.Length == 0)
        {
            tag = ":latest";
        }

        return domain + "/" + path + tag + digest;
    }
}
