using SpoSdk.Api.Schema;
using SpoSdk.Oci.Content;
using SpoSdk.Oci.Distribution;
using SpoSdk.Oci.References;
using SpoSdk.Oci.Signing;
using SpoSdk.Oci.Trust;

namespace SpoSdk.Oci.Artifacts;

/// <summary>What a push did.</summary>
/// <param name="Reference">The pushed reference, pinned to the manifest digest.</param>
/// <param name="Manifest">The manifest's descriptor.</param>
/// <param name="Layout">The layout used.</param>
/// <param name="Warnings">KEP 6061 warnings and ignored options.</param>
public sealed record OciPushResult(OciReference Reference, OciDescriptor Manifest, ProfileArtifactLayout Layout, IReadOnlyList<string> Warnings);

/// <summary>A pulled, verified profile.</summary>
/// <param name="Reference">The reference pulled, pinned to the digest it resolved to.</param>
/// <param name="Profile">The profile as a v1 object (SeccompProfile, SelinuxProfile or AppArmorProfile).</param>
/// <param name="Content">The layer's exact bytes (what <c>spoc pull</c> writes).</param>
/// <param name="Layout">The layout detected.</param>
/// <param name="Layer">The layer read.</param>
/// <param name="Trust">Why the artifact was trusted.</param>
/// <param name="Warnings">KEP 6061 warnings about the content.</param>
public sealed record OciPullResult(OciReference Reference, ISpoObject Profile, byte[] Content, ProfileArtifactLayout Layout, OciDescriptor Layer, OciTrustDecision Trust, IReadOnlyList<string> Warnings)
{
    /// <summary>The digest of the manifest (or index) the reference resolved to, which the trust decision is about.</summary>
    public OciDigest Digest => Reference.Digest!.Value;
}

/// <summary>
/// Pushes profiles to and pulls them from a registry as OCI artifacts, in upstream spoc's layout or
/// KEP 6061's. A pull resolves the reference to a manifest digest once, decides trust for that digest,
/// and reads everything else by digest, so a tag moved in between cannot swap the content.
/// </summary>
public sealed class OciProfileClient
{
    private readonly OciRegistryClient _registry;
    private readonly OciTrustEvaluator _trust;

    /// <summary>Creates the client on <paramref name="registry"/>.</summary>
    public OciProfileClient(OciRegistryClient registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        _registry = registry;
        _trust = new OciTrustEvaluator(new CosignSignatures(registry));
    }

    /// <summary>The registry client underneath.</summary>
    public OciRegistryClient Registry => _registry;

    /// <summary>Packs and uploads <paramref name="files"/> to <paramref name="reference"/> (tag or digest).</summary>
    public async Task<OciPushResult> PushAsync(OciReference reference, IReadOnlyList<OciProfileFile> files, ProfileArtifactLayout? layout = null, IReadOnlyDictionary<string, string>? annotations = null, BlobUploadMode uploadMode = BlobUploadMode.Auto, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reference);
        var packed = ProfileArtifacts.Pack(files, layout, annotations);
        var manifestDigest = OciDigest.Compute(packed.Manifest);
        if (reference.Digest is { } pinned && pinned != manifestDigest)
        {
            throw new OciArtifactException("the artifact's digest is " + manifestDigest + ", not the " + pinned + " the reference names");
        }

        foreach (var (_, content) in packed.Blobs)
        {
            await _registry.PushBlobAsync(reference, content, uploadMode, cancellationToken).ConfigureAwait(false);
        }

        var descriptor = await _registry.PutManifestAsync(reference, reference.Tag ?? manifestDigest.ToString(), packed.Manifest, OciMediaTypes.ImageManifest, cancellationToken).ConfigureAwait(false);
        return new OciPushResult(reference.WithDigest(manifestDigest), descriptor, packed.Layout, packed.Warnings);
    }

    /// <summary>
    /// Pulls the profile <paramref name="reference"/> names for <paramref name="platform"/> (this machine's
    /// when null), under <paramref name="policy"/>. Throws <see cref="OciTrustException"/> when the policy
    /// refuses the artifact, <see cref="OciContentException"/> when content fails verification,
    /// <see cref="OciArtifactException"/> when it holds no usable profile, and
    /// <see cref="OciRegistryException"/> when the registry fails.
    /// </summary>
    public async Task<OciPullResult> PullAsync(OciReference reference, OciTrustPolicy policy, OciPlatform? platform = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(policy);
        platform ??= OciPlatform.Current;
        var root = await _registry.GetManifestAsync(reference, reference.Identifier, cancellationToken).ConfigureAwait(false);
        var pinned = reference.WithDigest(root.Digest);
        var trust = await _trust.EvaluateAsync(reference, root.Digest, policy, cancellationToken).ConfigureAwait(false);

        var manifest = root;
        if (root.IsIndex)
        {
            var selected = ProfileArtifacts.SelectManifest(OciJson.ParseIndex(root.Content), platform);
            if (!OciMediaTypes.IsManifest(selected.MediaType))
            {
                throw new OciArtifactException("index entry " + selected.Digest + " is a " + selected.MediaType + ", not a manifest");
            }

            manifest = await _registry.GetManifestAsync(reference, selected.ParsedDigest.ToString(), cancellationToken).ConfigureAwait(false);
            if (manifest.Content.Length != selected.Size)
            {
                throw new OciContentException("manifest " + selected.Digest + " has " + manifest.Content.Length + " bytes, the index says " + selected.Size);
            }
        }

        var (layer, layout) = ProfileArtifacts.SelectLayer(OciJson.ParseManifest(manifest.Content), platform);
        var content = await _registry.GetBlobAsync(reference, layer, cancellationToken).ConfigureAwait(false);
        ISpoObject profile;
        IReadOnlyList<string> warnings;
        try
        {
            profile = ProfileArtifacts.Decode(content, layout, pinned, out warnings);
        }
        catch (OciArtifactException ex)
        {
            // Which artifact and layer: the decoder sees bytes only.
            var title = layer.Annotation(OciMediaTypes.AnnotationTitle);
            throw new OciArtifactException("layer " + (title is null ? layer.Digest : title + " (" + layer.Digest + ")") + " of " + pinned + ": " + ex.Message, ex);
        }

        return new OciPullResult(pinned, profile, content, layout, layer, trust, warnings);
    }
}
