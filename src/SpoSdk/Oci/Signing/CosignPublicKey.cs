using System.Security.Cryptography;

namespace SpoSdk.Oci.Signing;

/// <summary>
/// A public key that cosign signatures are verified against: ECDSA on P-256 with SHA-256, the key type
/// <c>cosign generate-key-pair</c> makes, read from a PEM <c>PUBLIC KEY</c> (SubjectPublicKeyInfo).
/// </summary>
public sealed class CosignPublicKey
{
    private readonly byte[] _subjectPublicKeyInfo;

    private CosignPublicKey(byte[] subjectPublicKeyInfo, string source)
    {
        _subjectPublicKeyInfo = subjectPublicKeyInfo;
        Source = source;
        Fingerprint = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(subjectPublicKeyInfo));
    }

    /// <summary>Where the key came from (a file name, or a label).</summary>
    public string Source { get; }

    /// <summary>The SHA-256 of the key's SubjectPublicKeyInfo, to name the key in decisions and logs.</summary>
    public string Fingerprint { get; }

    /// <summary>Reads a PEM public key; throws <see cref="FormatException"/> unless it is an ECDSA P-256 key.</summary>
    public static CosignPublicKey FromPem(string pem, string source = "<pem>")
    {
        ArgumentNullException.ThrowIfNull(pem);
        using var ecdsa = ECDsa.Create();
        try
        {
            ecdsa.ImportFromPem(pem);
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            throw new FormatException("public key " + source + " is not a PEM ECDSA public key: " + ex.Message, ex);
        }

        return From(ecdsa, source);
    }

    /// <summary>The public half of <paramref name="key"/>; throws <see cref="FormatException"/> unless it is on P-256.</summary>
    public static CosignPublicKey From(ECDsa key, string source = "<key>")
    {
        ArgumentNullException.ThrowIfNull(key);
        var parameters = key.ExportParameters(includePrivateParameters: false);
        if (parameters.Curve.Oid?.Value != ECCurve.NamedCurves.nistP256.Oid.Value)
        {
            throw new FormatException("public key " + source + " is not on P-256 (curve " + (parameters.Curve.Oid?.FriendlyName ?? "unknown") + ")");
        }

        return new CosignPublicKey(key.ExportSubjectPublicKeyInfo(), source);
    }

    /// <summary>Whether <paramref name="signature"/> (ASN.1 DER, as cosign writes it) signs <paramref name="payload"/> with this key.</summary>
    public bool Verifies(ReadOnlySpan<byte> payload, ReadOnlySpan<byte> signature)
    {
        using var ecdsa = ECDsa.Create();
        ecdsa.ImportSubjectPublicKeyInfo(_subjectPublicKeyInfo, out _);
        return ecdsa.VerifyData(payload, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
    }

    /// <summary>The key as PEM.</summary>
    public string ToPem() => PemEncoding.WriteString("PUBLIC KEY", _subjectPublicKeyInfo);

    /// <inheritdoc/>
    public override string ToString() => Source + " (" + Fingerprint + ")";
}
