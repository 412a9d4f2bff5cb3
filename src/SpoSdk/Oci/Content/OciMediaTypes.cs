namespace SpoSdk.Oci.Content;

/// <summary>Media types and annotation keys of the OCI image spec, upstream spoc, KEP 6061 and cosign.</summary>
public static class OciMediaTypes
{
    /// <summary>OCI image manifest.</summary>
    public const string ImageManifest = "application/vnd.oci.image.manifest.v1+json";

    /// <summary>OCI image index.</summary>
    public const string ImageIndex = "application/vnd.oci.image.index.v1+json";

    /// <summary>Docker image manifest, schema 2 (same structure as the OCI manifest).</summary>
    public const string DockerManifest = "application/vnd.docker.distribution.manifest.v2+json";

    /// <summary>Docker manifest list (same structure as the OCI index).</summary>
    public const string DockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json";

    /// <summary>OCI image config.</summary>
    public const string ImageConfig = "application/vnd.oci.image.config.v1+json";

    /// <summary>The empty descriptor's media type, content <c>{}</c>.</summary>
    public const string Empty = "application/vnd.oci.empty.v1+json";

    /// <summary>ORAS's artifact type for artifacts packed without a config type, which upstream spoc uses.</summary>
    public const string UnknownConfig = "application/vnd.unknown.config.v1+json";

    /// <summary>The layer media type ORAS's file store gives files, so upstream spoc's profile layers carry it.</summary>
    public const string TarLayer = "application/vnd.oci.image.layer.v1.tar";

    /// <summary>KEP 6061: config media type and artifact type of a seccomp profile artifact.</summary>
    public const string SeccompProfileConfig = "application/vnd.cncf.seccomp-profile.config.v1+json";

    /// <summary>The layer media type of a KEP 6061 profile: raw OCI runtime-spec seccomp JSON.</summary>
    public const string Json = "application/json";

    /// <summary>Cosign's simple-signing payload layer.</summary>
    public const string CosignSimpleSigning = "application/vnd.dev.cosign.simplesigning.v1+json";

    /// <summary>Annotation: a layer's file name.</summary>
    public const string AnnotationTitle = "org.opencontainers.image.title";

    /// <summary>Annotation: when the artifact was created (RFC 3339).</summary>
    public const string AnnotationCreated = "org.opencontainers.image.created";

    /// <summary>Cosign's layer annotation carrying the base64 signature of the payload.</summary>
    public const string AnnotationCosignSignature = "dev.cosignproject.cosign/signature";

    /// <summary>Every manifest media type this SDK reads, for <c>Accept</c> headers.</summary>
    public static IReadOnlyList<string> ManifestTypes { get; } = [ImageManifest, ImageIndex, DockerManifest, DockerManifestList];

    /// <summary>Whether <paramref name="mediaType"/> is an index (OCI or Docker).</summary>
    public static bool IsIndex(string? mediaType) => mediaType is ImageIndex or DockerManifestList;

    /// <summary>Whether <paramref name="mediaType"/> is an image manifest (OCI or Docker).</summary>
    public static bool IsManifest(string? mediaType) => mediaType is ImageManifest or DockerManifest;
}
