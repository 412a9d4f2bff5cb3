using System.Security.Cryptography;
using System.Text.Json.Nodes;
using SpoSdk.Oci.Content;
using SpoSdk.Oci.Distribution;
using SpoSdk.Oci.References;

namespace SpoSdk.Oci.Signing;

/// <summary>The outcome of verifying the cosign signatures of a manifest.</summary>
/// <param name="IsVerified">Whether a signature verified with one of the keys.</param>
/// <param name="Key">The key that verified it.</param>
/// <param name="Detail">What was found, or why nothing verified.</param>
public sealed record CosignVerification(bool IsVerified, CosignPublicKey? Key, string Detail);

/// <summary>
/// Cosign key-based signatures stored the way cosign (v2, and upstream spoc until it moved to bundles)
/// stores them: a manifest under the tag <c>sha256-&lt;hex&gt;.sig</c> whose layers are simple-signing
/// payloads, each with its base64 ASN.1 signature in the <c>dev.cosignproject.cosign/signature</c>
/// annotation. Keyless signatures (Fulcio certificates, Rekor entries) are not verified here.
/// </summary>
public sealed class CosignSignatures
{
    /// <summary>Signature layers looked at, at most (the rest is ignored, as upstream).</summary>
    public const int MaxSignatures = 32;

    private const long MaxPayloadBytes = 1 << 20;
    private const string SignatureTagSuffix = ".sig";

    private readonly OciRegistryClient _registry;

    /// <summary>Creates the helper on <paramref name="registry"/>.</summary>
    public CosignSignatures(OciRegistryClient registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        _registry = registry;
    }

    /// <summary>The tag cosign stores the signatures of <paramref name="subject"/> under.</summary>
    public static string SignatureTag(OciDigest subject) => subject.TagForm + SignatureTagSuffix;

    /// <summary>
    /// Verifies that a signature of <paramref name="subject"/> in <paramref name="repository"/> was made by
    /// one of <paramref name="keys"/> and names exactly this digest. Registry failures other than a
    /// missing signature tag throw; invalid signatures only make the result unverified.
    /// </summary>
    public async Task<CosignVerification> VerifyAsync(OciReference repository, OciDigest subject, IReadOnlyList<CosignPublicKey> keys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(repository);
        ArgumentNullException.ThrowIfNull(keys);
        if (keys.Count == 0)
        {
            return new CosignVerification(false, null, "no public key configured");
        }

        OciManifestContent signatures;
        try
        {
            signatures = await _registry.GetManifestAsync(repository, SignatureTag(subject), cancellationToken).ConfigureAwait(false);
        }
        catch (OciRegistryException ex) when (ex.IsNotFound)
        {
            return new CosignVerification(false, null, "no cosign signature for " + subject + " (tag " + SignatureTag(subject) + " not found)");
        }

        var manifest = OciJson.ParseManifest(signatures.Content);
        var problems = new List<string>();
        foreach (var layer in manifest.Layers.Take(MaxSignatures))
        {
            var problem = await CheckLayerAsync(repository, subject, layer, keys, cancellationToken).ConfigureAwait(false);
            if (problem.Key is { } key)
            {
                return new CosignVerification(true, key, "cosign signature " + layer.Digest + " verified with " + key);
            }

            problems.Add(layer.Digest + ": " + problem.Reason);
        }

        return new CosignVerification(false, null, problems.Count == 0
            ? "signature tag " + SignatureTag(subject) + " holds no signature"
            : "no signature of " + subject + " verified with the configured keys: " + string.Join("; ", problems.Take(3)) + (problems.Count > 3 ? "; and " + (problems.Count - 3) + " more" : string.Empty));
    }

    /// <summary>
    /// Signs <paramref name="subject"/> with <paramref name="key"/> (ECDSA P-256) and adds the signature to
    /// the signature tag, keeping signatures already there. Returns the signature manifest's descriptor.
    /// </summary>
    public async Task<OciDescriptor> SignAsync(OciReference repository, OciDigest subject, ECDsa key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(repository);
        ArgumentNullException.ThrowIfNull(key);
        _ = CosignPublicKey.From(key, "signing key");
        var payload = CosignPayload.For(repository, subject).ToBytes();
        var signature = key.SignData(payload, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        var layer = OciDescriptor.Of(payload, OciMediaTypes.CosignSimpleSigning) with
        {
            Annotations = new Dictionary<string, string> { [OciMediaTypes.AnnotationCosignSignature] = Convert.ToBase64String(signature) },
        };

        var layers = new List<OciDescriptor>();
        try
        {
            var existing = await _registry.GetManifestAsync(repository, SignatureTag(subject), cancellationToken).ConfigureAwait(false);
            layers.AddRange(OciJson.ParseManifest(existing.Content).Layers);
        }
        catch (OciRegistryException ex) when (ex.IsNotFound)
        {
            // First signature of this digest.
        }

        layers.Add(layer);
        await _registry.PushBlobAsync(repository, payload, BlobUploadMode.Monolithic, cancellationToken).ConfigureAwait(false);
        var config = SignatureConfig(layers);
        await _registry.PushBlobAsync(repository, config, BlobUploadMode.Monolithic, cancellationToken).ConfigureAwait(false);
        var manifest = OciJson.Serialize(new OciManifest
        {
            Config = OciDescriptor.Of(config, OciMediaTypes.ImageConfig),
            Layers = layers,
        });
        return await _registry.PutManifestAsync(repository, SignatureTag(subject), manifest, OciMediaTypes.ImageManifest, cancellationToken).ConfigureAwait(false);
    }

    // Cosign gives its signature manifests an image config whose rootfs lists the payload layers.
    private static byte[] SignatureConfig(IEnumerable<OciDescriptor> layers)
    {
        const string Zero = "0001-01-01T00:00:00Z";
        var config = new JsonObject
        {
            ["architecture"] = string.Empty,
            ["created"] = Zero,
            ["history"] = new JsonArray(new JsonObject { ["created"] = Zero }),
            ["os"] = string.Empty,
            ["rootfs"] = new JsonObject { ["type"] = "layers", ["diff_ids"] = new JsonArray(layers.Select(l => (JsonNode?)l.Digest).ToArray()) },
            ["config"] = new JsonObject(),
        };
        return System.Text.Encoding.UTF8.GetBytes(config.ToJsonString());
    }

    private async Task<(CosignPublicKey? Key, string Reason)> CheckLayerAsync(OciReference repository, OciDigest subject, OciDescriptor layer, IReadOnlyList<CosignPublicKey> keys, CancellationToken cancellationToken)
    {
        if (layer.MediaType != OciMediaTypes.CosignSimpleSigning)
        {
            return (null, "not a simple-signing layer (" + layer.MediaType + ")");
        }

        byte[] signature;
        try
        {
            signature = Convert.FromBase64String(layer.Annotation(OciMediaTypes.AnnotationCosignSignature) ?? string.Empty);
        }
        catch (FormatException)
        {
            return (null, "signature annotation is not base64");
        }

        if (signature.Length == 0)
        {
            return (null, "no signature annotation");
        }

        if (layer.Size > MaxPayloadBytes)
        {
            return (null, "payload of " + layer.Size + " bytes is over the " + MaxPayloadBytes + " byte limit");
        }

        byte[] payload;
        try
        {
            payload = await _registry.GetBlobAsync(repository, layer, cancellationToken).ConfigureAwait(false);
        }
        catch (OciContentException ex)
        {
            return (null, ex.Message);
        }

        CosignPayload claims;
        try
        {
            claims = CosignPayload.Parse(payload);
        }
        catch (FormatException ex)
        {
            return (null, ex.Message);
        }

        // The signature must be about this digest: a valid signature of another manifest proves nothing.
        if (claims.ManifestDigest != subject.ToString())
        {
            return (null, "payload signs " + claims.ManifestDigest + ", not " + subject);
        }

        var key = keys.FirstOrDefault(k => k.Verifies(payload, signature));
        return key is null ? (null, "signature does not verify with any configured key") : (key, string.Empty);
    }
}
