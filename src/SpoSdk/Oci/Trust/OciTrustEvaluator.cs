using SpoSdk.Oci.References;
using SpoSdk.Oci.Signing;

namespace SpoSdk.Oci.Trust;

/// <summary>Applies an <see cref="OciTrustPolicy"/> to a manifest digest, checking cosign signatures on the registry.</summary>
public sealed class OciTrustEvaluator
{
    private readonly CosignSignatures _signatures;

    /// <summary>Creates the evaluator.</summary>
    public OciTrustEvaluator(CosignSignatures signatures)
    {
        ArgumentNullException.ThrowIfNull(signatures);
        _signatures = signatures;
    }

    /// <summary>
    /// Decides whether the manifest <paramref name="digest"/> that <paramref name="reference"/> resolved to is
    /// trusted; throws <see cref="OciTrustException"/> with the reason when it is not. A configured key
    /// is tried first, so a pinned and signed artifact is reported as signed.
    /// </summary>
    public async Task<OciTrustDecision> EvaluateAsync(OciReference reference, OciDigest digest, OciTrustPolicy policy, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(policy);
        if (policy.DisableSignatureVerification)
        {
            return new OciTrustDecision(OciTrustBasis.VerificationDisabled, "signature verification is disabled");
        }

        string why;
        if (policy.PublicKeys.Count > 0)
        {
            var verification = await _signatures.VerifyAsync(reference, digest, policy.PublicKeys, cancellationToken).ConfigureAwait(false);
            if (verification.IsVerified)
            {
                return new OciTrustDecision(OciTrustBasis.SignatureVerified, verification.Detail, verification.Key!.Fingerprint);
            }

            why = verification.Detail;
        }
        else
        {
            why = "no public key is configured to verify signatures";
        }

        if (reference.IsPinned)
        {
            return new OciTrustDecision(OciTrustBasis.PinnedDigest, "the reference is pinned to " + digest + " (" + why + ")");
        }

        throw new OciTrustException(
            "refusing " + reference + " (" + digest + "): " + why
            + "; pin the reference by digest, configure a public key that verifies its cosign signature, or disable signature verification");
    }
}
