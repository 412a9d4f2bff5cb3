using SpoSdk.Oci.Content;

namespace SpoSdk.Oci.Artifacts;

/// <summary>How profiles are laid out in an OCI artifact.</summary>
public enum ProfileArtifactLayout
{
    /// <summary>
    /// Upstream spoc's: one layer per platform named <c>profile[-os][-arch][-variant][-osversion].yaml</c>
    /// holding the profile object as YAML (any of the three profile kinds), media type
    /// <c>application/vnd.oci.image.layer.v1.tar</c>, the empty config and artifact type
    /// <c>application/vnd.unknown.config.v1+json</c>.
    /// </summary>
    Spo,

    /// <summary>
    /// KEP 6061's: a single platform-independent layer (<c>application/json</c>, <c>profile.json</c>)
    /// holding the raw OCI runtime-spec seccomp profile; config media type and artifact type
    /// <c>application/vnd.cncf.seccomp-profile.config.v1+json</c>, config <c>{}</c>.
    /// </summary>
    Kep6061,
}

/// <summary>One profile file to push.</summary>
/// <param name="Content">The file's bytes (profile YAML/JSON, or raw runtime-spec seccomp JSON).</param>
/// <param name="Source">The file name, for messages.</param>
/// <param name="Platform">The platform it is for; null for a platform-independent <c>profile.yaml</c>.</param>
public sealed record OciProfileFile(byte[] Content, string Source, OciPlatform? Platform = null);

/// <summary>An artifact packed for upload: its manifest and the blobs it needs.</summary>
/// <param name="Manifest">The manifest bytes.</param>
/// <param name="Blobs">The config and layer blobs, with their descriptors.</param>
/// <param name="Layout">The layout used.</param>
/// <param name="Warnings">What container runtimes or the operator may object to (KEP 6061 limits), one sentence each.</param>
public sealed record PackedProfileArtifact(byte[] Manifest, IReadOnlyList<(OciDescriptor Descriptor, byte[] Content)> Blobs, ProfileArtifactLayout Layout, IReadOnlyList<string> Warnings)
{
    /// <summary>The manifest's descriptor.</summary>
    public OciDescriptor ManifestDescriptor => OciDescriptor.Of(Manifest, OciMediaTypes.ImageManifest);
}

/// <summary>A profile artifact that cannot be packed or read: wrong kind, invalid profile, ambiguous layout.</summary>
public sealed class OciArtifactException : Exception
{
    /// <summary>Creates the exception.</summary>
    public OciArtifactException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with the one that caused it.</summary>
    public OciArtifactException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
