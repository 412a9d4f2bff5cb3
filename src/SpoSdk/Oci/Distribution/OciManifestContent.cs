using SpoSdk.Oci.Content;
using SpoSdk.Oci.References;

namespace SpoSdk.Oci.Distribution;

/// <summary>A manifest or index as fetched, verified against its digest.</summary>
/// <param name="Content">The exact bytes; the digest is over these.</param>
/// <param name="MediaType">The media type (from the document, else the response).</param>
/// <param name="Digest">The verified digest.</param>
public sealed record OciManifestContent(byte[] Content, string MediaType, OciDigest Digest)
{
    /// <summary>A descriptor of this manifest.</summary>
    public OciDescriptor Descriptor => new() { MediaType = MediaType, Digest = Digest.ToString(), Size = Content.Length };

    /// <summary>Whether this is an index (OCI or Docker).</summary>
    public bool IsIndex => OciMediaTypes.IsIndex(MediaType);
}

/// <summary>The manifests that refer to a subject.</summary>
/// <param name="Manifests">Their descriptors, with artifact types and annotations.</param>
/// <param name="FromTagSchema">Whether the registry has no referrers API and the <c>sha256-&lt;hex&gt;</c> tag was read instead.</param>
public sealed record OciReferrers(IReadOnlyList<OciDescriptor> Manifests, bool FromTagSchema);
