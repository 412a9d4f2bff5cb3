using System.Security.Cryptography;
using System.Text;
using SpoSdk.Oci.Signing;

namespace SpoSdk.Oci.Trust;

/// <summary>
/// Which pulled artifacts are trusted: one whose cosign signature verifies with a configured key, or
/// one whose reference is pinned by digest (its content cannot change), or any when signature
/// verification is switched off (the SPOD's <c>disableOciArtifactSignatureVerification</c>, spoc's
/// <c>--disable-signature-verification</c>). Anything else is refused.
/// </summary>
public sealed record OciTrustPolicy
{
    /// <summary>The keys a signature may verify with.</summary>
    public IReadOnlyList<CosignPublicKey> PublicKeys { get; init; } = [];

    /// <summary>Trust everything (the SPOD switch <c>disableOciArtifactSignatureVerification</c>).</summary>
    public bool DisableSignatureVerification { get; init; }

    /// <summary>The default: signatures required unless pinned, and no keys configured yet.</summary>
    public static OciTrustPolicy Default { get; } = new();

    /// <summary>A stable fingerprint of the policy, so a cached decision is reused only under the same policy.</summary>
    public string Fingerprint
    {
        get
        {
            var text = new StringBuilder(DisableSignatureVerification ? "disabled" : "required");
            foreach (var key in PublicKeys.Select(k => k.Fingerprint).Order(StringComparer.Ordinal))
            {
                text.Append('|').Append(key);
            }

            return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..16];
        }
    }
}

/// <summary>Why an artifact was trusted.</summary>
public enum OciTrustBasis
{
    /// <summary>A cosign signature verified with a configured key.</summary>
    SignatureVerified,

    /// <summary>The reference is pinned by digest and the content matched it.</summary>
    PinnedDigest,

    /// <summary>Signature verification is switched off.</summary>
    VerificationDisabled,
}

/// <summary>A trust decision for one manifest digest.</summary>
/// <param name="Basis">Why it is trusted.</param>
/// <param name="Detail">A sentence for logs and status messages.</param>
/// <param name="KeyFingerprint">The key that verified the signature, for <see cref="OciTrustBasis.SignatureVerified"/>.</param>
public sealed record OciTrustDecision(OciTrustBasis Basis, string Detail, string? KeyFingerprint = null);

/// <summary>The trust policy refused an artifact; nothing of it was cached or written.</summary>
public sealed class OciTrustException : Exception
{
    /// <summary>Creates the exception.</summary>
    public OciTrustException(string message)
        : base(message)
    {
    }
}
